"""Replay the golden corpus through dos_native: the JSON envelope (`call`) and
the object dispatcher (`dispatch`) must both give the reference's decisions."""
import json

import pytest

import dos_native


def _take(v, path):
    *parents, leaf = path.split(".")
    for p in parents:
        if isinstance(v, list) and p.isdigit():
            v = v[int(p)] if int(p) < len(v) else None
        elif isinstance(v, dict):
            v = v.get(p)
        else:
            return None
    return v.pop(leaf, None) if isinstance(v, dict) else None


def _check(place, rec, got):
    want = rec["expected"]
    for path, facts in rec["prose"].items():
        ours = _take(got, path)
        _take(want, path)
        for fact in facts:
            assert isinstance(ours, str) and fact in ours, f"{place}: prose {path!r}={ours!r} lacks {fact!r}"
    assert got == want or json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True), (
        f"{place}: request={rec['request']}\n got  {got!r}\n want {want!r}"
    )


def test_envelope_replays_the_corpus(golden):
    n = 0
    for place, rec in golden():
        out = dos_native.call(rec["request"])
        resp = json.loads(out)
        n += 1
        if rec["error"]:
            assert resp["ok"] is False and resp["error"]["code"] == rec["error"], f"{place}: {resp}"
            continue
        assert resp["ok"] is True, f"{place}: {resp}"
        if rec["exact"] is not None and not rec["prose"]:
            # No prose: the response is fixed bytes.
            assert out == '{"abi":1,"ok":true,"verdict":' + rec["exact"] + "}", f"{place}: {out}"
        _check(place, rec, resp["verdict"])
    assert n >= 1000


def test_dispatch_replays_the_corpus(golden):
    for place, rec in golden():
        req = json.loads(rec["request"])
        if rec["error"]:
            with pytest.raises(dos_native.DosError) as e:
                dos_native.dispatch(req["op"], req["args"], req["config"])
            assert e.value.code == rec["error"]
            continue
        got = dos_native.dispatch(req["op"], req["args"], req["config"])
        _check(place, rec, got)
