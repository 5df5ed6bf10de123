from django.urls import include, path

from takedowns import views

app_name = "takedowns"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    # The victim's pages (intake, status, erasure): takedowns/web/.
    path("", include("takedowns.web.urls")),
]
