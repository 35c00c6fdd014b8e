"""A simulated world for end-to-end audits: publishers, an archive, a brief.

``citecheck_world`` (session) starts:

- publisher sites on loopback addresses (``fixtures_simweb.SimWeb``, from
  127.0.0.180 up): a defence ministry, a foreign ministry in Russian, news
  agencies, think tanks (one serving a PDF), a parked domain;
- a real pywb (``fixtures_pywb``) holding captures of those sites built at
  test time, one of them with a damaged WARC file;
- a brief (Markdown, with hyperlinked and unlinked citations) and a registry
  (``citations.yaml``) naming the sites' real addresses.

Every citation of the brief is there to produce one verdict and reason:
:data:`EXPECTED` maps ``(source, date as written)`` to the verdict and the
reason codes the audit must give. ``tests/test_world_e2e.py`` runs the
installed ``citecheck audit`` against it.
"""

from __future__ import annotations

import html as html_lib
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fixtures_pywb import Capture, PywbServer, html_capture
from fixtures_simweb import SimWeb, delay
from pdfgen import make_pdf

#: (source, date as written) -> (verdict, reason codes that must be among its reasons)
EXPECTED: dict[tuple[str, str | None], tuple[str, tuple[str, ...]]] = {
    ("Xinhua", "July 26 2017"): ("verified", ()),
    ("SIPRI", "July 5 2017"): ("verified", ()),  # a PDF
    ("Russian MOD", "April 3"): ("verified", ()),  # pinned in citations.yaml
    ("Russian MOD", "April 29 2016"): ("verified", ("discovered",)),  # unlinked
    ("Russian MOD", "June 25"): ("verified", ("year-inferred",)),
    ("Russian MFA", "May 5"): ("verified", ("quote-unverifiable-language",)),
    ("USNI", "March 20 2017"): ("rescued", ("http-404",)),
    ("Press TV", "April 4"): ("rescued", ("soft-404",)),
    ("China Brief", "September 20 2017"): ("rescued", ("quote-not-found", "content-drift")),
    ("CSIS", "February 7"): ("mismatch", ("date-mismatch", "no-snapshot")),
    ("USCC", "March 20"): ("mismatch", ("quote-not-found",)),
    ("CPIFA", "2017"): ("mismatch", ("domain-mismatch",)),
    ("MOFA", "May 14"): ("dead", ("http-404", "no-snapshot")),
    ("CSIS", "May 25"): ("dead", ("http-404", "archive-error")),
    ("TASS", "April 3"): ("inconclusive", ("rate-limited",)),
    ("Interfax", "April 4"): ("inconclusive", ("timeout",)),
    ("CFAU", "2018"): ("unresolved", ("no-url",)),  # nothing in the archive
    ("Russian MOD", "May 12 2016"): ("unresolved", ("no-url",)),  # candidates, none fits
    ("SIPRI", None): ("malformed", ("malformed",)),
}

PUBLISHED = "2018-06-04"
#: seconds the slow site waits; the audit runs with --timeout TIMEOUT
SLOW_SECONDS = 8.0
TIMEOUT = 2.0

_NAV = ("<header><nav><a href='/'>Home</a> | <a href='/news'>News</a> | <a href='/about'>About"
        "</a> | <a href='/contact'>Contact</a></nav></header>")
_FOOTER = ("<footer><p>All rights reserved. Reproduction only with a link to the source.</p>"
           "<ul><li><a href='/privacy'>Privacy</a></li><li><a href='/terms'>Terms</a></li></ul>"
           "</footer>")


def page(title: str, paragraphs: list[str], *, date: str | None = None, lang: str = "en",
         site: str = "News") -> bytes:
    """A publisher's article page: boilerplate around a headline and paragraphs."""
    esc = html_lib.escape
    meta = (f'<meta property="article:published_time" content="{date}T09:00:00+00:00">'
            if date else "")
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{esc(title)} | {esc(site)}</title>"
        f'<meta property="og:title" content="{esc(title)}">{meta}</head>'
        f"<body>{_NAV}<main><article><h1>{esc(title)}</h1>{body}</article></main>"
        f"<aside><h2>Most read</h2><ul><li>Weather forecast</li><li>Sports results</li></ul>"
        f"</aside>{_FOOTER}</body></html>"
    ).encode()


