"""Verification: does the page at hand support the citation?

Everything here works on bodies already fetched (the live body in
:class:`LiveResult`, the snapshot body in :class:`ArchiveLookup`): it makes no
request. Three layers:

1. :func:`check_copy` runs the content checks on one copy of a page (live or
   archived): publisher (domain), date, quotes, optional pinned title.
2. :func:`decide` is the ONE pure function that turns the live status, the
   archive state, the content checks and drift into a verdict, reason codes
   and a human sentence. ``tests/test_verify.py`` tables every combination.
3. :func:`verify_citation` glues them: extract content, check, decide,
   build the :class:`Verdict`.

Reason codes are stable kebab-case strings; :data:`REASONS` lists the ones
this module produces with their sentence. Live codes (``http-404``,
``timeout``, ...) come from the live checker and pass through.
"""

from __future__ import annotations

import calendar
import dataclasses
import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta
from enum import Enum

from citecheck.content import PageContent, extract_content, guess_language, script_of
from citecheck.errors import InputError
from citecheck.models import (
    ArchiveLookup,
    Candidate,
    Citation,
    LiveResult,
    LiveStatus,
    LookupStatus,
    Pin,
    QuoteChange,
    SourceEntry,
    Support,
    Verdict,
    VerdictKind,
)
from citecheck.textmatch import QuoteMatch, find_quote, locate, normalize, similarity
from citecheck.urls import host_in_domains, host_of

#: reason code -> what it means, in words a reviewer reads
REASONS: dict[str, str] = {
    "malformed": "the citation cannot be parsed",
    "no-url": "no URL is known for this citation (no hyperlink, no pin, nothing discovered)",
    "discovered": "the URL was discovered in the archive's index, not given",
    "http-404": "the page returns 404 Not Found",
    "http-410": "the page returns 410 Gone",
    "soft-404": "the page is an error or generic page served with success",
    "dead": "the page is gone",
    "http-401": "the site asks for a login (401)",
    "http-403": "the site refuses access (403)",
    "rate-limited": "the site rate-limits us (429)",
    "blocked": "the site blocks automated access",
    "timeout": "the site did not answer in time",
    "dns-error": "the host name does not resolve",
    "tls-error": "the TLS handshake failed",
    "connection-reset": "the connection was reset",
    "bad-response": "the server's answer is not valid HTTP",
    "connection-refused": "the connection was refused",
    "connection-error": "the connection failed",
    "redirect-loop": "the redirects loop",
    "too-many-redirects": "there are too many redirects",
    "skipped": "the URL was not checked (excluded or not allowed)",
    "redirect-to-home": "the URL redirects to the site's home page",
    "redirect-to-error-page": "the URL redirects to an error page",
    "not-found-wording": "the page says it was not found",
    "same-as-missing-page": "the page looks like the site's page for a missing URL",
    "bot-wall": "a bot wall stands in front of the page",
    "http-429": "the site answers 429 Too Many Requests",
    "no-response": "the site sent no response",
    "decoding-error": "the page's body could not be decoded",
    "body-truncated": "the page is larger than the size cap and was cut",
    "offline": "this machine appears to be offline",
    "not-checked": "the URL was not checked live",
    "domain-mismatch": "the page is not on the cited publisher's site",
    "date-mismatch": "the page's date does not agree with the cited date",
    "quote-not-found": "a quotation is not in the page",
    "quote-unverifiable-language": "the page is in another language than the quotation, "
    "so the quotation could not be checked",
    "title-mismatch": "the page title differs from the pinned title",
    "content-drift": "the live page's content has changed since the cited date",
    "year-inferred": "the citation gives no year; the page's date shows another year "
    "than the one inferred",
    "date-uncertain": "the page's date could only be guessed from its text",
    "content-unreadable": "the page's text could not be read, so quotations were not checked",
    "no-snapshot": "the archive has no snapshot near the cited date",
    "archive-error": "the archive could not be asked",
    # claim support (support.py)
    "claim-not-supported": "the page's main text does not support the citing claim",
    "claim-weakly-supported": "the page's main text supports the citing claim only weakly "
    "(a warning)",
    # quotations: misquotes and boilerplate (issue 10)
    "misquote": "a quotation matches the page but changes a number, a negation or a name",
    "quote-in-boilerplate": "a quotation is found only in the page's comments, related "
    "stories, navigation, footer or banners, not in its main text",
}

LANGUAGE_NAMES = {"ru": "Russian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
                  "ar": "Arabic", "he": "Hebrew", "el": "Greek", "fr": "French", "de": "German",
                  "es": "Spanish", "en": "English"}

