"""Every page of the portal, in the ``takedowns`` namespace, grouped by audience (API: takedowns/api/urls.py)."""

from django.urls import path

from takedowns.web import (
    advocate,
    bundles,
    discovery,
    escalation,
    escalation_drafts,
    hosts,
    likeness,
    platform,
    public,
    reports,
    staff,
)
from takedowns.web.victim import intake, status

app_name = "takedowns"

urlpatterns = [
    # Anyone.
    path("", public.home, name="home"),
    path("transparency/platforms/", reports.public_platform_report, name="public_report"),
    # Staff: advocates get their dashboard, platform staff their inbox, at the same address.
    path("dashboard/", advocate.dashboard, name="dashboard"),
    path("cases/<str:reference>/", advocate.case_detail, name="case_detail"),
    path(
        "cases/<str:reference>/signals/<str:signal_id>/review/",
        advocate.case_signal_review,
        name="case_signal_review",
    ),
    path("cases/<str:reference>/notices/<int:notice_id>/<str:action>/", advocate.notice_action, name="notice_action"),
    # Escalation: the upstream notice to a provider, and stopping the ladder.
    path(
        "cases/<str:reference>/notices/<int:notice_id>/upstream/<slug:provider>/",
        escalation.upstream_prepare,
        name="upstream_prepare",
    ),
    path("cases/<str:reference>/notices/<int:notice_id>/ladder/stop/", escalation.ladder_stop, name="ladder_stop"),
    path(
        "cases/<str:reference>/notices/<int:notice_id>/ladder/<int:step_id>/stop/",
        escalation.ladder_stop,
        name="ladder_step_stop",
    ),
    path(
        "cases/<str:reference>/notices/<int:notice_id>/escalation/<slug:route>.<str:fmt>",
        escalation_drafts.draft_download,
        name="escalation_draft",
    ),
    path("watchlist/", discovery.watchlist, name="watchlist"),
    path("watchlist/<int:site_id>/crawl/", discovery.watchlist_crawl, name="watchlist_crawl"),
    path("cases/<str:reference>/findings/", discovery.case_findings, name="case_findings"),
    path("cases/<str:reference>/likeness/", likeness.case_likeness, name="case_likeness"),
    path(
        "cases/<str:reference>/findings/<int:finding_id>/preview/",
        discovery.finding_preview,
        name="finding_preview",
    ),
    path(
        "cases/<str:reference>/findings/<int:finding_id>/reveal/",
        discovery.finding_preview_reveal,
        name="finding_preview_reveal",
    ),
    path(
        "cases/<str:reference>/findings/<int:finding_id>/<str:action>/",
        discovery.finding_decide,
        name="finding_decide",
    ),
    path("cases/<str:reference>/reveal/", advocate.case_reveal, name="case_reveal"),
    path("cases/<str:reference>/pictures/", advocate.case_add_pictures, name="case_add_pictures"),
    path("cases/<str:reference>/images/<int:image_id>/preview/", advocate.image_preview, name="image_preview"),
    path(
        "cases/<str:reference>/locations/<int:location_id>/add-platform/",
        advocate.location_platform_add,
        name="location_platform_add",
    ),
    path("cases/<str:reference>/do/<slug:action>/", advocate.case_action, name="case_action"),
    path("cases/<str:reference>/bundles/", bundles.bundle_request, name="bundle_request"),
    path("cases/<str:reference>/bundles/<int:bundle_id>/", bundles.bundle_status, name="bundle_status"),
    path("cases/<str:reference>/bundles/<int:bundle_id>/download/", bundles.bundle_download, name="bundle_download"),
    path(
        "cases/<str:reference>/locations/<int:location_id>/identify/", hosts.location_identify, name="location_identify"
    ),
    path("outbox/", advocate.outbox, name="outbox"),
    # Staff two-factor sign-in (after the password at accounts/login/).
    path("accounts/two-factor/", staff.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", staff.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/enrol/<str:token>/", staff.two_factor_enrol, name="two_factor_enrol"),
    path("accounts/two-factor/recovery-codes/", staff.two_factor_codes, name="two_factor_codes"),
    path("reports/platforms/", reports.platform_report, name="report"),
    # Platform staff: one notice in the inbox, and the same page behind the signed link (no login).
    path("inbox/notices/<int:notice_id>/", platform.inbox_notice, name="inbox_notice"),
    path("inbox/exchange/opinion/", platform.inbox_exchange_opinion, name="inbox_exchange_opinion"),
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
    path("case/evidence/", status.status_bundle_request, name="status_bundle_request"),
    path("case/evidence/<int:bundle_id>/", status.status_bundle, name="status_bundle"),
    path("case/evidence/<int:bundle_id>/download/", status.status_bundle_download, name="status_bundle_download"),
    path("case/withdraw/", status.status_withdraw, name="status_withdraw"),
    path("case/sharing/", status.status_sharing, name="status_sharing"),
    path("case/likeness/", likeness.status_likeness, name="status_likeness"),
    path("case/erase/", status.status_erase, name="status_erase"),
    path("case/sign-out/", status.status_signout, name="status_signout"),
]
