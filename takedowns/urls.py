from django.urls import include, path

from takedowns import platform_inbox, respond, views

app_name = "takedowns"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/notices/<int:notice_id>/<str:action>/", views.notice_action, name="notice_action"),
    path("outbox/", views.outbox, name="outbox"),
    path("respond/<str:token>/", respond.notice_respond, name="notice_respond"),
    # The victim's pages (intake, status, erasure): takedowns/web/.
    path("", include("takedowns.web.urls")),
]

# The platform inbox (logged-in platform staff): takedowns/platform_inbox.py.
urlpatterns += [
    path("inbox/notices/<int:notice_id>/", platform_inbox.inbox_notice, name="inbox_notice"),
]
