"""Fix a plain-text brief: it has no links, so a "Sources" list is appended.

Each citation that can be given a link gets one entry: the citation as
written, its original URL and, when there is one, the snapshot that supports
it. The text above the list is not touched; a list appended before is
recognised, and only entries it lacks are added.
"""

from __future__ import annotations

from citecheck.fix.edits import Edit, Outcome, Source, Status
from citecheck.fix.plan import Action, LinkFix

HEADING = "Sources (links checked by citecheck)"


def entry(fix: LinkFix) -> list[str]:
    c = fix.citation
    lines = [f"- {c.raw}: {fix.url}"]
    if fix.version_url:
        when = f" {fix.version_date}" if fix.version_date else ""
        lines.append(f"  archived copy (cited{when}): {fix.version_url}")
    return lines


def fix_text(source: Source, fixes: list[LinkFix]) -> tuple[list[Edit], list[Outcome]]:
    text = source.text
    nl = source.newline
    existing = text.split(nl)
    has_list = HEADING in existing
    present = set(existing[existing.index(HEADING):]) if has_list else set()
    outcomes: list[Outcome] = []
    lines: list[str] = []
    for fix in sorted(fixes, key=lambda f: (f.citation.line, f.citation.column)):
        if fix.action is Action.LEAVE or not fix.url:
            outcomes.append(Outcome(fix, Status.UNCHANGED, fix.explanation))
            continue
        new = entry(fix)
        if new[0] in present:
            outcomes.append(Outcome(fix, Status.ALREADY, "already in the Sources list"))
            continue
        present.add(new[0])
        lines.extend(new)
        outcomes.append(Outcome(fix, Status.CHANGED, fix.explanation))
    if not lines:
        return [], outcomes
    block = nl.join(lines) + nl
    ending = "" if text.endswith(nl) or not text else nl
    head = ending if has_list else ending + nl + HEADING + nl + nl
    return [Edit(len(text), len(text), head + block)], outcomes
