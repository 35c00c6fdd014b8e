"""The source registry: ``citations.yaml`` loaded and validated.

The file maps the labels briefs use to their publishers (name, aliases, real
domains, language), pins URLs to (source, date) pairs for citations without a
hyperlink, and records the publication date of known documents. Loading is
safe (the safe loader: no ``!!python/object``), uses libyaml's parser when
PyYAML has it (about ten times faster than the pure-Python one), refuses a
file over :data:`MAX_REGISTRY_BYTES` before parsing it, and every problem
names the file, the line and the reason (:class:`~citecheck.errors.ConfigError`).
Unknown keys are tolerated, so the format can grow.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path, PurePath
from typing import Any

import yaml

from citecheck.errors import NO_SUCH_FILE, ConfigError
from citecheck.extract.dates import DateError, parse_date, parse_iso_date, resolve
from citecheck.models import DocumentEntry, Pin, SourceEntry
from citecheck.urls import host_in_domains, normalize_url

DEFAULT_REGISTRY = "citations.yaml"

#: The safe loader the registry is parsed with: libyaml's when PyYAML was built
#: with it (its nodes keep line numbers, so errors still name the line).
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A registry larger than this is refused before it is parsed: a real one (sources,
#: pins, documents) is kilobytes, and parsing is memory-hungry (some 20 bytes of
#: Python objects per byte of YAML), so a mistaken --config cannot take the machine.
MAX_REGISTRY_BYTES = 16 * 1024 * 1024


def _fold(label: str) -> str:
    return " ".join(label.split()).casefold()


@dataclass
class Registry:
    """Sources keyed by label, pins and document entries, with lookups."""

    sources: dict[str, SourceEntry] = field(default_factory=dict)
    pins: list[Pin] = field(default_factory=list)
    documents: list[DocumentEntry] = field(default_factory=list)
    path: str | None = None  #: the file it came from, None when empty

    def __post_init__(self) -> None:
        self._labels: dict[str, SourceEntry] = {}
        for entry in self.sources.values():
            for label in (entry.key, *entry.aliases):
                self._labels.setdefault(_fold(label), entry)

    @classmethod
    def empty(cls) -> Registry:
        return cls()

    def __len__(self) -> int:
        return len(self.sources)

    def lookup(self, label: str) -> SourceEntry | None:
        """The source a citation label names: key or alias, case-insensitive.

        A bare domain (``Tass.ru``, ``www.tass.com``) finds the source owning it.
        """
        if not label:
            return None
        entry = self._labels.get(_fold(label))
        if entry is not None:
            return entry
        host = label.strip().lower().rstrip("/")
        if "." in host and " " not in host:
            for candidate in self.sources.values():
                if candidate.domains and host_in_domains(host, candidate.domains):
                    return candidate
        return None

    def pin_for(self, label: str, date: str | None) -> Pin | None:
        """The pinned URL for a citation of ``label`` at ``date`` (ISO, as normalised)."""
        entry = self.lookup(label)
        for pin in self.pins:
            if pin.date != date:
                continue
            if entry is not None and self.lookup(pin.source) is entry:
                return pin
            if _fold(pin.source) == _fold(label):
                return pin
        return None

    def pins_for(self, label: str) -> list[Pin]:
        """Every pin of the source ``label`` names, whatever the date."""
        entry = self.lookup(label)
        return [
            p for p in self.pins
            if (entry is not None and self.lookup(p.source) is entry)
            or _fold(p.source) == _fold(label)
        ]

    def published_for(self, doc_name: str) -> str | None:
        """The publication date the registry records for a document (path or URL)."""
        entry = self.document_for(doc_name)
        return entry.published if entry else None

    def document_for(self, doc_name: str) -> DocumentEntry | None:
        is_url = doc_name.startswith(("http://", "https://"))
        base = Path(self.path).parent if self.path else Path(".")
        for entry in self.documents:
            if is_url:
                if entry.url and normalize_url(entry.url) == normalize_url(doc_name):
                    return entry
                continue
            if not entry.path:
                continue
            if _same_file(base / entry.path, Path(doc_name)):
                return entry
        # no exact file: the same name at the end of the path will do
        if not is_url:
            name = PurePath(doc_name).parts
            for entry in self.documents:
                if entry.path and name[-len(PurePath(entry.path).parts):] == PurePath(
                    entry.path
                ).parts:
                    return entry
            for entry in self.documents:
                if entry.path and PurePath(entry.path).name == PurePath(doc_name).name:
                    return entry
        return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def find_registry(config_path: str | None) -> Registry:
    """The registry ``--config`` names, else ``./citations.yaml`` if present, else empty."""
    if config_path:
        return load_registry(config_path)
    if Path(DEFAULT_REGISTRY).is_file():
        return load_registry(DEFAULT_REGISTRY)
    return Registry.empty()


def load_registry(path: str | os.PathLike[str]) -> Registry:
    """Load and validate ``path``; raise :class:`ConfigError` naming file, line, reason."""
    name = os.fspath(path)
    p = Path(name)
    if not p.exists():
        raise ConfigError(name, NO_SUCH_FILE)
    if p.is_dir():
        raise ConfigError(name, "is a directory, not a YAML file")
    limit = MAX_REGISTRY_BYTES
    try:
        size = p.stat().st_size  # 0 for a pipe or a device: the read below stops at the cap
        if size <= limit:
            with p.open("rb") as fh:
                raw = fh.read(limit + 1)
            size = max(size, len(raw))
    except OSError as exc:
        raise ConfigError(name, exc.strerror or str(exc)) from None
    if size > limit:
        shown, cap = _human_size(size), _human_size(limit)
        if shown == cap:  # "16 MB, over the 16 MB limit" would say nothing
            shown = f"{size:,} bytes"
        raise ConfigError(name, f"the registry is {shown}, over the {cap} limit (a registry "
                                "of sources and pins is far smaller: is this the right file?)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(name, f"not UTF-8 text (byte {exc.start})") from None
    return parse_registry(text, name)


def parse_registry(text: str, name: str = DEFAULT_REGISTRY) -> Registry:
    """Validate registry YAML ``text``; ``name`` is used in error messages."""
    return _Validator(name).run(text)


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_SECTIONS = frozenset({"sources", "pins", "documents"})


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{round(n / (1024 * 1024), 1):g} MB"
    return f"{round(n / 1024, 1):g} kB"


class _Validator:
    def __init__(self, name: str) -> None:
        self.name = name
        self.loader_cls = LOADER
        # one constructor for the whole file: it memoises what it built, so the
        # document is constructed once (up front) and each section reads it back
        self.loader = self.loader_cls("")

    # ------------------------------------------------------------ helpers

    def fail(self, node: yaml.Node | None, reason: str) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else None
        return ConfigError(self.name, reason, line)

    def refuse_unsafe_tags(self, root: yaml.Node) -> None:
        """Fail on the first node the safe constructor has no constructor for
        (``!!python/object``...), wherever it is, read or not."""
        known = self.loader.yaml_constructors
        unsafe = []
        stack = [root]
        while stack:
            node = stack.pop()
            if node.tag not in known:
                unsafe.append(node)
            if isinstance(node, yaml.MappingNode):
                stack.extend(chain.from_iterable(node.value))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        if unsafe:  # the first in the file: raises the constructor's own error, with its line
            self.value(min(unsafe, key=lambda n: (n.start_mark.line, n.start_mark.column)))

    def value(self, node: yaml.Node) -> Any:
        """The Python value of ``node``, built by the safe constructor only (memoised)."""
        if node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
            return node.value  # what the constructor would do, without its bookkeeping
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            raise ConfigError(self.name, _yaml_reason(exc), line) from None
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            # the safe constructor's own failures: "date: 2017-02-30" is no date
            culprit = _failing_scalar(node, self.loader_cls) or node
            shown = f" {culprit.value!r}" if isinstance(culprit, yaml.ScalarNode) else ""
            raise self.fail(culprit, f"invalid value{shown}: {exc}") from None

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        seen: dict[str, yaml.Node] = {}
        out = []
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in seen:
                raise self.fail(key_node, f"duplicate key {key!r} in {what} "
                                          f"(first at line {seen[key].start_mark.line + 1})")
            seen[key] = key_node
            out.append((key, key_node, value_node))
        return out

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        return list(node.value)

    def string(self, node: yaml.Node, what: str, *, required: bool = True) -> str | None:
        value = self.value(node)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"{what} must be a non-empty string, not {_kind(value)}")
        return value.strip()

    def strings(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        value: Any
        if node.tag == _SEQ_TAG and isinstance(node, yaml.SequenceNode):
            value = [self.value(item) for item in node.value]  # strings on the fast path
        else:
            value = self.value(node)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                  for v in value):
            raise self.fail(node, f"{what} must be a list of strings")
        return tuple(v.strip() for v in value)

    def date(self, node: yaml.Node, what: str, *, full: bool = False) -> str | None:
        text = node.value
        if (node.tag == _TIMESTAMP_TAG and isinstance(text, str) and len(text) == 10
                and text[4] == text[7] == "-"):
            try:  # a plain YYYY-MM-DD: what the constructor would make, a third of the time
                return dt.date.fromisoformat(text).isoformat()
            except ValueError:
                pass  # the constructor says why, with the line
        value = self.value(node)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            if full:
                parsed = parse_iso_date(value)
                if parsed is not None:
                    return parsed.isoformat()
            else:
                try:
                    written = parse_date(value)
                except DateError:
                    written = None
                if written is not None and written.has_year and len(written.days) <= 1:
                    return resolve(written, None)[0].iso
        shape = "a full date (YYYY-MM-DD)" if full else "a date (YYYY-MM-DD, YYYY-MM or YYYY)"
        raise self.fail(node, f"{what} must be {shape}, not {value!r}")

    # ------------------------------------------------------------ sections

    def run(self, text: str) -> Registry:
        # the parse makes a few hundred thousand small objects that all live until
        # the end: the cyclic collector would walk them again and again (3x the time)
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run(text)
        finally:
            self.loader.dispose()
            if collecting:
                gc.enable()

    def compose(self, text: str) -> yaml.Node | None:
        """The YAML node tree of ``text`` (None if empty), or a ConfigError naming the line."""
        try:
            return yaml.compose(text, Loader=self.loader_cls)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise ConfigError(self.name, _yaml_reason(exc),
                              mark.line + 1 if mark is not None else None) from None
        except yaml.YAMLError as exc:
            raise ConfigError(self.name, f"invalid YAML: {exc}") from None

    def _run(self, text: str) -> Registry:
        root = self.compose(text)
        if root is None:
            return Registry(path=self.name)
        if "!" in text:  # a tag is written with "!": without one there is nothing to refuse
            self.refuse_unsafe_tags(root)
        sections = {key: value for key, _, value in self.mapping(root, "the registry")}
        for key, node in sections.items():
            if key not in _SECTIONS:
                self.value(node)  # an unknown section is not read, but must be valid data
        sources = self.sources(sections["sources"]) if "sources" in sections else {}
        registry = Registry(sources=sources, path=self.name)
        pins = self.pins(sections["pins"]) if "pins" in sections else []
        documents = self.documents(sections["documents"]) if "documents" in sections else []
        registry.pins.extend(pins)
        registry.documents.extend(documents)
        return registry

    def sources(self, node: yaml.Node) -> dict[str, SourceEntry]:
        out: dict[str, SourceEntry] = {}
        labels: dict[str, tuple[str, int]] = {}
        for key, key_node, value_node in self.mapping(node, "sources"):
            fields = {k: v for k, _, v in self.mapping(value_node, f"source {key!r}")}
            name = self.string(fields["name"], f"{key}: name") if "name" in fields else key
            aliases = self.strings(fields["aliases"], f"{key}: aliases") \
                if "aliases" in fields else ()
            domains = self.strings(fields["domains"], f"{key}: domains") \
                if "domains" in fields else ()
            for domain in domains:
                if "/" in domain or " " in domain or "." not in domain:
                    raise self.fail(fields["domains"],
                                    f"{key}: domain {domain!r} must be a host name like tass.com")
            language = self.string(fields["language"], f"{key}: language", required=False) \
                if "language" in fields else None
            for label in (key, *aliases):
                folded = _fold(label)
                if folded in labels and labels[folded][0] != key:
                    other, line = labels[folded]
                    raise self.fail(key_node, f"duplicate label {label!r}: also used by "
                                              f"{other!r} (line {line})")
                labels[folded] = (key, key_node.start_mark.line + 1)
            out[key] = SourceEntry(key=key, name=name or key, aliases=aliases,
                                   domains=tuple(d.lower().strip(".") for d in domains),
                                   language=language)
        return out

    def pins(self, node: yaml.Node) -> list[Pin]:
        out = []
        for i, item in enumerate(self.sequence(node, "pins"), 1):
            what = f"pins[{i}]"
            fields = {k: v for k, _, v in self.mapping(item, what)}
            if "source" not in fields:
                raise self.fail(item, f"{what}: missing 'source'")
            if "url" not in fields:
                raise self.fail(item, f"{what}: missing 'url'")
            url = self.string(fields["url"], f"{what}: url")
            assert url is not None
            if not url.startswith(("http://", "https://")):
                raise self.fail(fields["url"], f"{what}: url must start with http:// or https://")
            out.append(Pin(
                source=self.string(fields["source"], f"{what}: source") or "",
                date=self.date(fields["date"], f"{what}: date") if "date" in fields else None,
                url=url,
                title=self.string(fields["title"], f"{what}: title", required=False)
                if "title" in fields else None,
                quotes=self.strings(fields["quotes"], f"{what}: quotes")
                if "quotes" in fields else (),
            ))
        return out

    def documents(self, node: yaml.Node) -> list[DocumentEntry]:
        out = []
        for i, item in enumerate(self.sequence(node, "documents"), 1):
            what = f"documents[{i}]"
            fields = {k: v for k, _, v in self.mapping(item, what)}
            path = self.string(fields["path"], f"{what}: path") if "path" in fields else None
            url = self.string(fields["url"], f"{what}: url") if "url" in fields else None
            if not path and not url:
                raise self.fail(item, f"{what}: needs a 'path' or a 'url'")
            published = self.date(fields["published"], f"{what}: published", full=True) \
                if "published" in fields else None
            out.append(DocumentEntry(path=path, url=url, published=published))
        return out


def _failing_scalar(node: yaml.Node, loader_cls: Any) -> yaml.Node | None:
    """The first scalar below ``node`` that the safe constructor cannot build."""
    stack = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, yaml.ScalarNode):
            loader = loader_cls("")
            try:
                loader.construct_object(current)
            except Exception:  # noqa: BLE001 - any failure marks the culprit
                return current
            finally:
                loader.dispose()
        elif isinstance(current, yaml.MappingNode):
            stack.extend(v for pair in current.value for v in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    return {dict: "a mapping", list: "a list", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def _yaml_reason(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or exc.context or "invalid YAML"
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in problem:
        return f"unsupported YAML tag (only plain data is allowed): {problem}"
    return f"invalid YAML: {problem}"
