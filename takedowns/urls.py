from django.urls import path

from takedowns import views

app_name = "takedowns"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
]
