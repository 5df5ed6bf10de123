"""Render a notice :class:`~takedowns.notices.document.Document` as plain text, HTML and PDF.

All three renderers walk the same document, so they say the same thing:

- :func:`render_text` — the e-mail body. Wrapped at 78 columns; URLs, hashes and other long tokens are never
  broken (a platform's reviewer must be able to copy a URL intact, so a long one overflows its line instead).
- :func:`render_html` — escaped, semantic markup (article/section/h1/h2/p/ul/dl/blockquote) with classes but
  no inline styles, scripts or external assets, so it sits inside an e-mail and inside a page under a strict
  CSP. Only http(s) URLs become links.
- :func:`render_pdf` — fpdf2. Windows-1252 text uses the core fonts; anything else the Noto fonts of
  ``fonts.py`` with HarfBuzz shaping. A character no shipped font covers is refused with
  :class:`~takedowns.notices.fonts.UnprintableCharacters`, never dropped or replaced.

:func:`render_notice` and :func:`render_notice_pdf` go from a saved notice to the rendered forms.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime

from django.utils.html import escape
from fpdf import FPDF

from takedowns.models import Notice
from takedowns.notices.content import notice_content
from takedowns.notices.document import (
    BulletList,
    Document,
    Inline,
    Link,
    Paragraph,
    Rows,
    build_document,
    plain,
)
from takedowns.notices.fonts import UnprintableCharacters, font_set, unprintable
from takedowns.notices.upstream import upstream_document

WIDTH = 78

# --- text --------------------------------------------------------------------------------------------------


def _wrap(text: str, *, indent: str = "", first: str | None = None, width: int = WIDTH) -> list[str]:
    out: list[str] = []
    wrapper = textwrap.TextWrapper(
        width=width,
        break_long_words=False,  # never split a URL or a hash
        break_on_hyphens=False,  # URLs contain hyphens; a split there would make two wrong URLs
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
    )
    for i, line in enumerate(text.split("\n")):
        if i:
            wrapper.initial_indent = indent
        out.extend(wrapper.wrap(line) or [indent.rstrip()])
    return out


def _text_rows(rows: Rows) -> list[str]:
    width = min(max((len(k) for k, _ in rows.rows), default=0) + 2, 24)
    lines: list[str] = []
    for key, value in rows.rows:
        label = f"{key}:"
        if len(label) + 1 > width:
            lines.append(label)
            lines.extend(_wrap(plain(value), indent=" " * width))
        else:
            lines.extend(_wrap(plain(value), indent=" " * width, first=label.ljust(width)))
    return lines


def render_text(doc: Document) -> str:
    lines: list[str] = [doc.title, "=" * min(len(doc.title), WIDTH), "", *_wrap(doc.recipient)]
    for section in doc.sections:
        lines += ["", section.heading.upper(), "-" * min(len(section.heading), WIDTH)]
        for block in section.blocks:
            lines.append("")
            if isinstance(block, Paragraph):
                lines += _wrap(plain(block.parts), indent="    " if block.quote else "")
            elif isinstance(block, BulletList):
                for item in block.items:
                    lines += _wrap(plain(item.parts), first="  - ", indent="    ")
                    for detail in item.details:
                        lines += _wrap(plain(detail), indent="    ")
            elif isinstance(block, Rows):
                lines += _text_rows(block)
    # Trailing spaces upset some mail transfer agents and quoted-printable encoders.
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


# --- HTML --------------------------------------------------------------------------------------------------


def _html_inline(parts: tuple[Inline, ...]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Link):
            url = escape(part.url)
            out.append(f'<a href="{url}" rel="noopener noreferrer">{url}</a>' if part.is_web else url)
        else:
            out.append(escape(part).replace("\n", "<br>\n"))
    return "".join(out)


def render_html(doc: Document, *, include_advocate_notes: bool = False) -> str:
    """The notice as an HTML fragment. ``include_advocate_notes`` adds the advocate's warnings above the
    notice, outside the ``<article>``: for previews, never for what is sent."""
    html: list[str] = []
    if include_advocate_notes and doc.advocate_notes:
        html.append('<aside class="recourse-notice-warning" role="alert">')
        html.append("<p><strong>For you, not sent to the platform:</strong></p>")
        html.extend(f"<p>{escape(note)}</p>" for note in doc.advocate_notes)
        html.append("</aside>")
    html.append(f'<article class="recourse-notice" lang="{escape(doc.lang)}">')
    html.append(f"<h1>{escape(doc.title)}</h1>")
    html.append(f'<p class="recourse-notice-recipient">{escape(doc.recipient)}</p>')
    for section in doc.sections:
        html.append("<section>")
        html.append(f"<h2>{escape(section.heading)}</h2>")
        for block in section.blocks:
            if isinstance(block, Paragraph):
                body = f"<p>{_html_inline(block.parts)}</p>"
                html.append(f"<blockquote>{body}</blockquote>" if block.quote else body)
            elif isinstance(block, BulletList):
                html.append("<ul>")
                for item in block.items:
                    details = "".join(f"<br>\n{_html_inline(d)}" for d in item.details)
                    html.append(f"<li>{_html_inline(item.parts)}{details}</li>")
                html.append("</ul>")
            elif isinstance(block, Rows):
                html.append("<dl>")
                for key, value in block.rows:
                    html.append(f"<dt>{escape(key)}</dt><dd>{_html_inline(value)}</dd>")
                html.append("</dl>")
        html.append("</section>")
    html.append("</article>")
    return "\n".join(html) + "\n"


# --- PDF ---------------------------------------------------------------------------------------------------

_PDF_ENCODING = "windows-1252"


def _encodable(text: str) -> bool:
    try:
        text.encode(_PDF_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


class _NoticePDF(FPDF):
    footer_text = ""
    font_family_name = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_family_name, "", 8)
        self.cell(0, 5, f"{self.footer_text} — page {self.page_no()}/{{nb}}", align="C")


def _doc_text(doc: Document) -> str:
    chunks = [doc.title, doc.recipient]
    for section in doc.sections:
        chunks.append(section.heading)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                chunks.append(plain(block.parts))
            elif isinstance(block, BulletList):
                chunks.extend(plain(i.parts) + "".join(plain(d) for d in i.details) for i in block.items)
            elif isinstance(block, Rows):
                chunks.extend(k + plain(v) for k, v in block.rows)
    return "\n".join(chunks)


def _pdf_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap to ``width`` mm in the current font. fpdf2's own ``multi_cell`` re-measures the whole
    line for every character (quadratic; ~45 ms of a notice's 50), so lines are broken here, measuring each
    word once. A word wider than the line (a URL, a hash) is broken by character: the exact value is in the
    e-mail text, and an overflowing line would be cut off at the page edge."""
    font = pdf.current_font
    if getattr(font, "type", "") == "core":
        # Core fonts have a fixed width table: summing it directly is ~10x faster than get_string_width.
        cw, scale = font.cw, pdf.font_size_pt * 0.001 / pdf.k

        def measure(s: str) -> float:
            # The table is indexed by the encoded byte (as fpdf2's normalize_text does), not the character.
            return sum(cw.get(c, 600) for c in s.encode(_PDF_ENCODING, "replace").decode("latin-1")) * scale
    else:
        # HarfBuzz-shaped widths cost ~0.3 ms a call; the font's advance widths are close enough to break lines
        # (shaping only narrows Arabic joins), and a character from a fallback face counts as 0.6 em.
        ttf_cw, ttf_scale = font.cw, pdf.font_size_pt * 0.001 / pdf.k

        def measure(s: str) -> float:
            return sum(ttf_cw.get(ord(c), 600) for c in s) * ttf_scale

    space = measure(" ")
    lines: list[str] = []
    for raw in text.split("\n"):
        line, line_w = "", 0.0
        for word in raw.split(" "):
            word_w = measure(word)
            if line and line_w + space + word_w <= width:
                line, line_w = f"{line} {word}", line_w + space + word_w
                continue
            if line:
                lines.append(line)
            line, line_w = "", 0.0
            while word_w > width:
                cut = len(word)
                while cut > 1 and measure(word[:cut]) > width:
                    # Jump close to the fitting length first: measuring every prefix would be quadratic.
                    cut = max(1, min(cut - 1, int(cut * width / measure(word[:cut]))))
                lines.append(word[:cut])
                word = word[cut:]
                word_w = measure(word)
            line, line_w = word, word_w
        lines.append(line)
    return lines


