"""Benchmark: ``citecheck audit`` on a folder of generated briefs, cold then warm.

Starts the simulated web of ``tests/fixtures_simweb.py`` (N hosts on
127.0.0.x, each page answering after ``--latency`` seconds), writes
``--briefs`` briefs with ``--citations`` hyperlinked citations each (URLs shared
between briefs, a few dead), then runs the installed ``citecheck audit`` on the
folder twice with one database: cold (empty database) and warm (every
successful check fresh in the cache). Reports wall time, CPU time and peak
memory (max RSS of the audit process) of each, and the ratio.

Targets (issue 6): peak memory under 300 MB; warm at least 20x faster than cold.

citecheck's own modules are byte-compiled first (``compileall`` into the
package's ``__pycache__``), as ``pip install`` does for a wheel: in an editable
install with ``PYTHONDONTWRITEBYTECODE=1`` each run would compile them from source
again (~0.08 s). ``--no-bytecode`` skips it.
``--archive`` leaves the archive on: a Wayback stand-in on its own loopback
host (answering at once) lists one capture of every page, near the cited date,
and replays it (``--archive-rate 1000``); the warm runs find every lookup and
snapshot in the cache.
``--archive-latency S`` makes the stand-in answer after S seconds (default: at once).
``--pywb`` puts a real pywb in the stand-in's place: every live page of the
simulated web is written (as served) into a WARC with warcio, ``--captures``
times (the cited date's capture, plus earlier and later ones), indexed into a
collection with pywb's own ``wb-manager`` and served by pywb's ``wayback`` on
a free loopback port (``citecheck.demo.pywb.PywbServer``, the one
``tests/fixtures_pywb.py`` and ``citecheck demo`` run); ``--archive-url``
points to it and the archive rate is citecheck's default for a loopback
archive (none). ``--archive-latency`` does not apply to it.
``--no-archive`` is the default (the live phase only); it wins over ``--archive``.
``--phases`` (issue 13) times the stages overlapped, in one run: the live phase
alone (an empty database, ``--no-archive``), the archive phase alone (the same
database again, archive on: every live result fresh in the cache, so only the
lookups, snapshots and verification remain) and the full audit (an empty
database, archive on), ``--rounds`` times in turn; the medians and
full / max(live, archive) (target: <= 1.2). Two references beside them, each
round: the full audit's own clock (its ``stats.elapsed``: no start-up, no
report) and the archive's bare work in this process (every cited URL looked up
and its snapshot fetched through citecheck's clients at the audit's archive
concurrency; no store, no verification), with full / that. ``--phase live|archive|full`` runs
just that one (for ``farm-bench``, before and after side by side).
``--warm-runs N`` re-audits N times (each one warm); ``--pyinstrument FILE``
writes a pyinstrument text profile of the first warm run (``--profile FILE``: a
cProfile); with ``--phases`` or ``--phase full``, of the last full audit.

    .venv/bin/python bench/bench_audit.py --briefs 200 --latency 0.2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fixtures_simweb import SimWeb, delay  # noqa: E402

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title><meta property="article:published_time" content="{date}">
</head><body><header><nav>Home | News | Statements | Contact</nav></header>
<article><h1>{title}</h1><p class="date">Published {date}</p>
<p>{quote_sentence}</p>{paragraphs}</article>
<footer>Copyright the ministry. All rights reserved.</footer></body></html>"""

WORDS = ("security cooperation exercise defence ministry partnership strategic region "
         "delegation agreement navy missile border trade sanctions statement visit "
         "council dialogue summit treaty forces military economic political").split()


def page(rng: random.Random, n: int) -> tuple[str, str]:
    quote = f"the partnership number {n} is strong and growing"
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + ".</p>"
        for _ in range(12)
    )
    html = PAGE.format(title=f"Statement {n} on regional security", date="2018-05-14",
                       quote_sentence=f"Officials said {quote}.", paragraphs=paragraphs)
    return html, quote


