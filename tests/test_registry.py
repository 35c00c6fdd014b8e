"""The source registry: loading, validation with file and line, lookups."""

from pathlib import Path

import pytest
import yaml

from citecheck import registry as registry_module
from citecheck.errors import ConfigError
from citecheck.registry import Registry, find_registry, load_registry, parse_registry

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
sources:
  TASS:
    name: TASS Russian News Agency
    aliases: [ITAR-TASS]
    domains: [tass.com, tass.ru]
    language: ru
    homepage: https://tass.com/   # unknown keys are tolerated
  Russian MOD:
    domains: [mil.ru]
pins:
  - source: Russian MOD
    date: 2016-04-29
    url: https://eng.mil.ru/en/news_page/country/more.htm?id=12345
    title: Aerospace Security
    quotes: [Aerospace Security]
  - source: itar-tass
    date: April 2017
    url: https://tass.com/world/1
  - source: TASS
    date: 2017
    url: https://tass.com/world/2
documents:
  - path: briefs/example.txt
    published: 2018-06-04
  - url: https://jamestown.org/program/ties/?utm_source=x
    published: June 4, 2018
future_section: {anything: goes}
"""


@pytest.fixture()
def registry():
    return parse_registry(GOOD, "citations.yaml")


def test_sources_parsed(registry):
    tass = registry.sources["TASS"]
    assert tass.name == "TASS Russian News Agency"
    assert tass.aliases == ("ITAR-TASS",) and tass.domains == ("tass.com", "tass.ru")
    assert tass.language == "ru"
    assert registry.sources["Russian MOD"].name == "Russian MOD"


@pytest.mark.parametrize(
    ("label", "key"),
    [("TASS", "TASS"), ("tass", "TASS"), ("ITAR-TASS", "TASS"), ("Itar-Tass", "TASS"),
     ("russian  MOD", "Russian MOD"), ("tass.ru", "TASS"), ("www.tass.com", "TASS"),
     ("Eng.Mil.ru", "Russian MOD"), ("Xinhua", None), ("", None), ("ru", None)],
)
def test_lookup(registry, label, key):
    entry = registry.lookup(label)
    assert (entry.key if entry else None) == key


def test_pins(registry):
    pin = registry.pin_for("Russian MOD", "2016-04-29")
    assert pin.url.startswith("https://eng.mil.ru/") and pin.quotes == ("Aerospace Security",)
    assert registry.pin_for("russian mod", "2016-04-30") is None
    assert registry.pin_for("TASS", "2017-04").url == "https://tass.com/world/1"
    assert registry.pin_for("ITAR-TASS", "2017").url == "https://tass.com/world/2"
    assert len(registry.pins_for("tass")) == 2


def test_published_for(registry, tmp_path):
    assert registry.published_for("briefs/example.txt") == "2018-06-04"
    assert registry.published_for("/elsewhere/briefs/example.txt") == "2018-06-04"
    assert registry.published_for("example.txt") == "2018-06-04"
    assert registry.published_for("https://JAMESTOWN.org/program/ties/") == "2018-06-04"
    assert registry.published_for("https://jamestown.org/other/") is None
    assert registry.published_for("other.txt") is None


def test_document_path_relative_to_the_registry_file(tmp_path):
    (tmp_path / "briefs").mkdir()
    brief = tmp_path / "briefs" / "b.txt"
    brief.write_text("x")
    config = tmp_path / "citations.yaml"
    config.write_text("documents:\n  - path: briefs/b.txt\n    published: 2018-01-02\n")
    assert load_registry(config).published_for(str(brief)) == "2018-01-02"


def test_empty_and_default(tmp_path, monkeypatch):
    assert len(Registry.empty()) == 0 and Registry.empty().lookup("TASS") is None
    assert len(parse_registry("", "c.yaml")) == 0
    assert len(parse_registry("sources:\n", "c.yaml")) == 0
    monkeypatch.chdir(tmp_path)
    assert find_registry(None).path is None
    (tmp_path / "citations.yaml").write_text("sources:\n  TASS: {}\n")
    assert list(find_registry(None).sources) == ["TASS"]
    other = tmp_path / "other.yaml"
    other.write_text("sources:\n  CSIS: {}\n")
    assert list(find_registry(str(other)).sources) == ["CSIS"]


def test_shipped_registry_covers_the_example_sources():
    registry = load_registry(ROOT / "citations.yaml")
    expected = {
        "MOFA": {"fmprc.gov.cn", "mfa.gov.cn"}, "Xinhua": {"xinhuanet.com", "news.cn"},
        "SIPRI": {"sipri.org"}, "USNI": {"usni.org"}, "CPIFA": {"cpifa.org"},
        "China Brief": {"jamestown.org"}, "Press TV": {"presstv.ir", "presstv.com"},
        "Russian MOD": {"mil.ru"}, "CSIS": {"csis.org"}, "TASS": {"tass.com", "tass.ru"},
        "CFAU": {"cfau.edu.cn"}, "USCC": {"uscc.gov"},
    }
    assert {k: set(v.domains) for k, v in registry.sources.items()} == expected
    assert registry.published_for(
        "examples/china-russia-security-ties-2018-06-04.txt") == "2018-06-04"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("sources: [a, b]\n", 1, "sources must be a mapping"),
        ("- just\n- a list\n", 1, "the registry must be a mapping"),
        ("sources:\n  TASS: 3\n", 2, "must be a mapping"),
        ("sources:\n  TASS:\n    name: [a]\n", 3, "name must be a non-empty string"),
        ("sources:\n  TASS:\n    domains: [https://tass.com/]\n", 3, "must be a host name"),
        ("sources:\n  TASS:\n    domains: [1, 2]\n", 3, "domains must be a list of strings"),
        ("sources:\n  TASS:\n    language: {x: 1}\n", 3, "language must be"),
        ("sources:\n  TASS: {}\n  CSIS:\n    aliases: [tass]\n", 3, "duplicate label 'tass'"),
        ("sources:\n  TASS: {}\n  TASS: {}\n", 3, "duplicate key 'TASS'"),
        ("pins: {a: 1}\n", 1, "pins must be a list"),
        ("pins:\n  - url: http://x/\n", 2, "missing 'source'"),
        ("pins:\n  - source: TASS\n", 2, "missing 'url'"),
        ("pins:\n  - source: TASS\n    url: ftp://x/\n", 3, "must start with http"),
        ("pins:\n  - source: TASS\n    url: http://x/\n    date: someday\n", 4, "must be a date"),
        ("pins:\n  - source: TASS\n    url: http://x/\n    date: 2017-13-01\n", 4,
         "invalid value '2017-13-01'"),
        ("pins:\n  - source: TASS\n    url: http://x/\n    date: '2017-13'\n", 4,
         "must be a date"),
        ("pins:\n  - source: TASS\n    url: http://x/\n    date: 2017-02-30\n", 4,
         "invalid value '2017-02-30'"),
        ("documents:\n  - path: a.txt\n    published: 2018\n", 3, "must be a full date"),
        ("documents:\n  - {}\n", 2, "needs a 'path' or a 'url'"),
        ("sources:\n  TASS: !!python/object:os.system {}\n", 2, "unsupported YAML tag"),
        ("x: !!python/name:os.system\n", 1, "unsupported YAML tag"),
        ("sources:\n  TASS: {name: 'x'\n", 3, "invalid YAML"),
        ("sources:\n\tTASS: {}\n", 2, "invalid YAML"),
    ],
)
@pytest.mark.parametrize("loader", ["libyaml", "pure"])
def test_invalid_registries_name_file_line_reason(tmp_path, monkeypatch, text, line, reason,
                                                  loader):
    # libyaml's parser (the default when present) keeps the line numbers too
    if loader == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    monkeypatch.setattr(registry_module, "LOADER",
                        yaml.CSafeLoader if loader == "libyaml" else yaml.SafeLoader)
    path = tmp_path / "citations.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_registry(path)
    assert info.value.path == str(path)
    assert info.value.line == line, str(info.value)
    assert reason in info.value.reason
    assert str(info.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b"sources:\n  \xff\xfe: {}\n"), "not UTF-8"),
    ],
)
def test_unreadable_registry(tmp_path, make, reason):
    path = tmp_path / "citations.yaml"
    make(path)
    with pytest.raises(ConfigError, match=reason):
        load_registry(path)


def test_libyaml_is_the_default_loader_when_present():
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert registry_module.LOADER is expected
    # and what it loads is what the pure-Python loader loads
    fast = parse_registry(GOOD, "citations.yaml")
    registry_module.LOADER = yaml.SafeLoader
    try:
        pure = parse_registry(GOOD, "citations.yaml")
    finally:
        registry_module.LOADER = expected
    assert (fast.sources, fast.pins, fast.documents) == (pure.sources, pure.pins, pure.documents)


def test_registry_over_the_size_cap_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(registry_module, "MAX_REGISTRY_BYTES", 1000)
    path = tmp_path / "citations.yaml"
    path.write_text("sources:\n" + "".join(f"  S{i}: {{}}\n" for i in range(200)))
    assert path.stat().st_size > 1000
    with pytest.raises(ConfigError) as info:
        load_registry(path)
    assert info.value.line is None
    assert "over the 1 kB limit" in info.value.reason
    assert str(info.value).count("\n") == 0
    # at the cap it loads
    path.write_text("sources:\n  TASS: {}\n" + "#" * (1000 - 21) + "\n")
    assert path.stat().st_size == 1000
    assert list(load_registry(path).sources) == ["TASS"]


def test_registry_that_is_not_a_regular_file_is_read_only_up_to_the_cap(tmp_path, monkeypatch):
    # a FIFO (or /dev/zero) has no size to stat: the read itself stops at the cap
    import os
    import threading

    monkeypatch.setattr(registry_module, "MAX_REGISTRY_BYTES", 1000)
    fifo = tmp_path / "registry.fifo"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "w") as fh:
            try:
                fh.write("sources:\n" + "#" * 5000 + "\n")
            except BrokenPipeError:
                pass

    thread = threading.Thread(target=writer)
    thread.start()
    with pytest.raises(ConfigError, match="over the 1 kB limit"):
        load_registry(fifo)
    thread.join(5)


def test_cli_refuses_an_oversized_registry_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from citecheck.cli import cli

    monkeypatch.setattr(registry_module, "MAX_REGISTRY_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("sources:\n" + "".join(f"  S{i}: {{}}\n" for i in range(200)))
    result = CliRunner().invoke(cli, ["sources", "--config", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {path}: the registry is 2 kB, over the 1 kB limit "
        "(a registry of sources and pins is far smaller: is this the right file?)"
    ]
