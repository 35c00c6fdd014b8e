"""The hand-written ``to_dict`` of the per-URL records give exactly what the
generic field walk (``models._record_dict``) gives: same keys, same order,
same values, so the JSON of ``check`` and ``audit`` cannot drift from the
dataclasses' fields when one is added."""

import dataclasses
import json

import pytest

from citecheck.models import LiveResult, LiveStatus, Redirect, _record_dict

RESULTS = [
    LiveResult("https://example.org/", LiveStatus.OK, 200, "https://example.org/",
               elapsed=0.123, content_type="text/html", bytes=1234,
               checked_at="2026-01-02T03:04:05Z", encoding="utf-8",
               body=b"<html>never serialised</html>"),
    LiveResult("http://a.example/x", LiveStatus.REDIRECTED, 200, "http://a.example/y",
               redirects=(Redirect("http://a.example/x", 301), Redirect("http://a.example/z", 302)),
               reasons=("redirected",), from_cache=True),
    LiveResult("http://b.example/gone", LiveStatus.DEAD, 404, reasons=("http-404", "soft-404")),
    LiveResult("http://c.example/", LiveStatus.ERROR, error="timeout: read timed out",
               reasons=("timeout",)),
    LiveResult("http://10.0.0.1/", LiveStatus.SKIPPED, reasons=("private-address",)),
    LiveResult("http://d.example/\u00e9t\u00e9", LiveStatus.BLOCKED, 403,
               "http://d.example/\u00e9t\u00e9", reasons=("http-403",), encoding=None),
]


@pytest.mark.parametrize("result", RESULTS, ids=lambda r: r.status.value)
def test_live_result_to_dict_is_the_generic_walk(result):
    fast = result.to_dict()
    assert fast == _record_dict(result)
    assert list(fast) == list(_record_dict(result))  # the same key order in the JSON
    assert list(fast) == [f.name for f in dataclasses.fields(LiveResult) if f.name != "body"]
    assert json.dumps(fast) == json.dumps(_record_dict(result))
    for redirect in result.redirects:
        assert list(redirect.to_dict().items()) == list(_record_dict(redirect).items())


def test_live_result_to_dict_copies_its_sequences():
    result = RESULTS[1]
    d = result.to_dict()
    assert isinstance(d["reasons"], list) and isinstance(d["redirects"], list)
    d["reasons"].append("x")
    assert result.reasons == ("redirected",)