def build_world(web: SimWeb, args: argparse.Namespace, folder: Path,
                bodies: dict[str, bytes] | None = None,
                cited: set[str] | None = None) -> dict[str, int]:
    """The hosts, pages and briefs; ``bodies`` gets each live page's URL and HTML,
    ``cited`` every URL a brief cites."""
    rng = random.Random(args.seed)
    urls: list[tuple[str, str]] = []
    hosts = [f"bench{h}" for h in range(args.hosts)]
    for h in hosts:
        web.host(h)
    for n in range(args.pages):
        host = hosts[n % len(hosts)]
        html, quote = page(rng, n)
        dead = bool(args.dead_every) and n % args.dead_every == 0
        web.route(host, f"/news/{n}", handler=delay(
            args.latency, status=404 if dead else 200,
            body=b"<h1>Not Found</h1>" if dead else html.encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
        ))
        urls.append((web.url(host, f"/news/{n}"), quote))
        if bodies is not None and not dead:
            bodies[urls[-1][0]] = html.encode()
    for host in hosts:  # the soft-404 probe of random paths gets a plain 404, after the latency
        web.fallback(host, handler=delay(args.latency, status=404, body=b"<h1>Not Found</h1>"))
    citations = 0
    for b in range(args.briefs):
        lines = ["4 June 2018", "", f"# Brief {b}", ""]
        for _ in range(args.citations):
            url, quote = rng.choice(urls)
            if cited is not None:
                cited.add(url)
            lines += [f'Officials said "{quote}" ([Gov, May 14]({url})).', ""]
            citations += 1
        sub = folder / f"{b % 10:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"brief-{b:03d}.md").write_text("\n".join(lines), encoding="utf-8")
    return {"pages": args.pages, "citations": citations, "hosts": args.hosts}


def serve_archive(web: SimWeb, pages: dict[str, bytes], latency: float = 0.0) -> str:
    """A Wayback stand-in: ``ROOT/cdx`` lists one capture of each page, near the
    cited date, and ``ROOT/<ts>id_/<url>`` replays it. Returns ``ROOT``."""
    stamp = "20180514120000"

    def cdx(req: Any) -> Any:
        req.stopping.wait(latency)
        url = req.query.get("url", [""])[0]
        rows: list[list[str]] = [["urlkey", "timestamp", "original", "mimetype", "statuscode",
                                  "digest", "length"]]
        if url in pages:
            rows.append([url, stamp, url, "text/html", "200", "D", str(len(pages[url]))])
        return 200, {"Content-Type": "application/json"}, json.dumps(rows)

    def replay(req: Any) -> Any:
        req.stopping.wait(latency)
        prefix = f"/web/{stamp}id_/"
        body = pages.get(req.path.removeprefix(prefix)) if req.path.startswith(prefix) else None
        if body is None:
            return 404, {}, b"<h1>Not Found</h1>"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body

    web.route("wayback", "/web/cdx", handler=cdx)
    web.fallback("wayback", handler=replay)
    return web.host("wayback") + "/web"


#: when the captures of ``--pywb`` are dated: the cited date's first, then earlier
#: and later ones (a page's later captures differ a little, as real pages do)
CAPTURE_STAMPS = ("20180514120000", "20180301120000", "20180901120000", "20171101120000",
                  "20190301120000", "20170601120000")


def pywb_captures(pages: dict[str, bytes], per_page: int) -> list[Any]:
    """``per_page`` captures of every live page (1 to :data:`CAPTURE_STAMPS`'s length)."""
    from citecheck.demo.pywb import html_capture

    stamps = CAPTURE_STAMPS[:max(1, min(per_page, len(CAPTURE_STAMPS)))]
    return [
        html_capture(url, stamp, body if n == 0 else body.replace(
            b"</article>", f"<p>Updated {stamp[:8]}.</p></article>".encode()))
        for url, body in pages.items()
        for n, stamp in enumerate(stamps)
    ]


def serve_pywb(directory: Path, pages: dict[str, bytes], per_page: int = 1) -> Any:
    """A real pywb holding ``pages`` (:func:`pywb_captures`), started on loopback;
    returns the running :class:`~citecheck.demo.pywb.PywbServer` (``.root``, ``.stop()``)."""
    from citecheck.demo.pywb import PywbServer, pywb_installed

    if not pywb_installed():
        raise SystemExit("--pywb needs pywb: pip install -e '.[bench]' (or the test/demo extra)")
    return PywbServer(directory, name="bench").init(pywb_captures(pages, per_page)).start()