def render_pdf(
    doc: Document,
    *,
    compress: bool = True,
    created_at: datetime | None = None,
) -> bytes:
    """The notice as a PDF (A4). ``compress=False`` leaves the text streams readable (tests).

    Every character is shown: Windows-1252 text uses the core fonts (fast: the benchmark's 100 PDFs/s), any
    other text the shipped Noto fonts with HarfBuzz shaping (right-to-left and complex scripts). A character
    no font covers raises :class:`~takedowns.notices.fonts.UnprintableCharacters`; it is never dropped."""
    text = _doc_text(doc)
    fonts = None
    if not _encodable(text):
        missing = unprintable(text)
        if missing:
            raise UnprintableCharacters(missing)
        fonts = font_set()
        assert fonts is not None  # unprintable() found every character covered
    pdf = _new_pdf(doc, text, fonts, compress=compress, created_at=created_at)
    _PdfWriter(pdf, fonts).document(doc)
    return bytes(pdf.output())


def _new_pdf(doc: Document, text: str, fonts, *, compress: bool, created_at: datetime | None) -> _NoticePDF:
    """An A4 PDF with its fonts, metadata and margins set and its first page added."""
    pdf = _NoticePDF(format="A4", unit="mm")
    pdf.set_compression(compress)
    if fonts is not None:
        faces = fonts.faces_for(text)
        for family, path in faces:
            # Regular only: instancing the bold of a variable Noto face costs ~1 s per face and PDF, and even
            # registering the same file as "B" parses it twice; headings are told apart by size.
            pdf.add_font(family, "", path)
        pdf.font_family_name = faces[0][0]
        if len(faces) > 1:
            pdf.set_fallback_fonts([family for family, _path in faces[1:]], exact_match=False)
        pdf.set_text_shaping(True)
    else:
        # fpdf2 encodes core-font text in latin-1 unless told otherwise; Windows-1252 adds dashes and quotes.
        pdf.core_fonts_encoding = _PDF_ENCODING
    pdf.footer_text = doc.subject
    pdf.set_title(doc.subject)
    pdf.set_creator("Recourse")
    if created_at is not None:
        # A fixed date makes the same notice render to the same bytes (evidence bundles compare them).
        pdf.set_creation_date(created_at)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    return pdf


