"""The victim's pages, in the ``takedowns`` namespace (included by takedowns/urls.py): the intake under
/report/ and the case page under /case/."""

from django.urls import path

from takedowns.web import intake, status

urlpatterns = [
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
