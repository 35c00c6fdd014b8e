""".docx and .pdf briefs: the same records and URLs as the same brief in HTML."""

import io

import pytest
from click.testing import CliRunner
from officegen import add_hyperlink, to_docx, to_html, to_pdf

from citecheck.cli import cli
from citecheck.extract import extract_citations, read_document
from citecheck.pipeline import expand_inputs

PUBLISHED = "2018-06-04"

BRIEF = [
    [("Beijing and Moscow upgraded their partnership in May (", None),
     ("MOFA, May 14", "https://mofa.example/news/2018/05/14/partnership"),
     ("). Russian officials described the talks as frank (", None),
     ("TASS, April 3", "https://tass.example/politics/1234"), (").", None)],
    [("Arms sales grew for the fifth year in a row, with long words to make this line "
      "wrap in the PDF version of the brief (", None),
     ("SIPRI, 2017, p. 5", "https://sipri.example/trends-2017.pdf"),
     ("; see also ", None), ("CSIS, February 7", "https://csis.example/analysis/x"),
     (").", None)],
    [("The People's Liberation Army (PLA) sent observers; both papers ran the leak (", None),
     ("Interfax", "https://interfax.example/a"), (", ", None),
     ("Vedomosti", "https://vedomosti.example/b"), (", June 3).", None)],
    [("A plain citation without any link (Xinhua, July 26 2017), and a broken one (", None),
     ("TASS, February 30", "https://tass.example/bad"), (").", None)],
]


def _key(records):
    return [(c.source, c.date_as_written, c.date, c.locator, c.url, c.malformed)
            for c in records]


def _read(tmp_path, name, data):
    path = tmp_path / name
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return read_document(str(path))


@pytest.fixture
def html_records(tmp_path):
    doc = _read(tmp_path, "brief.html", to_html(BRIEF, PUBLISHED))
    records = extract_citations(doc)
    assert len(records) == 8 and sum(c.url is not None for c in records) == 7
    return _key(records)


@pytest.mark.parametrize("fields", [(None,), ("simple",), ("complex",), (None, "simple",
                                                                          "complex")])
def test_docx_gives_the_same_records_and_urls_as_html(tmp_path, html_records, fields):
    doc = _read(tmp_path, "brief.docx", to_docx(BRIEF, PUBLISHED, fields=fields))
    assert _key(extract_citations(doc)) == html_records
    assert (doc.published, doc.published_from, doc.title) == (PUBLISHED, "docx-properties",
                                                              "Brief")


def test_pdf_gives_the_same_records_and_urls_as_html(tmp_path, html_records):
    doc = _read(tmp_path, "brief.pdf", to_pdf(BRIEF, PUBLISHED))
    assert _key(extract_citations(doc)) == html_records
    assert (doc.published, doc.published_from, doc.title) == (PUBLISHED, "pdf-metadata",
                                                              "Brief")


def test_pdf_text_is_in_reading_order_and_paragraphs(tmp_path):
    doc = _read(tmp_path, "brief.pdf", to_pdf(BRIEF, PUBLISHED))
    paragraphs = [" ".join(p.split()) for p in doc.text.split("\n\n")]
    expected = [" ".join("".join(t for t, _ in segs).split()) for segs in BRIEF]
    assert paragraphs == expected


def test_a_dateline_beats_the_file_properties(tmp_path):
    brief = [[("Published 2 March 2019", None)], *BRIEF]
    doc = _read(tmp_path, "brief.docx", to_docx(brief, PUBLISHED))
    assert (doc.published, doc.published_from) == ("2019-03-02", "dateline")


def test_docx_footnotes_and_endnotes_are_notes(tmp_path):
    data = _docx_with_notes()
    doc = _read(tmp_path, "notes.docx", data)
    records = extract_citations(doc)
    got = [(c.style, c.source, c.date, c.url, c.context) for c in records]
    assert got == [
        ("note", "Xinhua", "2018-05-14", "https://xinhua.example/1",
         "Beijing upgraded the partnership.[1]"),
        ("parenthetical", "TASS", "2018-05-20", None, "Moscow agreed (TASS, May 20).[2]"),
        ("note", "SIPRI", "2017", None, "Moscow agreed (TASS, May 20).[2]"),
    ]