class _PdfWriter:
    """Lays a :class:`Document` out on a PDF, line by line.

    Core fonts draw with pdf.text(), about ten times cheaper than cell() (the benchmark's 100 PDFs/s); links
    are added as rectangles over each line. TTF text needs cell() for HarfBuzz shaping and fallbacks."""

    label_w = 42.0

    def __init__(self, pdf: _NoticePDF, fonts) -> None:
        self.pdf = pdf
        self.family = pdf.font_family_name
        self.bold = "" if fonts is not None else "B"
        self.left = pdf.l_margin
        self.full = pdf.w - pdf.l_margin - pdf.r_margin
        self.fast = fonts is None
        # With TTFs, a line the main face covers entirely (all of our own wording, Latin, Greek and Cyrillic
        # names) needs neither fallback fonts nor shaping, so it takes the same cheap path: ~2.5 ms per line.
        self.main_cmap = fonts.face_cmaps[0] if fonts is not None else frozenset()

    def ensure(self, h: float) -> None:
        if self.pdf.y + h > self.pdf.page_break_trigger:
            self.pdf.add_page()

    def put(self, x: float, width: float, h: float, line: str, link: str = "") -> None:
        pdf = self.pdf
        if self.fast or all(ord(c) in self.main_cmap for c in line):
            if line:
                pdf.text(self.left + x, pdf.y + h / 2 + 0.35 * pdf.font_size, line)
                if link:
                    pdf.link(self.left + x, pdf.y, min(width, pdf.get_string_width(line)), h, link)
        else:
            pdf.set_x(self.left + x)
            pdf.cell(width, h, line, link=link)

    def newline(self, h: float) -> None:
        self.pdf.set_xy(self.left, self.pdf.y + h)

    def block(self, text: str, *, x: float = 0.0, h: float = 5.0, link: str | None = None) -> None:
        for line in _pdf_lines(self.pdf, text, self.full - x):
            self.ensure(h)
            self.put(x, self.full - x, h, line, link or "")
            self.newline(h)

    def document(self, doc: Document) -> None:
        pdf, family = self.pdf, self.family
        pdf.set_font(family, self.bold, 14)
        self.block(doc.title, h=7)
        pdf.set_font(family, "", 10)
        self.block(doc.recipient)
        for section in doc.sections:
            self.newline(3)
            pdf.set_font(family, self.bold, 12)
            self.ensure(12)  # keep a heading with its first line
            self.block(section.heading, h=6)
            pdf.set_font(family, "", 10)
            for item in section.blocks:
                self.newline(1.5)
                if isinstance(item, Paragraph):
                    self.block(plain(item.parts), x=6 if item.quote else 0, link=_first_link(item.parts) or None)
                elif isinstance(item, BulletList):
                    self.bullets(item)
                elif isinstance(item, Rows):
                    self.rows(item)
                    pdf.set_font(family, "", 10)

    def bullets(self, item: BulletList) -> None:
        for entry in item.items:
            self.ensure(5)
            self.put(2, 4, 5, "-")
            self.block(plain(entry.parts), x=6, link=_first_link(entry.parts) or None)
            for detail in entry.details:
                self.block(plain(detail), x=6)

    def rows(self, item: Rows) -> None:
        pdf, family, label_w, full = self.pdf, self.family, self.label_w, self.full
        for key, value in item.rows:
            pdf.set_font(family, self.bold, 9)
            labels = _pdf_lines(pdf, key, label_w - 2)
            pdf.set_font(family, "", 9)
            values = _pdf_lines(pdf, plain(value), full - label_w)
            # Every line of a wrapped URL links to the whole URL, so it stays clickable.
            row_link = _first_link(value)
            for i in range(max(len(labels), len(values))):
                self.ensure(5)
                pdf.set_font(family, self.bold, 9)
                self.put(0, label_w, 5, labels[i] if i < len(labels) else "")
                pdf.set_font(family, "", 9)
                self.put(label_w, full - label_w, 5, values[i] if i < len(values) else "", row_link)
                self.newline(5)


