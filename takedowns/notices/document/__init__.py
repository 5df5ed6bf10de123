"""The one source of a notice's wording: a small document model built from a :class:`NoticeContent`.

:func:`build_document` turns the content into a :class:`Document` (title, recipient line, sections made of
paragraphs, bullet lists and key-value rows); ``render.py`` renders that same document as plain text, HTML
and PDF, and :func:`webform_pieces` cuts the same sentences into the copy-paste pieces that platforms' web
forms ask for. The package is split by what each part of a notice is about: ``model`` (the blocks and the
cleaning of user-supplied text), ``deadlines`` (title, subject, clock), ``statements`` (what the content is
and what is asked), ``legal`` (the legal basis), ``tables`` (fingerprints, locations, signature, contact)
and ``build`` (the sections in order, and the web-form pieces).
"""

from takedowns.notices.document.build import build_document, webform_pieces
from takedowns.notices.document.deadlines import (
    RELAY_NOTE,
    deadline_rows,
    deadline_sentence,
    has_statutory_deadline,
    response_sentence,
    subject,
    title,
)
from takedowns.notices.document.legal import legal_basis_blocks, legal_basis_rows
from takedowns.notices.document.model import (
    Block,
    BulletList,
    Document,
    Inline,
    Link,
    ListItem,
    Paragraph,
    Piece,
    Rows,
    Section,
    clean,
    kv_rows,
    para,
    plain,
    utc,
)
from takedowns.notices.document.statements import (
    BONA_FIDE,
    NEUTRAL_COPIES,
    account_action_paragraphs,
    account_reupload_blocks,
    copies_sentence,
    description_lines,
    minor_blocks,
    reupload_paragraphs,
)
from takedowns.notices.document.tables import (
    contact_rows,
    hash_rows,
    location_details,
    location_list,
    operator_rows,
    signature_rows,
)

__all__ = [
    "BONA_FIDE",
    "NEUTRAL_COPIES",
    "RELAY_NOTE",
    "Block",
    "BulletList",
    "Document",
    "Inline",
    "Link",
    "ListItem",
    "Paragraph",
    "Piece",
    "Rows",
    "Section",
    "account_action_paragraphs",
    "account_reupload_blocks",
    "build_document",
    "clean",
    "contact_rows",
    "copies_sentence",
    "deadline_rows",
    "deadline_sentence",
    "description_lines",
    "has_statutory_deadline",
    "hash_rows",
    "kv_rows",
    "legal_basis_blocks",
    "legal_basis_rows",
    "location_details",
    "location_list",
    "minor_blocks",
    "operator_rows",
    "para",
    "plain",
    "response_sentence",
    "reupload_paragraphs",
    "signature_rows",
    "subject",
    "title",
    "utc",
    "webform_pieces",
]
