"""Documents -> citation records, with no network beyond fetching a URL'd brief.

- :func:`read_document` reads a path, ``-`` (stdin) or an http(s) URL into a
  :class:`~citecheck.models.Document` and finds its publication date.
- :func:`extract_citations` lists the citations of a document.
- :func:`open_citations` does both lazily, streaming plain-text files of any
  size paragraph by paragraph.
- :func:`iter_citations` is the streaming core over any iterable of lines.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from citecheck.errors import InputError
from citecheck.extract.dates import parse_iso_date
from citecheck.extract.readers import (
    DATELINE_LINES,
    RawInput,
    Rendered,
    absolute_links,
    absolute_notes,
    absolute_versions,
    decode,
    find_dateline,
    html_charset,
    load,
    open_lines,
    render_html,
    render_markdown,
)
from citecheck.extract.scan import iter_citations
from citecheck.models import Citation, Document

if TYPE_CHECKING:
    from citecheck.http import HttpClient
    from citecheck.registry import Registry

__all__ = [
    "Extraction",
    "extract_citations",
    "iter_citations",
    "open_citations",
    "read_document",
]


def read_document(
    source: str,
    *,
    published: str | None = None,
    registry: Registry | None = None,
    client: HttpClient | None = None,
) -> Document:
    """Read ``source`` (path, ``-`` or http(s) URL) and find its publication date.

    The date is ``published`` if given, else a leading dateline, Markdown front
    matter, HTML metadata (``article:published_time``, JSON-LD
    ``datePublished``, ``<time>``), a .docx's or .pdf's own properties, or the
    registry's entry for the document.
    """
    raw = load(source, client)
    if raw.kind in ("docx", "pdf"):
        from citecheck.extract.office import render_docx, render_pdf

        rendered = (render_docx if raw.kind == "docx" else render_pdf)(raw.data, raw.name)
    else:
        rendered = _render_text(raw)
    name = source if source != "-" else "-"
    page_url = raw.name if raw.name.startswith(("http://", "https://")) else None
    links = absolute_links(rendered.links, page_url, rendered.base)
    versions = absolute_versions(rendered.versions, page_url, rendered.base)
    head = rendered.text.split("\n", 200)[:200]
    date, origin = _publication_date(name, published, head, rendered, registry)
    return Document(
        name=name,
        text=rendered.text,
        published=date.isoformat() if date else None,
        published_from=origin,
        title=rendered.title,
        links=links,
        versions=versions,
        notes=absolute_notes(rendered.notes, page_url, rendered.base),
    )


def _render_text(raw: RawInput) -> Rendered:
    declared = raw.charset or (html_charset(raw.data) if raw.kind == "html" else None)
    text = decode(raw.data, raw.name, declared)
    if raw.kind == "html":
        return render_html(text, raw.name)
    if raw.kind == "markdown":
        return render_markdown(text, raw.name)
    return Rendered(text)


def extract_citations(doc: Document, registry: Registry | None = None) -> list[Citation]:
    """Every citation in ``doc``, in order of appearance."""
    return list(
        iter_citations(
            doc.text.split("\n"),
            document=doc.name,
            published=doc.published,
            registry=registry,
            links=doc.links,
            versions={url: (version, date) for url, version, date in doc.versions},
            notes=doc.notes,
        )
    )


@dataclass(frozen=True)
class Extraction:
    """A document being extracted lazily: what is known up front, then the records."""

    document: str
    published: str | None
    published_from: str | None
    citations: Iterator[Citation]


def open_citations(
    source: str,
    *,
    published: str | None = None,
    registry: Registry | None = None,
    client: HttpClient | None = None,
) -> Extraction:
    """Like :func:`read_document` + :func:`extract_citations`, streaming plain text.

    A plain-text file is read line by line (memory stays flat whatever its
    size); HTML, Markdown, stdin and URLs are read whole first.
    """
    if source != "-" and not source.startswith(("http://", "https://")) and (
        Path(source).suffix.lower() in ("", ".txt", ".text")
    ):
        _, lines = open_lines(source)
        head = list(itertools.islice(lines, 200))
        if head and head[0].lstrip().lower().startswith(("<!doctype html", "<html")):
            doc = read_document(source, published=published, registry=registry, client=client)
            return _from_document(doc, registry)
        date, origin = _publication_date(source, published, head, Rendered(""), registry)
        citations = iter_citations(
            itertools.chain(head, lines), document=source, published=date, registry=registry
        )
        return Extraction(source, date.isoformat() if date else None, origin, citations)
    doc = read_document(source, published=published, registry=registry, client=client)
    return _from_document(doc, registry)


def _from_document(doc: Document, registry: Registry | None) -> Extraction:
    return Extraction(doc.name, doc.published, doc.published_from,
                      iter(extract_citations(doc, registry)))


def _publication_date(
    name: str,
    option: str | None,
    head: list[str],
    rendered: Rendered,
    registry: Registry | None,
) -> tuple[dt.date | None, str | None]:
    if option:
        date = parse_iso_date(option)
        if date is None:
            raise InputError(f"--published {option!r}: not a date (use YYYY-MM-DD)")
        return date, "option"
    date = find_dateline(head[: DATELINE_LINES * 4])
    if date is not None:
        return date, "dateline"
    if rendered.published is not None:
        return rendered.published, rendered.published_from
    if registry is not None:
        found = registry.published_for(name)
        if found:
            return parse_iso_date(found), "registry"
    return None, None
