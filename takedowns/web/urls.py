"""Every page of the portal, in the ``takedowns`` namespace, grouped by audience (API: takedowns/api/urls.py)."""

from django.urls import path

from takedowns.web import advocate, hosts, platform, public
from takedowns.web.victim import intake, status

app_name = "takedowns"

urlpatterns = [
    # Anyone.
    path("", public.home, name="home"),
    # Staff: advocates get their dashboard, platform staff their inbox, at the same address.
    path("dashboard/", advocate.dashboard, name="dashboard"),
    path("cases/<str:reference>/", advocate.case_detail, name="case_detail"),
    path("cases/<str:reference>/notices/<int:notice_id>/<str:action>/", advocate.notice_action, name="notice_action"),
    path(
        "cases/<str:reference>/locations/<int:location_id>/identify/", hosts.location_identify, name="location_identify"
    ),
    path("outbox/", advocate.outbox, name="outbox"),
    # Platform staff: one notice in the inbox, and the same page behind the signed link (no login).
    path("inbox/notices/<int:notice_id>/", platform.inbox_notice, name="inbox_notice"),
    path("respond/<str:token>/", platform.notice_respond, name="notice_respond"),
    # The victim: the intake under /report/ and the case page under /case/.
    path("report/", intake.intake_start, name="intake"),
    path("report/discard/", intake.intake_discard, name="intake_discard"),
    path("report/receipt/", intake.intake_receipt, name="intake_receipt"),
    path("report/<slug:step>/", intake.intake_step, name="intake_step"),
    path("case/", status.status, name="status"),
    path("case/sign-in/", status.status_login, name="status_login"),
    path("case/progress/", status.status_progress, name="status_progress"),
    path("case/add-urls/", status.status_add_urls, name="status_add_urls"),
    path("case/add-images/", status.status_add_images, name="status_add_images"),
    path("case/submitted/<int:notice_id>/", status.status_webform_submitted, name="status_webform_submitted"),
    path("case/withdraw/", status.status_withdraw, name="status_withdraw"),
    path("case/erase/", status.status_erase, name="status_erase"),
    path("case/sign-out/", status.status_signout, name="status_signout"),
]