def _docx_with_notes():
    """A .docx with a footnote (with a hyperlink) and an endnote, written part by part."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')

    def notes_part(kind, body, rels=()):
        xml = (f'<w:{kind}s {ns}><w:{kind} w:type="separator" w:id="-1"><w:p><w:r>'
               f'<w:separator/></w:r></w:p></w:{kind}>{body}</w:{kind}s>')
        part = Part(PackURI(f"/word/{kind}s.xml"),
                    f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml",
                    xml.encode(), document.part.package)
        for rid, url in rels:
            part.rels.add_relationship(RELATIONSHIP_TYPE.HYPERLINK, url, rid, is_external=True)
        document.part.relate_to(part, f"{RELATIONSHIP_TYPE.HYPERLINK.rsplit('/', 1)[0]}/"
                                      f"{kind}s")
        return part

    notes_part("footnote",
               '<w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">Xinhua, '
               '“China, Russia sign pact,” May 14, 2018, </w:t></w:r><w:hyperlink r:id="rIdX">'
               "<w:r><w:t>online</w:t></w:r></w:hyperlink><w:r><w:t>.</w:t></w:r></w:p>"
               "</w:footnote>", rels=[("rIdX", "https://xinhua.example/1")])
    notes_part("endnote",
               '<w:endnote w:id="2"><w:p><w:r><w:t>See SIPRI, Trends, 2017.</w:t></w:r>'
               "</w:p></w:endnote>")

    def mark(paragraph, kind, number):
        run = OxmlElement("w:r")
        ref = OxmlElement(f"w:{kind}Reference")
        ref.set(qn("w:id"), str(number))
        run.append(ref)
        paragraph._p.append(run)

    p = document.add_paragraph("Beijing upgraded the partnership.")
    mark(p, "footnote", 1)
    p.add_run(" Moscow agreed (TASS, May 20).")
    mark(p, "endnote", 2)
    deleted = OxmlElement("w:del")
    deleted.append(OxmlElement("w:r"))
    deleted[0].append(OxmlElement("w:delText"))
    deleted[0][0].text = " (Reuters, May 1)"
    p._p.append(deleted)
    document.add_paragraph("Published June 4, 2018")  # not at the head: no dateline
    document.core_properties.modified = __import__("datetime").datetime(2018, 6, 4)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_add_hyperlink_writes_what_word_reads(tmp_path):
    import docx

    document = docx.Document()
    add_hyperlink(document.add_paragraph("See "), "MOFA", "https://mofa.example/")
    out = io.BytesIO()
    document.save(out)
    (link,) = docx.Document(io.BytesIO(out.getvalue())).paragraphs[0].hyperlinks
    assert (link.text, link.address) == ("MOFA", "https://mofa.example/")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.docx", b"PK\x03\x04 this is not really a zip file"),
        ("broken.pdf", b"%PDF-1.4\n this is not really a pdf"),
        ("empty.pdf", b""),
        ("text.docx", b"just some text, not a docx"),
    ],
)
def test_a_corrupt_docx_or_pdf_is_one_error_line_and_exit_2(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and name in lines[0]
    assert "Traceback" not in result.output


def test_folders_pick_up_docx_and_pdf(tmp_path):
    (tmp_path / "a.docx").write_bytes(to_docx(BRIEF, PUBLISHED))
    (tmp_path / "b.pdf").write_bytes(to_pdf(BRIEF, PUBLISHED))
    (tmp_path / "c.png").write_bytes(b"\x89PNG")
    found = [p.rsplit("/", 1)[-1] for p in expand_inputs([str(tmp_path)])]
    assert found == ["a.docx", "b.pdf"]


def test_extract_cli_reads_a_docx(tmp_path):
    path = tmp_path / "brief.docx"
    path.write_bytes(to_docx(BRIEF, PUBLISHED))
    result = CliRunner().invoke(cli, ["extract", str(path), "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "published: 2018-06-04 (from docx-properties)" in result.output
    assert "https://mofa.example/news/2018/05/14/partnership" in result.output


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_stdin_docx_and_pdf_are_sniffed(kind, html_records):
    data = to_docx(BRIEF, PUBLISHED) if kind == "docx" else to_pdf(BRIEF, PUBLISHED)
    result = CliRunner().invoke(cli, ["extract", "-", "--format", "json"], input=data)
    assert result.exit_code == 0, result.output
    import json

    got = [(c["source"], c["date_as_written"], c["date"], c["locator"], c["url"], c["malformed"])
           for c in json.loads(result.output)["citations"]]
    assert got == html_records


def test_pdf_two_columns_are_read_column_by_column(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    left = ("Beijing and Moscow upgraded their partnership in May, as the ministry said "
            "(MOFA, May 14). The statement was long and it wraps over several lines here.")
    right = ("Russian officials described the talks as frank and useful for both sides "
             "(TASS, April 3). More words follow to fill the column to its end.")
    pdf.set_xy(10, 20)
    pdf.multi_cell(85, 6, left)
    pdf.set_xy(110, 20)
    pdf.multi_cell(85, 6, right)
    doc = _read(tmp_path, "columns.pdf", bytes(pdf.output()))
    paragraphs = [" ".join(p.split()) for p in doc.text.split("\n\n")]
    assert paragraphs == [left, right]
    records = extract_citations(doc)
    assert [(c.source, c.context) for c in records] == [
        ("MOFA", "Beijing and Moscow upgraded their partnership in May, as the ministry said "
                 "(MOFA, May 14)."),
        ("TASS", "Russian officials described the talks as frank and useful for both sides "
                 "(TASS, April 3).")]
