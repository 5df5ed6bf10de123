"""Notice content: what a notice says per legal regime, whether it is complete, and its rendered forms.

``notice_content`` gathers the facts (a frozen value, no ORM objects); ``check_completeness`` lists the
required elements present and missing per regime; ``build_document`` writes the wording once, and
``law`` decides which regimes a notice cites and its clock (the recipient's law first);
``render_text`` / ``render_html`` / ``render_pdf`` render that one document; ``webform_pieces`` cuts it
into copy-paste fields for platforms' web forms. ``tokens`` signs the response link and the relay address.
"""

from takedowns.notices.content import (
    Completeness,
    Element,
    ImageHashes,
    LocationItem,
    NoticeContent,
    check_completeness,
    notice_content,
    notice_queryset,
)
from takedowns.notices.document import Document, Piece, build_document, webform_pieces
from takedowns.notices.fonts import UnprintableCharacters
from takedowns.notices.law import clock_hours, notice_regimes
from takedowns.notices.regimes import REGIMES, RegimeSpec, regime_for
from takedowns.notices.render import (
    RenderedNotice,
    notice_document,
    render_html,
    render_notice,
    render_notice_pdf,
    render_pdf,
    render_text,
)
from takedowns.notices.tokens import (
    ResponseTokenError,
    ResponseTokenExpired,
    ResponseTokenInvalid,
    make_response_token,
    notice_for_response_token,
    notice_id_from_relay_address,
    read_response_token,
    read_response_token_payload,
    relay_address,
    response_link,
)
from takedowns.notices.upstream import upstream_pieces

__all__ = [
    "REGIMES",
    "Completeness",
    "Document",
    "Element",
    "ImageHashes",
    "LocationItem",
    "NoticeContent",
    "Piece",
    "RegimeSpec",
    "RenderedNotice",
    "ResponseTokenError",
    "ResponseTokenExpired",
    "ResponseTokenInvalid",
    "UnprintableCharacters",
    "build_document",
    "check_completeness",
    "clock_hours",
    "make_response_token",
    "notice_content",
    "notice_document",
    "notice_for_response_token",
    "notice_id_from_relay_address",
    "notice_queryset",
    "notice_regimes",
    "read_response_token",
    "read_response_token_payload",
    "regime_for",
    "relay_address",
    "render_html",
    "render_notice",
    "render_notice_pdf",
    "render_pdf",
    "render_text",
    "response_link",
    "upstream_pieces",
    "webform_pieces",
]