def filler(topic: str, n: int = 4) -> list[str]:
    """Paragraphs any article has: context, background, where to read more."""
    lines = [
        f"Officials familiar with {topic} said the talks covered a broad agenda, from "
        "military-technical cooperation to regional security, with more meetings planned.",
        f"Observers noted that {topic} reflects a long rapprochement between the two "
        "capitals, with staff consultations held every year since the late 1990s.",
        f"The statement on {topic} was published in full on the official website, together "
        "with photographs and a transcript of the remarks made to the press.",
        f"Analysts expect {topic} to shape the agenda of the next summit, where trade, energy "
        "and security questions are due to be discussed at length.",
    ]
    return lines[:n]


@dataclass
class World:
    root: Path  #: a folder with brief.md and citations.yaml
    brief: Path
    registry: Path
    archive: PywbServer
    web: SimWeb
    hosts: dict[str, str] = field(default_factory=dict)  #: name -> base URL
    expected: dict[tuple[str, str | None], tuple[str, tuple[str, ...]]] = field(
        default_factory=lambda: dict(EXPECTED))

    def netloc(self, name: str) -> str:
        return self.hosts[name].split("//", 1)[1]


#: the brief: (sentence, [(citation as written, key of its URL in the world or None)])
SENTENCES: list[tuple[str, list[tuple[str, str | None]]]] = [
    ("The two countries established a \u201ccomprehensive strategic partnership of "
     "coordination\u201d", [("Xinhua, July 26 2017", "xinhua")]),
    ("Between 1999 and 2006, China was Russia\u2019s largest client for arms",
     [("SIPRI, July 5 2017", "sipri")]),
    ("Russia and China re-established their arms sales after the sanctions of 2014",
     [("USNI, March 20 2017", "usni")]),
    ("The S-400 will help the PLA gain air superiority over Taiwan",
     [("Press TV, April 4", "presstv")]),
    ("Joint exercises have given rise to discussions of \u201ca more formal security "
     "alliance\u201d", [("China Brief, September 20 2017", "jamestown")]),
    ("Both countries are improving their missile systems\u2019 quality, quantity, and mobility",
     [("CSIS, February 7", "csis-feb"), ("CSIS, May 25", "csis-may")]),
    ("Russia courts countries Beijing considers threats, seeking \u201cVietnam and India as "
     "counterweights\u201d", [("USCC, March 20", "uscc")]),
    ("Their exercises now focus on combined operations and missile defense",
     [("CPIFA, 2017", "cpifa")]),
    ("China announced plans to contribute to Russian support of the Assad regime",
     [("MOFA, May 14", "mofa")]),
    ("Wei Fenghe said his visit was to \u201cshow the world\u201d the determination of the "
     "armed forces", [("TASS, April 3", "tass")]),
    ("Moscow hosted its annual conference on international security",
     [("Interfax, April 4", "interfax")]),
    # unlinked: pinned in citations.yaml
    ("Sergei Shoigu said the relations have reached a \u201cnew, unprecedented\u201d level",
     [("Russian MOD, April 3", None)]),
    # unlinked, not pinned: discovered in the archive's index
    ("In 2016 China and Russia conducted their first joint computer-simulated missile defense "
     "exercise: \u201cAerospace Security\u201d", [("Russian MOD, April 29 2016", None)]),
    ("A 2016 joint declaration on the \u201cpromotion and principles of international "
     "law\u201d is one example", [("Russian MOD, June 25", "declaration")]),
    ("A 2018 joint statement backed the \u201cjoint comprehensive plan of action\u201d",
     [("Russian MFA, May 5", "mfa")]),
    # unlinked, nothing to discover
    ("Chinese and Russian scholars have written on the benefits of an alliance",
     [("CFAU, 2018", None)]),
    # unlinked, the archive has pages of the site, none about this
    ("The admiral inspected the submarine fleet in Vladivostok",
     [("Russian MOD, May 12 2016", None)]),
]

