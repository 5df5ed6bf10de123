"""What a notice says: the facts gathered from the database once, and whether they make a complete notice.

``model`` holds the frozen values (:class:`NoticeContent` and its parts); ``gather`` reads them from the
database (:func:`notice_content`); ``completeness`` lists, per regime, the required elements present and
missing, with the label and fix hint of each from ``elements``.
"""

from takedowns.notices.content.completeness import (
    UPSTREAM_REQUIRED,
    Completeness,
    Element,
    check_completeness,
    required_elements,
)
from takedowns.notices.content.gather import notice_content, notice_queryset, operator_from_settings
from takedowns.notices.content.model import (
    PDQ_MIN_QUALITY,
    EscalatedNotice,
    ImageHashes,
    LocationItem,
    NoticeContent,
    Operator,
    is_bare_domain,
)

__all__ = [
    "PDQ_MIN_QUALITY",
    "UPSTREAM_REQUIRED",
    "Completeness",
    "Element",
    "EscalatedNotice",
    "ImageHashes",
    "LocationItem",
    "NoticeContent",
    "Operator",
    "check_completeness",
    "is_bare_domain",
    "notice_content",
    "notice_queryset",
    "operator_from_settings",
    "required_elements",
]