def _first_link(parts: tuple[Inline, ...]) -> str:
    """The first web link among inline parts ("" when none): a line can carry one link."""
    return next((p.url for p in parts if isinstance(p, Link) and p.is_web), "")


# --- from a notice -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    text: str
    html: str
    # The advocate's warnings (DMCA) and the HTML preview that shows them; neither is sent to the platform.
    warnings: tuple[str, ...] = ()
    preview_html: str = ""


def render_document(doc: Document) -> RenderedNotice:
    html = render_html(doc)
    preview = render_html(doc, include_advocate_notes=True) if doc.advocate_notes else html
    return RenderedNotice(
        subject=doc.subject, text=render_text(doc), html=html, warnings=doc.advocate_notes, preview_html=preview
    )


def notice_document(content) -> Document:
    """The document a notice's content makes: a platform notice, or an upstream notice (to a CDN, host or registrar)."""
    return build_document(content) if content.kind == "platform" else upstream_document(content)


def render_notice(notice: Notice, *, now: datetime | None = None) -> RenderedNotice:
    return render_document(notice_document(notice_content(notice, now=now)))


def render_notice_pdf(notice: Notice, *, now: datetime | None = None, compress: bool = True) -> bytes:
    content = notice_content(notice, now=now)
    return render_pdf(notice_document(content), compress=compress, created_at=content.generated_at)