HOSTS = ["mod", "mfa", "xinhua", "sipri", "usni", "presstv", "jamestown", "csis", "uscc",
         "cpifa", "parked", "mofa", "tass", "interfax", "cfau"]


def build_world(root: Path, pywb_factory) -> World:  # type: ignore[no-untyped-def]
    web = SimWeb(first_ip="127.0.0.180")
    base = {name: web.host(name) for name in HOSTS}
    urls: dict[str, str] = {}
    captures: list[Capture] = []
    broken: list[Capture] = []

    def serve(key: str, host: str, path: str, body: bytes, *, content_type: str | None = None,
              status: int = 200, snapshot: str | None = None, live: bool = True) -> str:
        url = base[host] + path
        urls[key] = url
        if live:
            web.route(host, path, status=status, body=body,
                      content_type=content_type or "text/html; charset=utf-8")
        if snapshot:
            captures.append(html_capture(url, snapshot, body))
        return url

    # verified, with a quotation
    serve("xinhua", "xinhua", "/english/2017-07/26/c_136475051.htm", page(
        "China, Russia pledge to deepen comprehensive strategic partnership",
        ["Chinese President Xi Jinping and Russian President Vladimir Putin agreed to deepen "
         "the comprehensive strategic partnership of coordination between the two countries.",
         *filler("the partnership")], date="2017-07-26", site="Xinhua"),
        snapshot="20170727080000")
    # verified: a PDF report
    serve("sipri", "sipri", "/sites/default/files/2017-07/fs_1707_arms_transfers.pdf",
          make_pdf(["SIPRI Fact Sheet", "5 July 2017",
                    "Trends in international arms transfers",
                    "Between 1999 and 2006 China was the largest client of Russian arms,",
                    "accounting for between 30 and 60 per cent of Russian exports."],
                   title="Trends in international arms transfers", created="20170704120000"),
          content_type="application/pdf")
    # verified: pinned in the registry (no hyperlink in the brief)
    serve("pin", "mod", "/en/news/shoigu-wei-fenghe.htm", page(
        "Sergei Shoigu meets Chinese Defence Minister Wei Fenghe",
        ["Russian Defence Minister General of the Army Sergei Shoigu said that Russian-Chinese "
         "relations in the defence sphere have reached a new, unprecedented level.",
         *filler("the visit")], date="2018-04-03", site="Ministry of Defence"))
    # verified after discovery: unlinked, found in the archive's index of mil.ru
    mod_pages = {
        "/en/news_page/country/more.htm?id=12083184": ("20160430101010", page(
            "Russia and China hold first joint computer-simulated missile defence exercise",
            ["The first Russian-Chinese joint computer-simulated command and staff missile "
             "defence exercise Aerospace Security 2016 was held in Beijing.",
             "The exercise is not pointed against third parties, the ministry said.",
             *filler("the exercise")], date="2016-04-29", site="Ministry of Defence")),
        "/en/news_page/country/more.htm?id=12089000": ("20160510101010", page(
            "Victory Day parade on Red Square",
            ["Ten thousand servicemen marched on Red Square in the Victory Day parade.",
             *filler("the parade")], date="2016-05-09", site="Ministry of Defence")),
        "/en/news_page/country/more.htm?id=12085555": ("20160428101010", page(
            "Moscow Conference on International Security opens",
            ["The fifth Moscow Conference on International Security discussed missile "
             "defence in Europe and the situation in the Middle East.",
             *filler("the conference")], date="2016-04-27", site="Ministry of Defence")),
        # year inferred: "June 25" in a June 2018 brief is read as 2017-06-25
        "/en/news/joint-declaration.htm": ("20160626101010", page(
            "Russia and China sign joint declaration on international law",
            ["The two foreign ministers signed a joint declaration on the promotion and "
             "principles of international law.", *filler("the declaration")],
            date="2016-06-25", site="Ministry of Defence")),
    }
    for path, (stamp, body) in mod_pages.items():
        serve("mod" + path, "mod", path, body, snapshot=stamp)
    urls["discovered"] = urls["mod/en/news_page/country/more.htm?id=12083184"]
    urls["declaration"] = urls["mod/en/news/joint-declaration.htm"]
    web.route("mod", "/", body=page("Ministry of Defence", ["Welcome to the ministry."]))
    # a Russian page cited with an English quotation
    serve("mfa", "mfa", "/ru/foreign_policy/news/3206511", page(
        "Совместное заявление о совместном всеобъемлющем плане действий",
        ["Россия и Китай подтвердили поддержку совместного всеобъемлющего плана действий по "
         "иранской ядерной программе.",
         "Министры иностранных дел провели переговоры в Пекине и обсудили вопросы "
         "региональной безопасности, сотрудничества и торговли.",
         "Стороны договорились продолжить консультации на всех уровнях."],
        date="2018-05-05", lang="ru", site="МИД России"))
    # rescued: 404 live, the archive has it
    serve("usni", "usni", "/2017/03/20/russia-china-arms-sales", page(
        "Russia resumes advanced arms sales to China",
        ["After Western sanctions over Crimea in 2014, Russia and China re-established arms "
         "sales and military technology cooperation.", *filler("the arms sales")],
        date="2017-03-20", site="USNI News"), snapshot="20170321000000", live=False)
    # rescued: soft 404 (redirect to the home page), the archive has it
    presstv = page("China receives first Russian S-400 systems",
                   ["The S-400 will improve the PLA's ability to gain air superiority over "
                    "Taiwan.", *filler("the delivery")], date="2018-04-04", site="Press TV")
    serve("presstv", "presstv", "/Detail/2018/04/04/557213/China-S400", presstv,
          snapshot="20180404120000", live=False)
    web.route("presstv", "/Detail/2018/04/04/557213/China-S400", status=302,
              headers={"Location": "/"})
    web.route("presstv", "/", body=page("Press TV", ["Latest news from around the world."]))
    # rescued: the live page was replaced, the snapshot still says it
    jamestown_path = "/program/chinese-russian-security-alliance/"
    serve("jamestown", "jamestown", jamestown_path, page(
        "Is a Chinese-Russian security alliance coming?",
        ["Joint exercises in the Baltic and the South China Sea have led scholars to discuss "
         "a more formal security alliance between China and Russia.",
         *filler("the alliance debate")], date="2017-09-20", site="China Brief"),
        snapshot="20170921000000", live=False)
    web.route("jamestown", jamestown_path, body=page(
        "Donate to the Jamestown Foundation",
        ["Your gift supports independent analysis. Give online or by mail; gifts are tax "
         "deductible to the extent allowed by law.", "Thank you for your generosity."],
        site="Jamestown"))
    # mismatch: wrong date
    serve("csis-feb", "csis", "/analysis/russia-missile-forces", page(
        "Russia's missile forces in transition",
        ["Russia is modernising its missile forces, improving quality, quantity and "
         "mobility.", *filler("missile forces")], date="2017-11-15", site="CSIS"))
    # dead, and the archive's copy is damaged
    csis_may = page("China's missile forces", ["China is expanding its missile forces.",
                                               *filler("missile forces")],
                    date="2018-05-25", site="CSIS")
    urls["csis-may"] = base["csis"] + "/analysis/china-missile-forces"
    broken.append(html_capture(urls["csis-may"], "20180526000000", csis_may))
    # mismatch: the quotation is not there (live nor archived)
    uscc = page("China-Russia military cooperation",
                ["China's military modernization is a complication for Russia, which seeks "
                 "defence cooperation with Vietnam and India.", *filler("the report")],
                date="2018-03-20", site="USCC")
    serve("uscc", "uscc", "/research/china-russia-military-cooperation", uscc,
          snapshot="20180321000000")
    # mismatch: redirected off-site to a parked domain
    urls["cpifa"] = web.route("cpifa", "/en/2017/report.htm", status=301,
                              headers={"Location": base["parked"] + "/lander/cpifa-report"})
    web.route("parked", "/lander/cpifa-report", body=page(
        "Premium domain names",
        ["This domain name is available. Buy it today and build your online presence.",
         "Our brokers handle the transfer; financing options are available on request."],
        site="Parking"))
    # dead, never archived
    urls["mofa"] = base["mofa"] + "/mfa_eng/wjdt_665385/t1559875.shtml"
    # inconclusive: rate limited, and a site too slow to answer
    urls["tass"] = web.route("tass", "/defense/997740", status=429,
                             headers={"Retry-After": "3600"}, body=b"Too Many Requests")
    urls["interfax"] = web.route("interfax", "/english/news/12345",
                                 handler=delay(SLOW_SECONDS, body=b"<p>late</p>"))

    # the archive
    archive = pywb_factory(captures, name="world")
    warc = archive.add(broken)
    damaged = archive.directory / "collections" / archive.collection / "archive" / warc.name
    damaged.write_bytes(b"\x1f\x8b this WARC file was damaged on disk " * 20)

    # the registry and the brief
    root.mkdir(parents=True, exist_ok=True)
    registry = root / "citations.yaml"
    n = {name: base[name].split("//", 1)[1] for name in HOSTS}
    registry.write_text(textwrap.dedent(f"""\
        sources:
          Russian MOD:
            name: Ministry of Defence of the Russian Federation
            domains: ["{n['mod']}"]
            language: en
          Russian MFA:
            name: Ministry of Foreign Affairs of the Russian Federation
            domains: ["{n['mfa']}"]
            language: ru
          Xinhua: {{domains: ["{n['xinhua']}"]}}
          SIPRI: {{domains: ["{n['sipri']}"]}}
          USNI: {{domains: ["{n['usni']}"]}}
          Press TV: {{domains: ["{n['presstv']}"]}}
          China Brief: {{domains: ["{n['jamestown']}"]}}
          CSIS: {{domains: ["{n['csis']}"]}}
          USCC: {{domains: ["{n['uscc']}"]}}
          CPIFA: {{domains: ["{n['cpifa']}"]}}
          MOFA: {{domains: ["{n['mofa']}"]}}
          TASS: {{domains: ["{n['tass']}"]}}
          Interfax: {{domains: ["{n['interfax']}"]}}
          CFAU: {{domains: ["{n['cfau']}"]}}
        pins:
          - source: Russian MOD
            date: 2018-04-03
            url: {urls['pin']}
            title: Sergei Shoigu meets Chinese Defence Minister Wei Fenghe
        """))
    paragraphs = []
    for text, parts in SENTENCES:
        cited = "; ".join(f"[{label}]({urls[key]})" if key else label for label, key in parts)
        paragraphs.append(f"{text} ({cited}).")
    brief = root / "brief.md"
    brief.write_text(
        "# Chinese-Russian Defense and Security Ties (a simulated world)\n\n4 June 2018\n\n"
        + "\n\n".join(paragraphs)
        # an unterminated parenthetical: a malformed citation
        + "\n\nThe sale of four S-400 systems was worth more than all Russian arms sales to "
        "China in the five years prior (SIPRI\n\nThat is all.\n",
        encoding="utf-8",
    )
    return World(root=root, brief=brief, registry=registry, archive=archive, web=web,
                 hosts=base)


@pytest.fixture(scope="session")
def citecheck_world(tmp_path_factory, pywb_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """The simulated world (see the module docstring); started once per session."""
    world = build_world(tmp_path_factory.mktemp("world"), pywb_factory)
    try:
        yield world
    finally:
        world.web.close()
