"""Replay the golden corpus through dos_native: the JSON envelope (`call`) and
the object dispatcher (`dispatch`) must both give the reference's decisions."""
import json

import pytest

import dos_native


def _records(golden_dir):
    for path in sorted(golden_dir.glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                yield f"{path.name}:{n}", json.loads(line)


def _take(v, path):
    *parents, leaf = path.split(".")
    for p in parents:
        if isinstance(v, dict):
            v = v.get(p)
        elif isinstance(v, list) and p.isdigit() and int(p) < len(v):
            v = v[int(p)]
        else:
            return None
    return v.pop(leaf, None) if isinstance(v, dict) else None


def _check(place, rec, got):
    want = json.loads(rec["expected_compact"])
    for path, facts in rec["prose"].items():
        ours = _take(got, path)
        _take(want, path)
        for fact in facts:
            assert isinstance(ours, str) and fact in ours, f"{place}: prose {path!r}={ours!r} lacks {fact!r}"
    assert got == want or json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True), (
        f"{place}: request={rec['request']}\n got  {got!r}\n want {want!r}"
    )


def test_envelope_replays_the_corpus(golden_dir):
    n = 0
    for place, rec in _records(golden_dir):
        resp = json.loads(dos_native.call(rec["request"]))
        n += 1
        if rec["error"]:
            assert resp["ok"] is False and resp["error"]["code"] == rec["error"], f"{place}: {resp}"
            continue
        assert resp["ok"] is True, f"{place}: {resp}"
        _check(place, rec, resp["verdict"])
    assert n >= 1000


def test_dispatch_replays_the_corpus(golden_dir):
    for place, rec in _records(golden_dir):
        req = json.loads(rec["request"])
        if rec["error"]:
            with pytest.raises(dos_native.DosError) as e:
                dos_native.dispatch(req["op"], req["args"], req["config"])
            assert e.value.code == rec["error"]
            continue
        got = dos_native.dispatch(req["op"], req["args"], req["config"])
        _check(place, rec, got)
