"""``citecheck extract --check``: malformed citations in briefs, for pre-commit hooks.

Reads local files only (a URL is an input error: a hook must not need the
network) and yields one ``FILE:LINE:COL: ...`` line per malformed citation,
the shape editors and pre-commit jump to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from citecheck.errors import InputError
from citecheck.extract import open_citations

if TYPE_CHECKING:
    from citecheck.registry import Registry


def check_documents(
    documents: Iterable[str], *, published: str | None = None,
    registry: Registry | None = None,
) -> Iterator[str]:
    """One line per malformed citation in ``documents`` (paths), in order."""
    for document in documents:
        if document.startswith(("http://", "https://")):
            raise InputError(f"{document}: --check reads local files only (no network)")
        extraction = open_citations(document, published=published, registry=registry)
        for c in extraction.citations:
            if c.malformed:
                problem = " ".join((c.problem or "cannot be parsed").split())
                yield f"{document}:{c.line}:{c.column}: malformed citation ({c.raw}): {problem}"
