"""Read .docx (python-docx) and .pdf (pypdf) briefs into rendered text.

Both give what :func:`~citecheck.extract.readers.render_html` gives: one
paragraph a line with blank lines between, hyperlinks as spans on that text,
numbered notes as marks carrying their notes' text, and a last-resort
publication date from the file's own properties. A file that cannot be read
is an :class:`~citecheck.errors.InputError` naming it.

- DOCX: every paragraph of the body (tables included) in document order;
  run-level hyperlinks (``w:hyperlink``) and field hyperlinks (``HYPERLINK``
  in ``w:fldSimple`` or a complex field) bound to the text they cover;
  footnote and endnote references as ``[n]`` marks, the notes read from their
  parts; deleted text of tracked changes left out; the core properties'
  title, and their modified (else created) date.
- PDF: text fragments in the order the file writes them (a second column
  after the first), grouped into lines by their position (fragments of a
  line left to right; a wider gap between lines, or a step up the page, ends
  a paragraph); link annotations bound to the fragments they cover; the Info
  dictionary's title and creation (else modification) date.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from typing import Any

from citecheck.errors import InputError
from citecheck.extract.readers import Rendered
from citecheck.extract.scan import Link, Note

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_FIELD_URL = re.compile(r'HYPERLINK\s+(?:\\[a-z]\s+"?[^"\s]*"?\s+)*"?([^"\s]+)"?', re.I)
#: python-docx's own template dates its documents so: no date the author gave
_TEMPLATE_DATE = dt.datetime(2013, 12, 23, 23, 15)


class _Line:
    """One paragraph's text with the link and note spans on it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.links: list[tuple[int, int, str]] = []  # (start, end) 0-based, end exclusive
        self.marks: list[tuple[int, int, str]] = []  # note marks: (start, end, note key)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _paragraph(p: Any, rels: Any) -> _Line:
    """The text of a ``w:p`` with its hyperlinks (``rels``: the part's relationships)."""
    from lxml import etree

    line = _Line()
    links: list[tuple[str | None, int]] = []  # open hyperlinks: (url, start)
    field: list[dict[str, Any]] = []  # open complex fields
    for event, el in etree.iterwalk(p, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "end":
            if tag in (f"{_W}hyperlink", f"{_W}fldSimple") and links:
                url, start = links.pop()
                if url and line.length > start:
                    line.links.append((start, line.length, url))
            continue
        if tag == f"{_W}hyperlink":
            rid = el.get(_R_ID)
            url = None
            if rid and rid in rels and rels[rid].is_external:
                url = rels[rid].target_ref
            links.append((url, line.length))
        elif tag == f"{_W}fldSimple":
            m = _FIELD_URL.search(el.get(f"{_W}instr") or "")
            links.append((m.group(1) if m else None, line.length))
        elif tag == f"{_W}fldChar":
            kind = el.get(f"{_W}fldCharType")
            if kind == "begin":
                field.append({"instr": "", "start": None})
            elif kind == "separate" and field:
                field[-1]["start"] = line.length
            elif kind == "end" and field:
                done = field.pop()
                m = _FIELD_URL.search(done["instr"])
                if m and done["start"] is not None and line.length > done["start"]:
                    line.links.append((done["start"], line.length, m.group(1)))
        elif tag == f"{_W}instrText" and field:
            field[-1]["instr"] += el.text or ""
        elif tag == f"{_W}t":
            if not (field and field[-1]["start"] is None):  # not a field's instructions
                line.add(el.text or "")
        elif tag in (f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen"):
            line.add("-" if tag == f"{_W}noBreakHyphen" else " ")
        elif tag in (f"{_W}footnoteReference", f"{_W}endnoteReference"):
            kind = "footnote" if tag == f"{_W}footnoteReference" else "endnote"
            key = f"{kind}:{el.get(f'{_W}id')}"
            mark = f"[{el.get(f'{_W}id')}]"
            line.marks.append((line.length, line.length + len(mark), key))
            line.add(mark)
    return line


def _docx_notes(document: Any) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``footnote:ID`` / ``endnote:ID`` -> (the note's text, its links' URLs)."""
    from lxml import etree

    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for rel in document.part.rels.values():
        kind = rel.reltype.rsplit("/", 1)[-1]
        if kind not in ("footnotes", "endnotes") or rel.is_external:
            continue
        part = rel.target_part
        root = etree.fromstring(part.blob)
        for note in root.iter(f"{_W}{kind[:-1]}"):
            if note.get(f"{_W}type") in ("separator", "continuationSeparator",
                                          "continuationNotice"):
                continue
            lines = [_paragraph(p, part.rels) for p in note.iter(f"{_W}p")]
            text = " ".join(" ".join(line.text().split()) for line in lines).strip()
            urls = tuple(url for line in lines for _, _, url in line.links)
            out[f"{kind[:-1]}:{note.get(f'{_W}id')}"] = (text, urls)
    return out


def render_docx(data: bytes, name: str) -> Rendered:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        notes = _docx_notes(document)
        body = document.element.body
        lines = [_paragraph(p, document.part.rels) for p in body.iter(f"{_W}p")]
        props = document.core_properties
        title = props.title or None
        stamp = props.modified or props.created
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, XML and OPC errors: a corrupt file
        raise InputError(f"{name}: not a readable .docx file ({type(exc).__name__}: {exc})"
                         ) from None
    text_lines: list[str] = []
    links: list[Link] = []
    marks: list[Note] = []
    for line in lines:
        text = line.text()
        if not text.strip():
            continue
        if text_lines:
            text_lines.append("")
        number = len(text_lines) + 1
        text_lines.append(text)
        links.extend((number, a + 1, b + 1, url) for a, b, url in line.links)
        for a, b, key in line.marks:
            if key in notes:
                marks.append((number, a + 1, b + 1, key, *notes[key]))
    if not text_lines:
        raise InputError(f"{name}: no text in the document")
    published = None
    if stamp is not None and stamp.replace(tzinfo=None) != _TEMPLATE_DATE:
        published = stamp.date()
    return Rendered("\n".join(text_lines) + "\n", tuple(links), title, published,
                    "docx-properties" if published else None, notes=tuple(marks))


# --------------------------------------------------------------------- PDF


def render_pdf(data: bytes, name: str) -> Rendered:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [_pdf_page(page) for page in reader.pages]
        meta = reader.metadata
        title = meta.title if meta else None
        stamp = _pdf_date(meta)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on a corrupt file
        raise InputError(f"{name}: not a readable .pdf file ({type(exc).__name__}: {exc})"
                         ) from None
    text_lines: list[str] = []
    links: list[Link] = []
    for paragraphs in pages:
        for paragraph in paragraphs:
            if text_lines:
                text_lines.append("")
            for text, spans in paragraph:
                number = len(text_lines) + 1
                text_lines.append(text)
                links.extend((number, a + 1, b + 1, url) for a, b, url in spans)
    if not any(line.strip() for line in text_lines):
        raise InputError(f"{name}: no text in the PDF (a scan? citecheck does not read images)")
    return Rendered("\n".join(text_lines) + "\n", tuple(links),
                    str(title) if title else None, stamp, "pdf-metadata" if stamp else None)


def _pdf_date(meta: Any) -> dt.date | None:
    if not meta:
        return None
    for attr in ("creation_date", "modification_date"):
        try:
            value = getattr(meta, attr)
        except (ValueError, TypeError):  # a date pypdf cannot read
            continue
        if value is not None:
            return value.date()
    return None


Fragment = tuple[float, float, str, float]  #: x, y, text, font size


def _pdf_page(page: Any) -> list[list[tuple[str, list[tuple[int, int, str]]]]]:
    """Paragraphs of (line text, link spans) of one page, in reading order."""
    fragments: list[Fragment] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text or not text.strip("\n"):
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or 1.0
        fragments.append((x, y, text.replace("\n", " "), (size or 10.0) * scale))

    page.extract_text(visitor_text=visit)
    annots = []
    for ref in page.get("/Annots") or ():
        annot = ref.get_object()
        action = annot.get("/A") or {}
        uri = action.get("/URI") if annot.get("/Subtype") == "/Link" else None
        if uri and annot.get("/Rect"):
            x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
            annots.append((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2), str(uri)))
    # lines: consecutive fragments (in the content stream's order, the order the
    # producer wrote them: a second column follows the first) within a third of a
    # font size of each other vertically
    lines: list[list[Fragment]] = []
    for frag in fragments:
        if lines and abs(lines[-1][0][1] - frag[1]) <= frag[3] / 3:
            lines[-1].append(frag)
        else:
            lines.append([frag])
    paragraphs: list[list[tuple[str, list[tuple[int, int, str]]]]] = []
    previous_y: float | None = None
    gap: float | None = None
    for line in lines:
        line.sort(key=lambda f: f[0])
        y, size = line[0][1], max(f[3] for f in line)
        step = previous_y - y if previous_y is not None else None
        if gap is None and step is not None and step <= size * 2:
            gap = step  # the first gap between two lines of one paragraph
        # a wide gap ends a paragraph; so does a step up the page (the next column)
        if not paragraphs or step is None or step < 0 or step > max(gap or size * 1.5,
                                                                      size) * 1.4:
            paragraphs.append([])
        paragraphs[-1].append(_pdf_line(line, annots))
        previous_y = y
    return paragraphs


def _pdf_line(
    line: list[Fragment], annots: list[tuple[float, float, float, float, str]]
) -> tuple[str, list[tuple[int, int, str]]]:
    text = ""
    spans: list[tuple[int, int, str]] = []
    for x, y, piece, size in line:
        start = len(text)
        text += piece
        for x1, y1, x2, y2, uri in annots:
            if x1 - 1 <= x < x2 - 1 and y1 - size / 2 <= y <= y2 + size / 2:
                stripped = len(piece) - len(piece.lstrip())
                if spans and spans[-1][2] == uri and spans[-1][1] == start:
                    spans[-1] = (spans[-1][0], len(text.rstrip()), uri)
                else:
                    spans.append((start + stripped, len(text.rstrip()), uri))
                break
    return text.rstrip(), spans
