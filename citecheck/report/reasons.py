"""Reason codes in plain words, for readers of a report.

Verdicts carry stable kebab-case codes (``http-404``, ``quote-not-found``);
reports show each with a sentence a reviewer understands. A code without a
sentence here is shown as it is, never dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

REASON_TEXT: dict[str, str] = {
    # live check
    "http-404": "The page is gone: the server answered 404 Not Found.",
    "http-410": "The page was removed on purpose: the server answered 410 Gone.",
    "http-401": "The server asks for a login (401 Unauthorized).",
    "http-403": "The server refused to serve the page to us (403 Forbidden).",
    "http-429": "The server asked us to slow down (429 Too Many Requests).",
    "http-5xx": "The server failed with an error of its own (5xx).",
    "soft-404": "The page answers 200 OK but is an error or generic page, not the cited content.",
    "redirect-home": "The link now redirects to the site's home page.",
    "redirect-generic": "The link now redirects to a generic page, not the cited content.",
    "redirected": "The link redirects within the same site.",
    "moved": "The link redirects to another site.",
    "moved-off-site": "The link redirects to another site.",
    "bot-wall": "The site showed a bot check instead of the page.",
    "blocked": "The site blocked the check.",
    "rate-limited": "The site rate-limited us; the check could not finish.",
    "timeout": "The server did not answer in time.",
    "tls-error": "The secure connection failed (TLS certificate or handshake error).",
    "dns-error": "The site's host name does not resolve.",
    "connection-reset": "The server dropped the connection.",
    "bad-response": "The server's answer was not valid HTTP (e.g. too many or too long headers).",
    "connection-refused": "The server refused the connection.",
    "connection-error": "The server could not be reached.",
    "redirect-loop": "The link redirects in a loop.",
    "too-many-redirects": "The link redirects too many times.",
    "unsupported-scheme": "The link is not an http(s) URL, so it was not checked.",
    "private-address": "The link points to a private or local address, so it was not checked.",
    "skipped": "The link was not checked.",
    "offline": "Every host failed: we seem to be offline, so nothing is concluded.",
    "too-large": "The page was larger than the size limit; only its start was checked.",
    "empty-body": "The server answered with an empty page.",
    "decoding-error": "The page's bytes could not be decoded as text.",
    "unparsable-html": "The page's HTML could not be read.",
    "no-text": "The page has no readable text.",
    "invalid-url": "The URL is not valid.",
    "request-error": "The request failed before the server answered.",
    "redirect-to-home": "The link now redirects to the site's home page.",
    "redirect-to-error-page": "The link now redirects to an error page.",
    "not-found-wording": "The page says it was not found.",
    "same-as-missing-page": "The page looks like the site's page for a missing URL.",
    "no-response": "The server sent no response.",
    "body-truncated": "The page was larger than the size limit; only its start was checked.",
    "not-checked": "The link was not checked live.",
    "dead": "The page is gone.",
    # archive
    "snapshot-used": "An archived copy near the cited date supports the citation.",
    "snapshot-found": "An archived copy exists near the cited date.",
    "no-snapshot": "No archived copy was found near the cited date.",
    "archive-error": "The web archive could not be asked (down, slow or rate-limited).",
    "archive-skipped": "Archive lookups were turned off for this run.",
    "archive-unavailable": "The web archive is unavailable; no snapshot could be looked up.",
    # resolve
    "no-url": "No URL is known for this citation and none was found.",
    "unknown-source": "The source is not in the registry (citations.yaml).",
    "pinned": "The URL comes from a pin in the registry.",
    "hyperlink": "The URL comes from a hyperlink in the document.",
    "discovered": "The URL was discovered in the archive's index of the source's sites.",
    "ambiguous": "Several pages could be the cited one; none clearly matches.",
    # verify
    "date-mismatch": "The page's date does not match the cited date.",
    "date-unknown": "The page has no date we could read.",
    "year-inferred": "The citation has no year; it was inferred from the publication date.",
    "year-corrected": "The inferred year was wrong; the page's date corrects it.",
    "quote-not-found": "A quotation from the citing sentence is not on the page.",
    "misquote": "A quotation matches the page but changes a number, a negation or a name.",
    "quote-in-boilerplate": "A quotation is only in the page's comments, related stories, "
    "navigation, footer or banners, not in the article itself.",
    "quote-found": "The quotations from the citing sentence are on the page.",
    "domain-mismatch": "The page is not on a site of the cited source.",
    "title-mismatch": "The page's title does not match the expected title.",
    "content-drift": "The page has changed since the cited date.",
    "content-match": "The page's content matches the citation.",
    "empty-content": "The page has no readable text.",
    "quote-unverifiable-language": "The page is in another language than the quotation, "
    "so the quotation could not be checked.",
    "date-uncertain": "The page's date could only be guessed from its text.",
    "content-unreadable": "The page's text could not be read, so quotations were not checked.",
    # citation
    "malformed": "The citation itself cannot be parsed.",
    "unterminated": "The citation's parenthesis is never closed.",
    "no-date": "The citation has no date.",
    "bad-date": "The citation's date cannot be read.",
    # history
    "unconfirmed-failure": "The source failed, but not yet in enough runs to call it dead.",
}

_HTTP = re.compile(r"^http-(\d{3})$")


@lru_cache(maxsize=1)
def _verify_reasons() -> dict[str, str]:
    """The verify stage's own glossary (imported late: it pulls in content extraction)."""
    try:
        from citecheck.verify import REASONS
    except ImportError:  # pragma: no cover - verify is part of the package
        return {}
    return dict(REASONS)


def explain_reason(code: str) -> str:
    """A plain sentence for ``code``; unknown codes come back unchanged."""
    text = REASON_TEXT.get(code)
    if text is not None:
        return text
    fragment = _verify_reasons().get(code)
    if fragment:
        return fragment[0].upper() + fragment[1:] + "."
    match = _HTTP.match(code)
    if match:
        status = int(match.group(1))
        if status >= 500:
            return f"The server failed with an error of its own ({status})."
        return f"The server answered HTTP {status}."
    return code


CHANGE_TEXT: dict[str, str] = {
    "newly-dead": "Newly dead",
    "recovered": "Recovered",
    "newly-drifted": "Newly drifted",
    "newly-rescued": "Newly rescued",
    "newly-mismatched": "Newly mismatched",
    "newly-verified": "Newly verified",
    "new": "New citation",
    "removed": "No longer cited",
}


def explain_change(kind: str) -> str:
    """A short label for a history change kind; unknown kinds come back unchanged."""
    return CHANGE_TEXT.get(kind, kind)
