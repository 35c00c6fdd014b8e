"""Fix the citation links of a .docx brief: rescued links point at their snapshot.

A Word hyperlink (``w:hyperlink r:id=...``) is a relationship in
``word/_rels/document.xml.rels`` (notes: ``footnotes.xml.rels``,
``endnotes.xml.rels``) whose ``Target`` is the URL. A rescued citation's
relationship gets the snapshot as its target; that is the one change: every
other part of the package is written back with the same bytes and the same
compression. Word has no place for Robust Links attributes, so verified links
are left as they are (and listed), as are field hyperlinks (``HYPERLINK``) and
citations without a link.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass

from citecheck.errors import InputError
from citecheck.fix.edits import Edit, Links, Outcome, Status, run_fixes
from citecheck.fix.plan import Action, LinkFix

_PARTS = ("document", "footnotes", "endnotes")
_REL = re.compile(rb"<Relationship\b[^>]*>")
_ATTR = re.compile(rb'\b(Id|Target|TargetMode)\s*=\s*"([^"]*)"')
_USE = re.compile(rb'\br:id\s*=\s*"([^"]+)"')
_REPLAY = re.compile(r"/\d{14}(?:[a-z]{2}_)?/(https?://.+)$")


@dataclass
class _Rel:
    part: str  #: the rels part name
    rid: str
    target: str
    span: tuple[int, int]  #: the Target value, in the rels part's bytes


def _rels(data: bytes, part: str) -> dict[str, _Rel]:
    out = {}
    for m in _REL.finditer(data):
        attrs = {a.group(1): a for a in _ATTR.finditer(m.group())}
        if b"Id" not in attrs or b"Target" not in attrs:
            continue
        mode = attrs.get(b"TargetMode")
        if mode is None or mode.group(2) != b"External":
            continue
        target = attrs[b"Target"]
        rid = attrs[b"Id"].group(2).decode()
        out[rid] = _Rel(part, rid, html.unescape(target.group(2).decode("utf-8")),
                              (m.start() + target.start(2), m.start() + target.end(2)))
    return out


def fix_docx(name: str, data: bytes, fixes: list[LinkFix]) -> tuple[bytes, list[Outcome]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InputError(f"{name}: not a readable .docx: {exc}") from None
    links: Links[_Rel] = Links()
    for part in _PARTS:
        xml, rels_name = f"word/{part}.xml", f"word/_rels/{part}.xml.rels"
        if xml not in members or rels_name not in members:
            continue
        rels = _rels(members[rels_name], rels_name)
        for m in _USE.finditer(members[xml]):  # in the order the text uses them
            rel = rels.get(m.group(1).decode())
            if rel is None:
                continue
            links.add(rel.target, rel)
            replay = _REPLAY.search(rel.target)
            if replay:  # a link fixed before: found under the URL it replays
                links.add(replay.group(1), rel)
    edits: dict[str, list[Edit]] = {}
    outcomes: list[Outcome] = []
    doable = []
    for fix in fixes:
        if fix.action is Action.ROBUST:
            outcomes.append(Outcome(fix, Status.UNCHANGED, "verified: a .docx link has no place "
                                                         "for Robust Links attributes"))
        else:
            doable.append(fix)

    def rewrite(rel: _Rel, fix: LinkFix) -> list[Edit]:
        edit = Edit(rel.span[0], rel.span[1], html.escape(fix.version_url or "", quote=True))
        edits.setdefault(rel.part, []).append(edit)
        return [edit]

    def unlinked(fix: LinkFix) -> tuple[list[Edit], Outcome]:
        return [], Outcome(fix, Status.UNCHANGED, "no hyperlink in the .docx to point at the "
                                                  "snapshot")

    _edits, more = run_fixes(doable, links, lambda rel: bool(_REPLAY.search(rel.target)),
                             rewrite, unlinked)
    outcomes += more
    if not edits:
        return data, outcomes
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as new:
        for info in archive.infolist():
            content = members[info.filename]
            if info.filename in edits:
                content = _apply(content, edits[info.filename])
            new.writestr(info, content, compress_type=info.compress_type)
    return out.getvalue(), outcomes


def _apply(data: bytes, edits: list[Edit]) -> bytes:
    out, pos = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        out += [data[pos:edit.start], edit.new.encode("utf-8")]
        pos = edit.end
    out.append(data[pos:])
    return b"".join(out)


def changed_parts(before: bytes, after: bytes) -> list[tuple[str, str, str]]:
    """(part name, old text, new text) of each part that differs: what ``--diff`` shows."""
    old, new = zipfile.ZipFile(io.BytesIO(before)), zipfile.ZipFile(io.BytesIO(after))
    out = []
    for info in old.infolist():
        a, b = old.read(info), new.read(info.filename)
        if a != b:
            out.append((info.filename, a.decode("utf-8", "replace"), b.decode("utf-8", "replace")))
    return out
