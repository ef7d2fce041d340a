"""The session-12 hand fast paths of the witness chain (python/src/witness_fast.rs):
`evidence.believe_under_floor`, `log_source.gather_log` (the built-in null
source) and the four `attest` leaves (`canonical_bytes`, `sign_hmac`,
`verify_hmac`, `receipt_from_verdict`).

Each is compared with the reference over the shapes it takes, with
accelerate() on (the trace hook counts the calls the native side served),
then over what it declines (a subclass, a `str` subclass, a lone surrogate,
a flag that is not a `bool`, a generator, a patched or plugin source, a key
that is not `bytes`), which must be answered as the reference answers it;
the typed module's answers are compared with the envelope's.
"""
import dataclasses
import itertools
import random

import pytest

dos = pytest.importorskip("dos")
import dos.attest as at  # noqa: E402
import dos.effect_witness as ew  # noqa: E402
import dos.evidence as ev  # noqa: E402
import dos.log_source as ls  # noqa: E402

import dos_native  # noqa: E402
from dos_native import _native  # noqa: E402
from dos_native import attest as TAT  # noqa: E402
from dos_native import effect_witness as TEW  # noqa: E402
from dos_native import evidence as TEV  # noqa: E402
from dos_native import log_source as TLS  # noqa: E402

OPS = ["evidence.believe_under_floor", "log_source.gather_log", "attest.canonical_bytes",
       "attest.sign_hmac", "attest.verify_hmac", "attest.receipt_from_verdict"]
ORIGINAL = {
    "believe": ev.believe_under_floor, "gather": ls.gather_log, "canonical": at.canonical_bytes,
    "sign": at.sign_hmac, "verify": at.verify_hmac, "from_verdict": at.receipt_from_verdict,
}
KEY = b"a key of some thirty-two bytes.."


def _all_facts(m, name="w"):
    """One facts record per stance x rung x reachability."""
    out = []
    for i, (s, a, r) in enumerate(itertools.product(m.EvidenceStance, m.Accountability, (True, False))):
        out.append(m.EvidenceFacts(f"{name}{i}", a, s, "subj", "det", r))
    return out


def _fact_lists(m, rng, n=150):
    facts = _all_facts(m)
    yield []
    for f in facts:
        yield [f]
    for _ in range(n):
        yield [rng.choice(facts) for _ in range(rng.randint(1, 6))]


