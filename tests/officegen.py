"""Build .docx (python-docx) and .pdf (fpdf2) briefs for tests, from one list of
paragraphs, so that each format can be compared with the same brief in HTML.

A paragraph is a list of (text, url or None) segments; ``field=True`` writes a
linked segment as a field hyperlink instead of a run-level one.
"""

from __future__ import annotations

import datetime as dt
import html
import io

Segment = tuple[str, "str | None"]


def to_html(paragraphs: list[list[Segment]], published: str, *, boilerplate: bool = True) -> str:
    body = []
    for segments in paragraphs:
        parts = [f'<a href="{html.escape(u)}">{html.escape(t)}</a>' if u else html.escape(t)
                 for t, u in segments]
        body.append(f"<p>{''.join(parts)}</p>")
    noise = ""
    if boilerplate:
        noise = ('<div class="cookie-banner">We use cookies <a href="/p">(see policy, '
                 '2018)</a>.</div><!-- (Xinhua, May 1) -->'
                 '<nav><a href="/">Home</a> | <a href="/about">About</a></nav>')
    tail = ('<aside class="related"><h3>Related</h3><p><a href="/x">Another story</a></p>'
            "</aside>") if boilerplate else ""
    return (f'<!doctype html><html><head><title>Brief</title><meta property='
            f'"article:published_time" content="{published}"></head><body>{noise}<article>'
            f"{''.join(body)}</article>{tail}</body></html>")


def _run(text: str):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    return run


def _field_run(kind: str | None = None, instr: str | None = None):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = OxmlElement("w:r")
    if kind:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run.append(char)
    if instr:
        text = OxmlElement("w:instrText")
        text.set(qn("xml:space"), "preserve")
        text.text = instr
        run.append(text)
    return run


def add_hyperlink(paragraph, text: str, url: str, *, field: str | None = None) -> None:
    """A run-level hyperlink, or a field one (``field="simple"`` or ``"complex"``)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = paragraph._p
    if field == "simple":
        fld = OxmlElement("w:fldSimple")
        fld.set(qn("w:instr"), f' HYPERLINK "{url}" ')
        fld.append(_run(text))
        p.append(fld)
    elif field == "complex":
        p.append(_field_run("begin"))
        p.append(_field_run(instr=f' HYPERLINK "{url}" \\o "tip" '))
        p.append(_field_run("separate"))
        p.append(_run(text))
        p.append(_field_run("end"))
    else:
        r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), r_id)
        link.append(_run(text))
        p.append(link)


def to_docx(paragraphs: list[list[Segment]], published: str | None, *,
            fields: tuple[str | None, ...] = (None,), title: str = "Brief") -> bytes:
    """A .docx of the paragraphs; linked segments cycle through ``fields`` kinds."""
    import docx

    document = docx.Document()
    n = 0
    for segments in paragraphs:
        paragraph = document.add_paragraph()
        for text, url in segments:
            if url:
                add_hyperlink(paragraph, text, url, field=fields[n % len(fields)])
                n += 1
            else:
                paragraph.add_run(text)
    props = document.core_properties
    props.title = title
    if published:
        stamp = dt.datetime.fromisoformat(published).replace(hour=9)
        props.created = props.modified = stamp
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_pdf(paragraphs: list[list[Segment]], published: str | None, *,
           title: str = "Brief") -> bytes:
    """A .pdf of the paragraphs with a link annotation on each linked segment."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    if published:
        pdf.set_creation_date(dt.datetime.fromisoformat(published).replace(
            hour=9, tzinfo=dt.timezone.utc))
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for segments in paragraphs:
        for text, url in segments:
            pdf.write(6, text, link=url or "")
        pdf.ln(14)
    return bytes(pdf.output())