def citecheck_bin() -> str:
    """``$CITECHECK_BENCH_BIN`` (another build, for before/after), else the venv's."""
    if os.environ.get("CITECHECK_BENCH_BIN"):
        return os.environ["CITECHECK_BENCH_BIN"]
    found = Path(sys.executable).with_name("citecheck")
    return str(found) if found.exists() else (shutil.which("citecheck") or "citecheck")


def byte_compile() -> None:
    """citecheck's modules compiled next to their sources (``__pycache__``, git-ignored;
    not ``PYTHONPYCACHEPREFIX``, which would hide every other module's bytecode)."""
    import citecheck

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(citecheck.__file__).parent)],
                   check=True, stdout=subprocess.DEVNULL)


def timed_run(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Wall time, CPU time and max RSS of one process (os.wait4's rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"audit failed with exit {code}:\n{err}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "max_rss_mb": usage.ru_maxrss / 1024, "exit": code}


def audit_cmd(args: argparse.Namespace, work: Path, db: Path, archive: list[str]) -> list[str]:
    return [citecheck_bin(), "audit", str(work / "briefs"), "--db", str(db),
            *archive, "--allow-private", "--report-dir", str(work / "reports"),
            "--archive-dir", str(work / "archive"), "--concurrency", str(args.concurrency),
            "--per-host", str(args.per_host), "--timeout", "10", "-q"]


def lookups_alone(root: str, urls: set[str]) -> float:
    """Seconds for the archive's bare work on ``urls``, in this process: each URL's
    lookup for the briefs' dates and its snapshot fetched, through citecheck's own
    clients, pool and archive concurrency; no audit process, store or verification.
    A floor for the archive phase (what the audit adds to it is start-up, the
    store, verification and the report)."""
    from citecheck.archive.multi import make_archives
    from citecheck.http import HttpClient, HttpConfig
    from citecheck.pipeline import AuditOptions
    from citecheck.runner import run_pool

    http = HttpClient(HttpConfig(allow_private=True, retries=0))
    client = make_archives(http, [(root, None)], rate_per_second=None)
    concurrency = AuditOptions().archive_concurrency

    def one(url: str) -> bool:
        lookup = client.lookup(url, "2018-05-14", "2018-06-04")
        return lookup.snapshot is None or client.fetch_snapshot(lookup.snapshot).body is not None

    started = time.perf_counter()
    done = list(run_pool(sorted(urls), one, concurrency=concurrency, per_host=concurrency,
                         host_of=lambda _url: "archive"))
    took = time.perf_counter() - started
    http.close()
    if not all(ok for _url, ok in done):
        raise SystemExit("a snapshot could not be fetched: nothing was measured")
    return took


def pipeline_seconds(db_path: Path) -> float:
    """The audit's own clock (resolve, check, look up, verify, store: no start-up or
    report) of the database's last run."""
    with sqlite3.connect(db_path) as db:
        row = db.execute("select summary from runs order by id desc limit 1").fetchone()
    return float(json.loads(row[0])["stats"]["elapsed"])


def archive_answers(db_path: Path) -> dict[str, int]:
    """What the archive answered in a full audit: lookups by status, snapshot bodies
    kept. Stops the benchmark if nothing was found (an archive phase that found no
    capture would time nothing)."""
    with sqlite3.connect(db_path) as db:
        answers = dict(db.execute("select status, count(*) from lookups group by status"))
        answers["snapshot_bodies"] = db.execute(
            "select count(*) from snapshots where body_digest is not null").fetchone()[0]
    if not answers.get("found") or not answers["snapshot_bodies"]:
        raise SystemExit(f"the archive found no capture ({answers}): nothing was measured")
    return answers


def phases(args: argparse.Namespace) -> None:
    """The live phase alone, the archive phase alone and the full audit (``--phases``)."""
    work = Path(tempfile.mkdtemp(prefix="citecheck-bench-phases-"))
    web = SimWeb(first_ip="127.0.0.60")
    wanted = [args.phase] if args.phase else ["live", "archive", "full"]
    times: dict[str, list[float]] = {name: [] for name in wanted}
    if len(wanted) == 3:  # the references: the audit's own clock, the archive's bare work
        times.update({"full_pipeline": [], "lookups_alone": []})
    pywb = None
    try:
        bodies: dict[str, bytes] = {}
        cited: set[str] = set()
        world = build_world(web, args, work / "briefs", bodies, cited)
        if args.pywb:
            started = time.perf_counter()
            pywb = serve_pywb(work / "pywb", bodies, args.captures)
            world["pywb_setup_s"] = round(time.perf_counter() - started, 2)
            world["captures"] = len(bodies) * max(1, min(args.captures, len(CAPTURE_STAMPS)))
            on = ["--archive-url", pywb.root]
        else:
            on = ["--archive-url", serve_archive(web, bodies, args.archive_latency),
                  "--archive-rate", "1000"]
        if not args.no_bytecode:
            byte_compile()
        for n in range(1 if args.phase else args.rounds):
            live_db, full_db = work / f"live-{n}.db", work / f"full-{n}.db"
            if "live" in wanted or "archive" in wanted:
                run = timed_run(audit_cmd(args, work, live_db, ["--no-archive"]), work)
                if "live" in wanted:
                    times["live"].append(run["wall"])
            if "archive" in wanted:  # every live result now fresh in the cache
                times["archive"].append(timed_run(audit_cmd(args, work, live_db, on), work)["wall"])
            if "full" in wanted:
                cmd = audit_cmd(args, work, full_db, on)
                if args.pyinstrument and n == (1 if args.phase else args.rounds) - 1:
                    cmd = [sys.executable, "-m", "pyinstrument", "-i", "0.001", "-o",
                           args.pyinstrument, "-m", "citecheck", *cmd[1:]]
                times["full"].append(timed_run(cmd, work)["wall"])
                world["archive_answers"] = archive_answers(full_db)
            if len(wanted) == 3:
                times["full_pipeline"].append(pipeline_seconds(full_db))
                times["lookups_alone"].append(lookups_alone(on[1], cited))
    finally:
        if pywb is not None:
            pywb.stop()
        web.close()
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    result: dict[str, Any] = {**world, "briefs": args.briefs, "latency": args.latency,
                              "archive": "pywb" if args.pywb else "stand-in",
                              "archive_latency": None if args.pywb else args.archive_latency,
                              "times": times,
                              "median": medians}
    if len(wanted) == 3:
        result["full_vs_longer_phase"] = medians["full"] / max(medians["live"],
                                                               medians["archive"])
        result["full_vs_lookups_alone"] = medians["full"] / medians["lookups_alone"]
    print(json.dumps(result, indent=2))
    if len(wanted) == 3:
        print(f"\nlive alone {medians['live']:.2f}s, archive alone {medians['archive']:.2f}s, "
              f"full {medians['full']:.2f}s: {result['full_vs_longer_phase']:.2f} x the longer "
              f"phase (target <= 1.2); the archive's bare lookups {medians['lookups_alone']:.2f}s "
              f"(full: {result['full_vs_lookups_alone']:.2f} x), the full audit's own clock "
              f"{medians['full_pipeline']:.2f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=200)
    parser.add_argument("--citations", type=int, default=5, help="per brief")
    parser.add_argument("--pages", type=int, default=600, help="distinct pages cited")
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.2, help="server latency, seconds")
    parser.add_argument("--dead-every", type=int, default=23,
                        help="every Nth page is a 404 (coprime with --hosts: spread over hosts)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--profile", help="write a cProfile of the warm run here")
    parser.add_argument("--pyinstrument", help="write a pyinstrument profile (text) of the "
                        "warm run here (--phases / --phase full: of the last full audit, "
                        "whose time is then the profiled one)")
    parser.add_argument("--warm-runs", type=int, default=1, help="warm re-audits, one after "
                        "the other (the figures of the first are the warm run's)")
    parser.add_argument("--archive", action="store_true",
                        help="audit with the archive on (a loopback Wayback stand-in)")
    parser.add_argument("--no-archive", action="store_true",
                        help="the live phase only (the default; wins over --archive)")
    parser.add_argument("--archive-latency", type=float, default=0.0,
                        help="the Wayback stand-in's latency, seconds")
    parser.add_argument("--pywb", action="store_true",
                        help="the archive is a real pywb on loopback, holding the simulated "
                        "web's pages (with --archive or --phases)")
    parser.add_argument("--captures", type=int, default=1,
                        help=f"captures of each page in the pywb (1-{len(CAPTURE_STAMPS)})")
    parser.add_argument("--phases", action="store_true",
                        help="time the live phase alone, the archive phase alone and the "
                        "full audit (issue 13: full <= 1.2 x the longer phase)")
    parser.add_argument("--phase", choices=("live", "archive", "full"),
                        help="run only this phase, once (for farm-bench)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --phases")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="do not byte-compile citecheck first (bytecode already in its "
                        "__pycache__ is used all the same)")
    args = parser.parse_args()
    if args.pywb:
        args.archive = True
    if args.no_archive:
        args.archive = False
    if args.phases or args.phase:
        phases(args)
        return

    work = Path(tempfile.mkdtemp(prefix="citecheck-bench-audit-"))
    web = SimWeb(first_ip="127.0.0.60")
    pywb = None
    try:
        bodies: dict[str, bytes] = {}
        world = build_world(web, args, work / "briefs", bodies)
        # the stand-in answers at once; the default 4 requests a second would make
        # the cold run wait minutes for a rate limit no local archive needs
        if args.archive and args.pywb:
            pywb = serve_pywb(work / "pywb", bodies, args.captures)
            archive = ["--archive-url", pywb.root]
        elif args.archive:
            archive = ["--archive-url", serve_archive(web, bodies), "--archive-rate", "1000"]
        else:
            archive = ["--no-archive"]
        if not args.no_bytecode:
            byte_compile()
        cmd = [citecheck_bin(), "audit", str(work / "briefs"), "--db", str(work / "bench.db"),
               *archive, "--allow-private", "--report-dir", str(work / "reports"),
               "--archive-dir", str(work / "archive"), "--concurrency", str(args.concurrency),
               "--per-host", str(args.per_host), "--timeout", "10", "-q"]
        cold = timed_run(cmd, work)
        cold_requests = len(web.requests)
        if args.profile:
            cmd_warm = [sys.executable, "-m", "cProfile", "-o", args.profile, "-m", "citecheck",
                        *cmd[1:]]
        elif args.pyinstrument:
            cmd_warm = [sys.executable, "-m", "pyinstrument", "-i", "0.001", "-o",
                        args.pyinstrument, "-m", "citecheck", *cmd[1:]]
        else:
            cmd_warm = cmd
        warm = timed_run(cmd_warm, work)
        warm_requests = len(web.requests) - cold_requests
        more = [timed_run(cmd, work) for _ in range(args.warm_runs - 1)]
    finally:
        if pywb is not None:
            pywb.stop()
        web.close()
    with sqlite3.connect(work / "bench.db") as db:
        verdicts = dict(db.execute(
            "select verdict, count(*) from verdicts where run_id = 2 group by verdict"
        ).fetchall())
        # the audit's own clock: resolve, check, verify, store (no start-up, no report)
        stages = {
            run_id: json.loads(summary)["stats"]["elapsed"]
            for run_id, summary in db.execute("select id, summary from runs order by id")
        }
    # the cold run's requests (pages and soft-404 probes), as many at once as allowed
    floor = cold_requests / min(args.concurrency, args.hosts * args.per_host) * args.latency
    result = {
        "briefs": args.briefs, **world, "latency": args.latency,
        "concurrency": args.concurrency, "per_host": args.per_host,
        "bytecode": not args.no_bytecode,
        "archive": ("pywb" if args.pywb else "stand-in") if args.archive else False,
        "cold": cold, "warm": warm, "speedup": cold["wall"] / warm["wall"],
        "more_warm_runs": more,
        "requests": {"cold": cold_requests, "warm": warm_requests},
        "verdicts": verdicts, "network_floor_s": round(floor, 2),
        "pipeline_s": {"cold": stages.get(1), "warm": stages.get(2)},
    }
    print(json.dumps(result, indent=2))
    print(f"\ncold {cold['wall']:.1f}s (cpu {cold['cpu']:.1f}s, {cold['max_rss_mb']:.0f} MB), "
          f"warm {warm['wall']:.1f}s (cpu {warm['cpu']:.1f}s, {warm['max_rss_mb']:.0f} MB): "
          f"{result['speedup']:.1f}x; pipeline alone {stages.get(1)}s -> {stages.get(2)}s; "
          "targets: < 300 MB, >= 20x")
    if more:
        print("more warm runs: " + ", ".join(f"{r['wall']:.2f}s (cpu {r['cpu']:.2f}s, "
                                             f"{cold['wall'] / r['wall']:.1f}x)" for r in more))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
