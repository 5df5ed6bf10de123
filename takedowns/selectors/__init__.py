"""Reads, by subject. Every object fetch is also a permission check (DESIGN.md §8, CONVENTIONS.md §6): the same 404
whether the object does not exist or is not the caller's. Callers import from ``takedowns.selectors``; the modules
below are where each read lives."""

from __future__ import annotations

from takedowns.selectors.access import (
    case_for_user,
    cases_for_user,
    notice_for_user,
    notices_for_user,
    notices_list_columns,
    notices_overdue,
)
from takedowns.selectors.actions import notice_allowed_actions, notice_escalating
from takedowns.selectors.board import (
    BOARD_DUE_SOON,
    BOARD_PAGE_SIZE,
    BoardFilters,
    advocate_choices,
    board_counters,
    board_notices,
    board_unknown_locations,
    platform_choices,
    platform_inbox_sections,
)
from takedowns.selectors.cases import (
    RESPONSE_EVENT_TYPES,
    case_bundles,
    case_detail,
    case_dmca_status,
    case_notice_panels,
    case_timeline,
    notice_account_answer,
    notice_hash_rows,
    notice_responses,
    notices_hash_rows,
)
from takedowns.selectors.discovery import (
    case_face_template,
    case_findings,
    case_findings_new,
    case_places_found,
    findings_for_user,
    watchlist_rows,
)
from takedowns.selectors.hosts import OPEN_LOCATION_STATES, Target, host_identities, notice_identities, upstream_targets
from takedowns.selectors.reports import (
    PUBLIC_MIN_COUNT,
    ROUTES,
    PlatformFigures,
    RouteFigures,
    notice_route,
    platform_report,
    route_report,
)
from takedowns.selectors.victim import (
    VICTIM_REPLY_EVENT_TYPES,
    VictimCase,
    case_images,
    victim_case,
    victim_webform_steps,
)

__all__ = [
    "BOARD_DUE_SOON",
    "BOARD_PAGE_SIZE",
    "OPEN_LOCATION_STATES",
    "PUBLIC_MIN_COUNT",
    "RESPONSE_EVENT_TYPES",
    "ROUTES",
    "VICTIM_REPLY_EVENT_TYPES",
    "BoardFilters",
    "PlatformFigures",
    "RouteFigures",
    "Target",
    "VictimCase",
    "advocate_choices",
    "board_counters",
    "board_notices",
    "board_unknown_locations",
    "case_bundles",
    "case_detail",
    "case_dmca_status",
    "case_face_template",
    "case_findings",
    "case_findings_new",
    "case_for_user",
    "case_images",
    "case_notice_panels",
    "case_places_found",
    "case_timeline",
    "cases_for_user",
    "findings_for_user",
    "host_identities",
    "notice_account_answer",
    "notice_allowed_actions",
    "notice_escalating",
    "notice_for_user",
    "notice_hash_rows",
    "notice_identities",
    "notice_responses",
    "notice_route",
    "notices_for_user",
    "notices_hash_rows",
    "notices_list_columns",
    "notices_overdue",
    "platform_choices",
    "platform_inbox_sections",
    "platform_report",
    "route_report",
    "upstream_targets",
    "victim_case",
    "victim_webform_steps",
    "watchlist_rows",
]
