"""Every command documents itself with an example, and the README's commands exist.

In the spirit of sqlite-utils' tests/test_docs.py.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from citecheck.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


COMMANDS = _commands(cli)


def _example_lines(help_text: str) -> list[str]:
    """The lines of the Example: block of a --help page."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Example:")
    block = []
    for line in lines[start + 1:]:
        if not line.strip():
            if block:
                break
            continue
        if not line.startswith(" "):  # back at the margin: "Options:" etc.
            break
        block.append(line.strip())
    return block


def test_commands_found():
    assert ("audit",) in COMMANDS and ("archive", "lookup") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_has_examples_one_per_line(path):
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    examples = _example_lines(result.output)
    assert examples, result.output
    for line in examples:
        # each example is one whole command: not two joined, not one split
        assert line.startswith(f"citecheck {path[0]}"), line
        assert line.count("citecheck ") == 1, line
    # the examples are the docstring's lines, unwrapped
    doc = cli
    for name in path:
        doc = doc.commands[name]  # type: ignore[attr-defined]
    written = [ln.strip() for ln in (doc.help or "").splitlines()
               if ln.strip().startswith("citecheck ")]
    assert examples == written


def _readme_commands() -> set[tuple[str, ...]]:
    text = README.read_text(encoding="utf-8")
    found = set()
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0]
            m = re.search(r"(?:^|[|;&]\s*)citecheck\s+(.*)", line.strip())
            if not m:
                continue
            try:
                words = shlex.split(m.group(1))
            except ValueError:
                words = m.group(1).split()
            if not words or words[0].startswith("-"):
                continue
            command = [words[0]]
            if len(words) > 1 and not words[1].startswith("-") and words[1].isidentifier():
                command.append(words[1])
            found.add(tuple(command))
    return found


def test_readme_documents_commands():
    documented = _readme_commands()
    assert {("audit",), ("check",), ("extract",)} <= {c[:1] for c in documented}


@pytest.mark.parametrize("documented", sorted(_readme_commands()), ids=" ".join)
def test_readme_commands_exist(documented):
    group: click.Command = cli
    name = documented[0]
    assert isinstance(group, click.Group)
    assert name in group.commands, f"README documents `citecheck {name}`, which does not exist"
    command = group.commands[name]
    if isinstance(command, click.Group) and len(documented) > 1:
        sub = documented[1]
        assert sub in command.commands, (
            f"README documents `citecheck {name} {sub}`, which does not exist")


def _envvars() -> dict[str, set[str]]:
    """CITECHECK_* variable -> the commands whose options read it."""
    found: dict[str, set[str]] = {}
    for path in COMMANDS:
        command: click.Command = cli
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        for param in command.params:
            if isinstance(param, click.Option) and param.envvar:
                found.setdefault(str(param.envvar), set()).add(" ".join(path))
    return found


def test_envvars_are_documented_in_help_and_readme():
    # F13: 16 options read CITECHECK_* variables that neither --help nor README named
    envvars = _envvars()
    assert "CITECHECK_DB" in envvars and "CITECHECK_FAIL_ON" in envvars
    readme = README.read_text(encoding="utf-8")
    assert [v for v in sorted(envvars) if f"`{v}`" not in readme] == []
    for var, commands in envvars.items():
        for path in commands:
            out = CliRunner().invoke(cli, [*path.split(), "--help"], terminal_width=200).output
            assert f"env var: {var}" in out, (path, var)


DATABASE_DOC = README.parent / "docs" / "database.md"


def _documented_tables() -> dict[str, set[str]]:
    """Each ``### `table` `` section of docs/database.md and the columns it names:
    in ``| `column` |`` rows, or in its prose (backticked names outside
    parentheses; a paragraph opening with ``table`:`` speaks of that table)."""
    tables: dict[str, set[str]] = {}
    current = None
    text = DATABASE_DOC.read_text(encoding="utf-8")
    for block in re.split(r"\n\s*\n", text):
        heading = re.match(r"### `(\w+)`(?: and `(\w+)`)?", block)
        if heading:
            current = heading.group(1)
            tables.update({name: set() for name in heading.groups() if name})
            block = block.split("\n", 1)[1] if "\n" in block else ""
        elif block.startswith("#"):
            current = None
        if current is None or not block.strip():
            continue
        if block.startswith("|"):
            for row in block.splitlines():
                tables[current] |= set(re.findall(r"`(\w+)`", row.split("|")[1]))
            continue
        opening = re.match(r"`(\w+)`:", block)
        if opening and opening.group(1) in tables:
            current = opening.group(1)
            block = block[opening.end():]
        while re.search(r"\([^()]*\)", block):
            block = re.sub(r"\([^()]*\)", "", block)
        tables[current] |= set(re.findall(r"`(\w+)`", block))
    return tables


def test_database_doc_matches_the_schema(tmp_path):
    from citecheck.store import Store

    with Store(tmp_path / "citecheck.db") as store:
        actual = {name: {c.name for c in store.db[name].columns}
                  for name in store.db.table_names()}
    documented = _documented_tables()
    assert set(documented) == {t for t in actual if not t.startswith("sqlite_")}
    for table, columns in documented.items():
        assert columns <= actual[table], (table, columns - actual[table])
        # and every column is documented (a migration's new column too)
        assert actual[table] <= columns, (table, actual[table] - columns)


def test_database_doc_queries_run(tmp_path):
    import sqlite3

    from citecheck.store import Store

    with Store(tmp_path / "citecheck.db"):
        pass
    queries = re.findall(r"```sql\n(.*?)```", DATABASE_DOC.read_text(encoding="utf-8"), re.S)
    assert len(queries) >= 3
    con = sqlite3.connect(tmp_path / "citecheck.db")
    for sql in queries:
        con.execute(sql).fetchall()  # an unknown table or column raises here