#: failures that mean the text itself no longer supports the citation
CONTENT_FAILURES = frozenset({"date-mismatch", "quote-not-found", "title-mismatch",
                              "claim-not-supported", "misquote", "quote-in-boilerplate"})


#: network and access failures, naming who failed: ``{who}`` is the host, or "it"
#: when the sentence already says it was the archive
FAILED: dict[str, str] = {
    "dns-error": "{who} does not resolve (DNS)",
    "timeout": "{who} did not answer in time",
    "tls-error": "the TLS handshake with {who} failed",
    "connection-reset": "{who} reset the connection",
    "connection-refused": "{who} refused the connection",
    "connection-error": "the connection to {who} failed",
    "bad-response": "{who} sent an answer that is not valid HTTP",
    "no-response": "{who} sent no response",
    "rate-limited": "{who} rate-limits us (429)",
    "http-429": "{who} answers 429 Too Many Requests",
    "blocked": "{who} blocks automated access",
    "bot-wall": "a bot wall of {who} stands in front of the page",
    "http-401": "{who} asks for a login (401)",
    "http-403": "{who} refuses access (403)",
    "private-address": "{who} is a private address, refused without --allow-private",
}

#: a host our own error messages name ("cannot resolve HOST", "HTTP 503 from HOST")
_NAMED_HOST = re.compile(r"\b(?:resolve|from|of)\s+(\[?[A-Za-z0-9.:-]+\.[A-Za-z0-9-]+\]?(?::\d+)?)")
#: the operating system's own words: "[Errno -2] Name or service not known"
_ERRNO = re.compile(r"\s*\[Errno -?\d+\][^;,()]*")


def failure_phrase(code: str, who: str) -> str | None:
    """What failure ``code`` means, naming ``who`` failed; None if it is no failure."""
    if code in FAILED:
        return FAILED[code].format(who=who)
    if code.startswith("http-") and code[5:].isdigit():
        return f"{who} answers HTTP {code[5:]}"
    return None


def archive_failure(error: str, host: str | None = None) -> str:
    """``the archive (HOST) could not be asked: WHY`` from an archive error
    (``code: text``), without the raw code or the operating system's errno text."""
    code, _, text = error.partition(":")
    code, text = code.strip(), _ERRNO.sub("", text).strip()
    named = _NAMED_HOST.search(text)
    host = host or (named.group(1) if named else None)
    http = re.match(r"HTTP (\d+)(?: from \S+)?(.*)$", text)
    if http:
        why = f"it answers HTTP {http.group(1)}{http.group(2)}"
    else:
        why = failure_phrase(code, "it") or (
            text.replace(f" of {host}", "").replace(f" from {host}", "") if host else text
        ) or code
    who = f"the archive ({host})" if host else "the archive"
    return f"{who} could not be asked: {why}"


def describe(code: str) -> str:
    if code in REASONS:
        return REASONS[code]
    if code.startswith("http-") and code[5:].isdigit():
        return f"the site answers HTTP {code[5:]}"
    return code.replace("-", " ")


@dataclass(frozen=True)
class Thresholds:
    """Tunable limits of the content checks (defaults measured on tests/bench)."""

    quote_min_score: float = 92.0  #: rapidfuzz partial_ratio, 0-100, per quote fragment
    date_tolerance_days: int = 1  #: time zones
    drift_min_similarity: float = 0.35  #: mean of word Jaccard and shingle Dice below -> drift
    title_min_score: float = 80.0  #: token_set_ratio of pinned title vs page title
    quote_language: str = "en"  #: the language quotations are assumed to be in
    #: claim support (support.py), 0-1: below min -> claim-not-supported, below weak ->
    #: claim-weakly-supported; both set by bench/bench_support.py on WiCE dev
    support_min_score: float = 0.46
    support_weak_score: float = 0.6

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Thresholds:
        """Defaults overridden by ``CITECHECK_QUOTE_MIN_SCORE``,
        ``CITECHECK_DATE_TOLERANCE_DAYS``, ``CITECHECK_DRIFT_MIN_SIMILARITY``,
        ``CITECHECK_TITLE_MIN_SCORE``, ``CITECHECK_QUOTE_LANGUAGE``,
        ``CITECHECK_SUPPORT_MIN_SCORE`` and ``CITECHECK_SUPPORT_WEAK_SCORE``."""
        env = os.environ if environ is None else environ
        return _thresholds_from(tuple(sorted(
            (k, v) for k, v in env.items() if k.startswith("CITECHECK_")
        )))