def _drop(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


def _verdicts(w, m, rng, n=40):
    """Effect-witness verdicts of every kind, from module `w` on facts of `m`."""
    claims = [None, w.EffectClaim("k"), w.EffectClaim("orders:row:42", narrated="row inserted"),
              w.EffectClaim(" "), w.EffectClaim("é'\"=\n", narrated="said\nso")]
    facts = _all_facts(m)
    for _ in range(n):
        rb = [rng.choice(facts) for _ in range(rng.randint(0, 3))]
        yield w.witness_effect(rng.choice(claims), rb)


def test_the_fast_paths_are_registered():
    assert set(OPS) <= set(_native.fast_ops())


def test_believe_under_floor_matches_the_reference(traced):
    rng = random.Random(21)
    n = 0
    for fl in _fact_lists(ev, rng):
        for arg in (fl, tuple(fl)):
            got, want = ev.believe_under_floor(arg), ORIGINAL["believe"](arg)
            assert type(got) is ev.BeliefVerdict
            assert _drop(got.to_dict(), "reason") == _drop(want.to_dict(), "reason"), fl
            for name in ("attesting", "refuting", "silent"):
                g, w = getattr(got, name), getattr(want, name)
                assert type(g) is tuple and all(a is b for a, b in zip(g, w))
            assert type(got.reason) is str and got.reason
            n += 1
    got = ev.believe_under_floor(facts=[])
    assert _drop(got.to_dict(), "reason") == _drop(ORIGINAL["believe"](facts=[]).to_dict(), "reason")
    assert traced.count("evidence.believe_under_floor") == n + 1


def test_gather_log_null_source_matches_the_reference(traced):
    src = ls.NullLogSource()
    n = 0
    for subject, config in (("run-1", None), ("", {"a": 1}), ("\udc80", object()), (3, [])):
        got, want = ls.gather_log(src, subject, config), ORIGINAL["gather"](src, subject, config)
        assert type(got) is ls.LogEvidence
        assert _drop(got.to_dict(), "detail") == _drop(want.to_dict(), "detail")
        assert got.accountability is want.accountability and got.source_name is want.source_name
        assert type(got.detail) is str and got.detail
        n += 1
    got = ls.gather_log(source=src, subject="s", config=None)
    assert got.lines == () and got.reachable is False
    assert traced.count("log_source.gather_log") == n + 1


def test_attest_leaves_match_the_reference(traced):
    rng = random.Random(22)
    n = 0
    for v in _verdicts(ew, ev, rng):
        for kw in ({}, {"witness_surface": "probe"}, {"witness_surface": ""},
                   {"algorithm": at.SignatureAlgorithm.ED25519}):
            got = at.receipt_from_verdict(v, timestamp="2026-11-21T00:00:00Z", **kw)
            want = ORIGINAL["from_verdict"](v, timestamp="2026-11-21T00:00:00Z", **kw)
            assert type(got) is at.Receipt and got == want
            assert list(vars(got)) == list(vars(want))
            assert at.canonical_bytes(got) == ORIGINAL["canonical"](want)
            sig = at.sign_hmac(got, KEY)
            assert sig == ORIGINAL["sign"](want, KEY)
            signed = got.with_signature(sig)
            for r in (got, signed, signed.with_signature(sig[:-1] + ("0" if sig[-1] != "0" else "1")),
                      signed.with_signature(sig.upper()), signed.with_signature("xyz"),
                      dataclasses.replace(signed, claim=signed.claim + "!")):
                g, w = at.verify_hmac(r, KEY), ORIGINAL["verify"](r, KEY)
                assert type(g) is at.VerifyResult and g.valid is w.valid and type(g.reason) is str
            n += 1
    # the reference's own sign_hmac and verify_hmac call the swapped
    # canonical_bytes and sign_hmac too: those are counted at least once per loop
    assert traced.count("attest.receipt_from_verdict") == n
    assert traced.count("attest.canonical_bytes") >= n
    assert traced.count("attest.sign_hmac") >= n
    assert traced.count("attest.verify_hmac") == 6 * n


def test_what_the_fast_paths_do_not_take_is_answered_as_the_reference_does(traced, monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class SubFacts(ev.EvidenceFacts):
        pass

    @dataclasses.dataclass(frozen=True)
    class SubReceipt(at.Receipt):
        pass

    class S(str):
        pass

    class SubNull(ls.NullLogSource):
        pass

    class Plugin:
        name = "p"
        accountability = ls.Accountability.THIRD_PARTY

        def gather(self, subject, config):
            return ls.LogEvidence.reached("p", self.accountability, ("l",))

    OS, TP = ev.Accountability.OS_RECORDED, ev.Accountability.THIRD_PARTY
    att = ev.EvidenceStance.ATTESTED
    good = ev.EvidenceFacts("os", OS, att, reachable=True)
    bad = [SubFacts("sub", TP, att, reachable=True), ev.EvidenceFacts(S("n"), OS, att, reachable=True),
           ev.EvidenceFacts("\udc80", TP, att, reachable=True), ev.EvidenceFacts("one", TP, att, reachable=1),
           ev.EvidenceFacts("odd", TP, "ATTESTED", reachable=True)]
    traced.clear()
    for b in bad:
        for arg in ([good, b], (x for x in [good, b])):
            got = ev.believe_under_floor(arg)
            want = ORIGINAL["believe"]([good, b])
            assert _drop(got.to_dict(), "reason") == _drop(want.to_dict(), "reason")
    assert traced.count("evidence.believe_under_floor") == 0

    own = ls.NullLogSource()
    own.name = "mine"
    for src in (SubNull(), Plugin(), own):
        got, want = ls.gather_log(src, "s", None), ORIGINAL["gather"](src, "s", None)
        assert got == want
    monkeypatch.setattr(ls.NullLogSource, "name", "renamed")
    got, want = ls.gather_log(ls.NullLogSource(), "s", None), ORIGINAL["gather"](ls.NullLogSource(), "s", None)
    assert got == want and got.source_name == "renamed"
    monkeypatch.undo()
    assert traced.count("log_source.gather_log") == 0

    v = ew.witness_effect(ew.EffectClaim("k", narrated="n"), [good])
    r = ORIGINAL["from_verdict"](v, timestamp="t").with_signature("ab")
    sub = SubReceipt(**{f.name: getattr(r, f.name) for f in dataclasses.fields(r)})
    odd = [sub, dataclasses.replace(r, claim=S("k")), dataclasses.replace(r, believe=1)]
    for x in odd:
        assert at.canonical_bytes(x) == ORIGINAL["canonical"](x)
        assert at.sign_hmac(x, KEY) == ORIGINAL["sign"](x, KEY)
        assert at.verify_hmac(x, KEY).valid is ORIGINAL["verify"](x, KEY).valid
    assert at.sign_hmac(r, bytearray(KEY)) == ORIGINAL["sign"](r, bytearray(KEY))
    for fn in (at.canonical_bytes, ORIGINAL["canonical"]):
        with pytest.raises(UnicodeEncodeError):
            fn(dataclasses.replace(r, claim="\ud800"))
    for fn in (at.verify_hmac, ORIGINAL["verify"]):
        with pytest.raises(TypeError):
            fn(r.with_signature("é"), KEY)
    with pytest.raises(TypeError):
        at.receipt_from_verdict(v, "t")
    got = at.receipt_from_verdict(v, timestamp="t", witness_surface=S("w"))
    assert got == ORIGINAL["from_verdict"](v, timestamp="t", witness_surface=S("w"))
    # (the reference's sign_hmac and verify_hmac call the swapped
    # canonical_bytes and sign_hmac, which serve the receipts they take)
    for name in ("attest.verify_hmac", "attest.receipt_from_verdict"):
        assert traced.count(name) == 0, name


def test_typed_answers_equal_the_envelope():
    rng = random.Random(23)
    for fl in _fact_lists(TEV, rng, 60):
        got = TEV.believe_under_floor(fl)
        assert got.to_dict() == _native.dispatch("evidence.believe_under_floor", {"facts": [f.to_dict() for f in fl]})
    for subject in ("run-1", "", "\udc80"):
        got = TLS.gather_log("null", subject)
        assert got.to_dict() == _native.dispatch("log_source.gather_log", {"source": "null", "subject": subject})
    with pytest.raises(dos_native.DosError):
        TLS.gather_log("other", "s")
    key = KEY.hex()
    for v in _verdicts(TEW, TEV, rng):
        for kw in ({}, {"witness_surface": "probe"}, {"algorithm": TAT.SignatureAlgorithm.ED25519}):
            got = TAT.receipt_from_verdict(v, "2026-11-21T00:00:00Z", **kw)
            plain = {k: (x.value if hasattr(x, "value") else x) for k, x in kw.items()}
            want = _native.dispatch("attest.receipt_from_verdict",
                                    {"verdict": v.to_dict(), "timestamp": "2026-11-21T00:00:00Z", **plain})
            assert got.to_dict() == want
            d = got.to_dict()
            assert TAT.canonical_bytes(got) == _native.dispatch("attest.canonical_bytes", {"receipt": d})
            sig = TAT.sign_hmac(got, key)
            assert sig == _native.dispatch("attest.sign_hmac", {"receipt": d, "key_hex": key})
            for s in ("", sig, sig.upper(), "0" * 64):
                r = TAT.Receipt(**{**d, "signature": s})
                want = _native.dispatch("attest.verify_hmac", {"receipt": r.to_dict(), "key_hex": key})
                assert TAT.verify_hmac(r, key).to_dict() == want
    with pytest.raises(dos_native.DosError):
        TAT.sign_hmac(got, "zz")