#: environment variable -> (field, type, lowest, highest)
_ENV_THRESHOLDS = {
    "CITECHECK_QUOTE_MIN_SCORE": ("quote_min_score", float, 0.0, 100.0),
    "CITECHECK_DATE_TOLERANCE_DAYS": ("date_tolerance_days", int, 0, 366),
    "CITECHECK_DRIFT_MIN_SIMILARITY": ("drift_min_similarity", float, 0.0, 1.0),
    "CITECHECK_TITLE_MIN_SCORE": ("title_min_score", float, 0.0, 100.0),
    "CITECHECK_SUPPORT_MIN_SCORE": ("support_min_score", float, 0.0, 1.0),
    "CITECHECK_SUPPORT_WEAK_SCORE": ("support_weak_score", float, 0.0, 1.0),
}


@functools.lru_cache(maxsize=8)
def _thresholds_from(env: tuple[tuple[str, str], ...]) -> Thresholds:
    values: dict[str, object] = {}
    for name, raw in env:
        if name == "CITECHECK_QUOTE_LANGUAGE":
            values["quote_language"] = raw.strip().lower()
            continue
        if name not in _ENV_THRESHOLDS:
            continue
        attr, kind, low, high = _ENV_THRESHOLDS[name]
        try:
            value = kind(raw)
        except ValueError:
            raise InputError(f"{name}: {raw!r} is not a number") from None
        if not low <= value <= high:
            raise InputError(f"{name}: {raw!r} is outside {low:g}..{high:g}")
        values[attr] = value
    return dataclasses.replace(Thresholds(), **values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- checks


class CheckStatus(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"  #: could not check (no date on the page, no text)
    SKIPPED = "skipped"  #: nothing to check (no quotes, no domains, no date)


@dataclass(frozen=True)
class CopyCheck:
    """The content checks on one copy (live or archived) of a page."""

    failures: tuple[str, ...] = ()  #: codes that contradict the citation
    notes: tuple[str, ...] = ()  #: codes worth showing that contradict nothing
    details: tuple[tuple[str, str], ...] = ()  #: code -> specific sentence
    readable: bool = True
    domain: CheckStatus = CheckStatus.SKIPPED
    date: CheckStatus = CheckStatus.SKIPPED
    quotes: CheckStatus = CheckStatus.SKIPPED
    page_date: str | None = None
    corrected_date: str | None = None
    quotes_found: tuple[str, ...] = ()
    quotes_missing: tuple[str, ...] = ()
    text: str = field(default="", repr=False)  #: the copy's main text, normalised
    support: Support | None = None  #: claim support of this copy; None: not scored
    misquotes: tuple[QuoteChange, ...] = ()  #: quotations that change the page's words
    quotes_in_boilerplate: tuple[str, ...] = ()  #: found only outside the main text

    @property
    def supports(self) -> bool:
        return not self.failures

    @property
    def quotes_confirmed(self) -> bool:
        """There were quotations and every one was found."""
        return self.quotes is CheckStatus.PASS


def period(iso: str) -> tuple[Date, Date] | None:
    """The days an ISO date at its precision covers: 2018 -> the year, ..."""
    try:
        parts = [int(p) for p in iso[:10].split("-")]
        if len(parts) == 1:
            return Date(parts[0], 1, 1), Date(parts[0], 12, 31)
        if len(parts) == 2:
            last = calendar.monthrange(parts[0], parts[1])[1]
            return Date(parts[0], parts[1], 1), Date(parts[0], parts[1], last)
        day = Date(parts[0], parts[1], parts[2])
        return day, day
    except (ValueError, IndexError):
        return None


def dates_agree(
    cited: str, page: str, tolerance_days: int = 1, cited_end: str | None = None
) -> bool:
    """Do the cited date (or range ``cited``–``cited_end``) and the page's date
    overlap, at the cited precision, give or take ``tolerance_days``?"""
    a, b = period(cited), period(page)
    if a is None or b is None:
        return False
    end = period(cited_end) if cited_end else None
    if end is not None and end[1] > a[1]:
        a = (a[0], end[1])
    slack = timedelta(days=tolerance_days)
    return b[0] <= a[1] + slack and a[0] - slack <= b[1]


def _with_year(iso: str, year: int) -> str:
    return f"{year:04d}{iso[4:]}"


def check_date(
    cited: str | None,
    page_dates: Sequence[str],
    *,
    year_inferred: bool = False,
    confident: bool = True,
    tolerance_days: int = 1,
    cited_end: str | None = None,
) -> tuple[CheckStatus, str | None, str | None]:
    """(status, corrected date, note code) of the date check.

    A cited range (``cited`` to ``cited_end``, as in ``May 30–June 2``) agrees
    with a page dated anywhere in it. A mismatch whose cited year was
    inferred, and which disappears when the page's (earlier) year is used, is
    not a failure: the note is ``year-inferred`` and the corrected (start)
    date is returned. A mismatch against a date guessed from free text is
    ``date-uncertain``, not a failure.
    """
    if not cited or period(cited) is None:
        return CheckStatus.SKIPPED, None, None
    usable = [d for d in page_dates if d and period(d) is not None]
    if not usable:
        return CheckStatus.UNKNOWN, None, None
    if cited_end is not None and period(cited_end) is None:
        cited_end = None
    if any(dates_agree(cited, d, tolerance_days, cited_end) for d in usable):
        return CheckStatus.PASS, None, None
    if year_inferred:
        cited_year = int(cited[:4])
        span = int(cited_end[:4]) - cited_year if cited_end else 0  # a range over New Year
        for page in usable:
            for year in sorted({int(page[:4]), int(page[:4]) - span}, reverse=True):
                if year >= cited_year:
                    continue
                corrected = _with_year(cited, year)
                corrected_end = _with_year(cited_end, year + span) if cited_end else None
                if period(corrected) and dates_agree(corrected, page, tolerance_days,
                                                     corrected_end):
                    return CheckStatus.PASS, corrected, "year-inferred"
    if not confident:
        return CheckStatus.UNKNOWN, None, "date-uncertain"
    return CheckStatus.FAIL, None, None


def languages_differ(quote: str, content: PageContent, source: SourceEntry | None,
                     assumed: str = "en") -> str | None:
    """The page's language when it is not the quotation's, else None."""
    page_script = script_of(content.text or content.full_text)
    quote_script = script_of(quote)
    page_lang = content.language or (source.language if source else None)
    if page_script and quote_script and page_script != quote_script:
        return page_lang or page_script
    quote_lang = guess_language(quote) or (assumed if quote_script == "latin" else None)
    if page_lang and quote_lang and page_lang != quote_lang:
        return page_lang
    return None


def check_copy(
    citation: Citation,
    content: PageContent,
    final_url: str,
    *,
    source: SourceEntry | None = None,
    quotes: Sequence[str] = (),
    pin_title: str | None = None,
    thresholds: Thresholds | None = None,
    claim: str | None = None,
) -> CopyCheck:
    """Publisher, date, quote and title checks on one copy of a page; with a
    ``claim`` (see :func:`citecheck.support.claim_text`), its support too."""
    t = thresholds or Thresholds()
    failures: list[str] = []
    notes: list[str] = []
    details: dict[str, str] = {}

    domain = CheckStatus.SKIPPED
    if source is not None and source.domains:
        host = host_of(final_url)
        if host_in_domains(host, source.domains):
            domain = CheckStatus.PASS
        else:
            domain = CheckStatus.FAIL
            failures.append("domain-mismatch")
            details["domain-mismatch"] = (
                f"the page is on {host}, not on {', '.join(source.domains)}"
            )

    date_status, corrected, note = check_date(
        citation.date, content.dates, year_inferred=citation.year_inferred,
        confident=content.date_confidence != "low", tolerance_days=t.date_tolerance_days,
        cited_end=citation.date_end,
    )
    if date_status is CheckStatus.FAIL:
        failures.append("date-mismatch")
        details["date-mismatch"] = (
            f"the page is dated {content.date}, the citation says "
            f"{citation.date}{' to ' + citation.date_end if citation.date_end else ''}"
        )
    if note:
        notes.append(note)
    if note == "year-inferred":
        details["year-inferred"] = (
            f"the year of {citation.date_as_written or citation.date!r} was inferred as "
            f"{citation.date}; the page is dated {content.date}, so it means {corrected}"
        )
    elif note == "date-uncertain":
        details["date-uncertain"] = (
            f"the page gives no publication date; a date in its text is {content.date}"
        )

    main = normalize(content.text or content.full_text)
    quote_status = CheckStatus.SKIPPED
    found: list[str] = []
    missing: list[str] = []
    changed: list[QuoteChange] = []
    outside: list[str] = []
    if quotes:
        if not content.readable:
            quote_status = CheckStatus.UNKNOWN
            notes.append("content-unreadable")
        else:
            foreign: str | None = None
            for quote in quotes:
                match, where = _locate_quote(quote, content, main, t.quote_min_score)
                if match.found and where != "boilerplate":
                    found.append(quote)
                elif match.misquotes and where != "boilerplate":
                    changed.append(_quote_change(quote, match, content))
                elif where == "boilerplate":
                    outside.append(quote)
                elif lang := languages_differ(quote, content, source, t.quote_language):
                    foreign = lang
                else:
                    missing.append(quote)
            if missing or changed or outside:
                quote_status = CheckStatus.FAIL
            if missing:
                failures.append("quote-not-found")
                details["quote-not-found"] = "not found: " + "; ".join(
                    f"\u201c{q}\u201d" for q in missing
                )
            if changed:
                failures.append("misquote")
                details["misquote"] = "; ".join(
                    f"quoted \u201c{c.quote}\u201d, the page says \u201c{c.page}\u201d"
                    for c in changed
                )
            if outside:
                failures.append("quote-in-boilerplate")
                details["quote-in-boilerplate"] = "only in comments, related stories or other " \
                    "boilerplate: " + "; ".join(f"\u201c{q}\u201d" for q in outside)
            if quote_status is CheckStatus.FAIL:
                pass
            elif foreign:
                quote_status = CheckStatus.UNKNOWN
                notes.append("quote-unverifiable-language")
                details["quote-unverifiable-language"] = (
                    f"the page is in {LANGUAGE_NAMES.get(foreign, foreign)}, the quotation is not"
                )
            else:
                quote_status = CheckStatus.PASS

    if pin_title and content.title:
        from rapidfuzz import fuzz  # not at import: see textmatch.find_quote

        score = fuzz.token_set_ratio(normalize(pin_title), normalize(content.title))
        if score < t.title_min_score:
            failures.append("title-mismatch")
            details["title-mismatch"] = (
                f"the page is titled \u201c{content.title}\u201d, "
                f"the pin expects \u201c{pin_title}\u201d"
            )

    supported = None
    if claim is not None:
        supported = check_support(claim, content, source, t)
        if supported.label == "not-supported":
            failures.append("claim-not-supported")
            details["claim-not-supported"] = supported.explanation
        elif supported.label == "weak":
            notes.append("claim-weakly-supported")
            details["claim-weakly-supported"] = supported.explanation

    return CopyCheck(
        failures=tuple(failures), notes=tuple(notes), details=tuple(details.items()),
        readable=content.readable, domain=domain, date=date_status, quotes=quote_status,
        page_date=content.date, corrected_date=corrected, quotes_found=tuple(found),
        quotes_missing=tuple(missing), text=main, misquotes=tuple(changed),
        quotes_in_boilerplate=tuple(outside), support=supported,
    )


def check_support(claim: str, content: PageContent, source: SourceEntry | None,
                  t: Thresholds) -> Support:
    """The claim's support on one copy: ``unknown`` when the page cannot be read
    or is in another language than the claim."""
    from citecheck import support

    if not content.readable or not (content.text or content.full_text):
        return Support(explanation="the page's text could not be read")
    lang = languages_differ(claim, content, source, t.quote_language)
    if lang:
        return Support(explanation=f"the page is in {LANGUAGE_NAMES.get(lang, lang)}, "
                       "the claim is not, so its support could not be scored")
    return support.score_support(claim, content.text or content.full_text,
                                 min_score=t.support_min_score, weak_score=t.support_weak_score)


def _locate_quote(quote: str, content: PageContent, main: str,
                  min_score: float) -> tuple[QuoteMatch, str]:
    """Where ``quote`` is: ``main`` (the main text), ``page`` (elsewhere in the
    visible text: a caption, a sidebar box), ``boilerplate`` (only in comments,
    related-story rails, navigation, footers or banners) or ``none``; with the
    match (which carries misquotes)."""
    raw_main = content.text or content.full_text
    match = find_quote(quote, main, min_score, raw_text=raw_main)
    if match.found or match.misquotes:
        return match, "main"
    if not content.full_text or content.full_text == content.text:
        return match, "none"
    elsewhere = find_quote(quote, normalize(content.full_text), min_score,
                           raw_text=content.full_text)
    if not (elsewhere.found or elsewhere.misquotes):
        return match, "none"
    if content.boilerplate:
        in_boiler = find_quote(quote, normalize(content.boilerplate), min_score,
                               raw_text=content.boilerplate)
        if in_boiler.found or in_boiler.misquotes:
            return in_boiler, "boilerplate"
    return elsewhere, "page"


def _quote_change(quote: str, match: QuoteMatch, content: PageContent) -> QuoteChange:
    """The misquote record: the page's passage as written, the changed words."""
    first = match.misquotes[0]
    raw = "\n".join((content.text, content.full_text))
    page = " \u2026 ".join(
        locate(m.page, raw) or m.page for m in match.misquotes
    ) if len(match.misquotes) > 1 else (locate(first.page, raw) or first.page)
    return QuoteChange(quote, page, tuple(
        (d.kind, d.quoted, d.page) for m in match.misquotes for d in m.differences))


# ---------------------------------------------------------------- decide


class Resolution(str, Enum):
    HYPERLINK = "hyperlink"
    PIN = "pin"
    DISCOVERED = "discovered"
    UNRESOLVED = "unresolved"


class ArchiveState(str, Enum):
    FOUND = "found"  #: a snapshot was read: see the snapshot check
    NONE = "none"  #: the archive answered: no snapshot
    ERROR = "error"  #: could not ask, or could not read the snapshot
    SKIPPED = "skipped"  #: not asked (--no-archive)


@dataclass(frozen=True)
class Decision:
    verdict: VerdictKind
    reasons: tuple[str, ...]
    explanation: str
    basis: str | None = None  #: which copy the content verdict rests on: live | snapshot


_LEAD = {
    VerdictKind.VERIFIED: "The live page supports the citation",
    VerdictKind.RESCUED: "The live page no longer supports the citation, but an archived "
    "snapshot near the cited date does",
    VerdictKind.MISMATCH: "The page does not support the citation",
    VerdictKind.DEAD: "The page is dead and no archived snapshot supports the citation",
    VerdictKind.UNRESOLVED: "No URL could be found for this citation",
    VerdictKind.INCONCLUSIVE: "Could not decide",
    VerdictKind.MALFORMED: "The citation is malformed",
}


#: the lead of a dead verdict when the archive could not be asked or read
_DEAD_ARCHIVE_UNKNOWN = ("The page is dead, and the archive could not be checked, so an "
                         "archived copy may still exist")


def _unique(codes: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in codes if c))


def live_codes(status: LiveStatus | None, reasons: Sequence[str] = (),
               status_code: int | None = None, error: str | None = None) -> tuple[str, ...]:
    """The reason codes a live result contributes (its own, else derived)."""
    if reasons:
        return tuple(reasons)
    if status is None:
        return ("not-checked",)
    if status is LiveStatus.DEAD:
        return (f"http-{status_code}",) if status_code in (404, 410) else ("dead",)
    if status is LiveStatus.BLOCKED:
        if status_code == 429:
            return ("rate-limited",)
        return (f"http-{status_code}",) if status_code else ("blocked",)
    if status is LiveStatus.ERROR:
        return (error,) if error else ((f"http-{status_code}",) if status_code else ("error",))
    if status is LiveStatus.SKIPPED:
        return ("skipped",)
    return ()


def decide(
    *,
    malformed: bool = False,
    resolution: Resolution = Resolution.HYPERLINK,
    live: LiveStatus | None = None,
    live_reasons: Sequence[str] = (),
    live_check: CopyCheck | None = None,
    archive: ArchiveState = ArchiveState.SKIPPED,
    snapshot_check: CopyCheck | None = None,
    drifted: bool = False,
    details: Mapping[str, str] | None = None,
) -> Decision:
    """The verdict for one citation from what was observed. Pure.

    ``live_reasons`` are the live result's codes (``http-404``, ``timeout``);
    ``drifted`` says the live text is lexically far from the snapshot's.
    """
    if malformed:
        return _decision(VerdictKind.MALFORMED, ("malformed",), details)
    if resolution is Resolution.UNRESOLVED:
        return _decision(VerdictKind.UNRESOLVED, ("no-url",), details)
    pre = ("discovered",) if resolution is Resolution.DISCOVERED else ()
    if archive is ArchiveState.FOUND and snapshot_check is None:
        archive = ArchiveState.ERROR  # found but unread: we could not use it
    snap = snapshot_check if archive is ArchiveState.FOUND else None
    snap_supports = snap is not None and snap.supports
    snap_contradicts = snap is not None and not snap.supports
    snap_notes = snap.notes if snap is not None else ()
    archive_codes = {ArchiveState.NONE: ("no-snapshot",),
                     ArchiveState.ERROR: ("archive-error",)}.get(archive, ())

    if live is not None and live.is_ok:
        check = live_check or CopyCheck(readable=False)
        if check.supports:
            if drifted and snap_supports and not check.quotes_confirmed:
                return _decision(VerdictKind.RESCUED, pre + ("content-drift",) + snap_notes,
                                 details, "snapshot")
            return _decision(VerdictKind.VERIFIED,
                             pre + check.notes + (("content-drift",) if drifted else ()),
                             details, "live")
        if snap_supports:
            drift = ("content-drift",) if drifted or CONTENT_FAILURES & set(check.failures) else ()
            return _decision(VerdictKind.RESCUED, pre + check.failures + drift + snap_notes,
                             details, "snapshot")
        snap_failures = snap.failures if snap_contradicts and snap else ()
        return _decision(VerdictKind.MISMATCH,
                         pre + check.failures + snap_failures + check.notes + archive_codes,
                         details, "live")

    codes = tuple(live_reasons) or live_codes(live)
    if snap_supports:
        return _decision(VerdictKind.RESCUED, pre + codes + snap_notes, details, "snapshot")
    if live is LiveStatus.DEAD:
        extra = snap.failures if snap_contradicts and snap else archive_codes
        # the live 404 is a fact about the source; but when the archive could not
        # be asked or read, never claim that no snapshot supports the citation
        lead = _DEAD_ARCHIVE_UNKNOWN if archive is ArchiveState.ERROR else None
        return _decision(VerdictKind.DEAD, pre + codes + extra, details,
                         "snapshot" if snap_contradicts else None, lead=lead)
    if snap_contradicts and snap:
        return _decision(VerdictKind.MISMATCH, pre + snap.failures + codes, details, "snapshot")
    return _decision(VerdictKind.INCONCLUSIVE, pre + codes + archive_codes, details)


def _decision(kind: VerdictKind, reasons: Sequence[str], details: Mapping[str, str] | None,
              basis: str | None = None, *, lead: str | None = None) -> Decision:
    reasons = _unique(reasons)
    details = details or {}
    said = {"http-429"} if "rate-limited" in reasons else set()  # one sentence for both
    # each thing said once: two codes may come to one sentence
    phrases = list(dict.fromkeys(details.get(code) or describe(code) for code in reasons
                                 if code not in said))
    sentence = (lead or _LEAD[kind]) + (": " + "; ".join(phrases) if phrases else "") + "."
    return Decision(kind, reasons, sentence, basis)


# -------------------------------------------------------- verify_citation

ACCEPTED_ORIGINS = {"hyperlink": Resolution.HYPERLINK, "pin": Resolution.PIN,
                    "discovered": Resolution.DISCOVERED}


def resolution_of(candidates: Sequence[Candidate]) -> tuple[Resolution, Candidate | None]:
    """The first candidate accepted by resolve (hyperlink, pin or discovered)."""
    for candidate in candidates:
        if candidate.origin in ACCEPTED_ORIGINS:
            return ACCEPTED_ORIGINS[candidate.origin], candidate
    return Resolution.UNRESOLVED, None


def archive_state(lookup: ArchiveLookup | None) -> ArchiveState:
    if lookup is None:
        return ArchiveState.SKIPPED
    if lookup.status is LookupStatus.FOUND and lookup.snapshot is not None:
        return ArchiveState.FOUND if lookup.snapshot.body is not None else ArchiveState.ERROR
    if lookup.status is LookupStatus.ERROR:
        return ArchiveState.ERROR
    return ArchiveState.NONE


def verify_citation(
    citation: Citation,
    source: SourceEntry | None,
    candidates: Sequence[Candidate],
    live: LiveResult | None,
    lookup: ArchiveLookup | None,
    *,
    pin: Pin | None = None,
    thresholds: Thresholds | None = None,
) -> Verdict:
    """The verdict for ``citation`` from results already in hand.

    ``live`` is the live check of the chosen candidate's URL, with its body;
    ``lookup`` is the archive lookup for it, whose ``snapshot`` carries the
    body of the snapshot nearest the cited date (``ArchiveClient.fetch_snapshot``
    done by the caller). No request is made here.
    """
    t = thresholds or Thresholds.from_env()
    resolution, chosen = resolution_of(candidates)
    quotes = tuple(dict.fromkeys(tuple(citation.quotes) + (tuple(pin.quotes) if pin else ())))
    pin_title = pin.title if pin else None

    from citecheck.support import claim_text

    claim = claim_text(citation)

    def run(body: bytes | None, ctype: str | None, url: str, enc: str | None) -> CopyCheck:
        content = extract_content(body, ctype, url, enc)
        return check_copy(citation, content, url, source=source, quotes=quotes,
                          pin_title=pin_title, thresholds=t, claim=claim)

    live_check = None
    if resolution is not Resolution.UNRESOLVED and live is not None and live.status.is_ok:
        final = live.final_url or live.url
        live_check = run(live.body, live.content_type, final, live.encoding)

    state = ArchiveState.SKIPPED
    if resolution is not Resolution.UNRESOLVED:
        state = archive_state(lookup)
    snapshot = lookup.snapshot if lookup is not None else None
    snap_check = None
    if state is ArchiveState.FOUND and snapshot is not None:
        snap_check = run(snapshot.body, snapshot.mimetype, snapshot.url, None)
        if not snap_check.readable:  # an empty or garbage replay supports nothing
            state, snap_check = ArchiveState.ERROR, None

    drifted = False
    drift_detail = None
    if live_check and snap_check and live_check.text and snap_check.text:
        sim = similarity(live_check.text, snap_check.text, normalized=True)
        drifted = sim.score < t.drift_min_similarity
        when = snapshot.timestamp if snapshot else "?"
        drift_detail = (
            f"the live text is lexically far from the snapshot of {when}"
            f" (similarity {sim.score:.2f} < {t.drift_min_similarity:.2f}: "
            f"word Jaccard {sim.jaccard:.2f}, shingle Dice {sim.dice:.2f})"
        )

    details: dict[str, str] = {}
    for check, where in ((snap_check, "archived copy"), (live_check, "live page")):
        if check:
            details.update({code: f"{text} ({where})" for code, text in check.details})
    if drift_detail and drifted:
        details["content-drift"] = drift_detail
    if lookup is not None and state is ArchiveState.ERROR:
        snap_error = getattr(snapshot, "error", None) if snapshot is not None else None
        if snapshot is not None and snapshot.body is not None:
            snap_error = snap_error or "the archive replayed no readable content"
        details["archive-error"] = (
            archive_failure(lookup.error, lookup.archive) if lookup.error
            else "the snapshot could not be read" + (f": {snap_error}" if snap_error else "")
        )
    if resolution is Resolution.UNRESOLVED and candidates:
        details["no-url"] = "no candidate scored high enough; best: " + ", ".join(
            f"{c.url} ({c.score:.2f})" if c.score is not None else c.url
            for c in candidates[:3]
        )

    if resolution is Resolution.DISCOVERED and chosen is not None:
        others = len(candidates) - 1
        details["discovered"] = (
            "the URL was discovered in the archive's index of the source's domains"
            + (f" (score {chosen.score:.2f}" if chosen.score is not None else " (")
            + f"; {others} other candidate{'s' if others != 1 else ''})"
        )
    if citation.malformed and citation.problem:
        details["malformed"] = citation.problem
    live_status = live.status if live is not None else None
    if live is not None and resolution is not Resolution.UNRESOLVED:
        host = host_of(live.url)  # the host asked: a failure is its own, not "the site's"
        for code in live_codes(live_status, live.reasons, live.status_code, live.error):
            phrase = failure_phrase(code, host) if host else None
            if phrase and code not in details:
                details[code] = phrase
    decision = decide(
        malformed=citation.malformed,
        resolution=resolution,
        live=live_status,
        live_reasons=live_codes(live_status, live.reasons, live.status_code, live.error)
        if live is not None else (),
        live_check=live_check,
        archive=state,
        snapshot_check=snap_check,
        drifted=drifted,
        details=details,
    )
    basis = snap_check if decision.basis == "snapshot" else (live_check or snap_check)
    corrected = None
    for check in (basis, live_check, snap_check):
        if check and check.corrected_date:
            corrected = check.corrected_date
            break
    return Verdict(
        citation=citation,
        verdict=decision.verdict,
        reasons=decision.reasons,
        explanation=decision.explanation,
        urls=(chosen.url,) if chosen else (),
        live=live if resolution is not Resolution.UNRESOLVED else None,
        snapshot=snapshot if state in (ArchiveState.FOUND, ArchiveState.ERROR) else None,
        archive_error=details["archive-error"] if "archive-error" in details else None,
        candidates=tuple(candidates),
        corrected_date=corrected,
        quotes_found=basis.quotes_found if basis else (),
        quotes_missing=basis.quotes_missing if basis else (),
        support=_support_of(basis, "snapshot" if basis is snap_check else "live"),
        misquotes=basis.misquotes if basis else (),
        quotes_in_boilerplate=basis.quotes_in_boilerplate if basis else (),
    )


def _support_of(check: CopyCheck | None, copy: str) -> Support:
    """The verdict's support: that of the copy it rests on, named."""
    if check is None or check.support is None:
        return Support()
    return dataclasses.replace(check.support, copy=copy)
