"""Golden cases for `dos.attest`: `canonical_bytes`, `sign_hmac`, `verify_hmac`,
`receipt_from_verdict` and `Receipt.from_dict` (op `attest.receipt_from_dict`).

A receipt travels in its `to_dict()` shape (every field; the tier a token or
""); the runners rebuild the reference's `Receipt` from it (checked as the
native ops read it). Keys travel as hex (`key_hex`). `canonical_bytes` answers
the canonical bytes as the UTF-8 text they encode.
"""
import re

from dos import attest as at
from dos import effect_witness as ew

from .common import NON_ASCII, cases, op, rand_text
from .evidence import LONE, _Refused, _bool, _enum, _names, _str, check_args, facts_list, rand_facts, typed

TIERS = ("", "AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY")
TEXT_FIELDS = ("schema", "claim", "narrated", "witness_surface", "witness_author", "verdict", "timestamp", "signature")
HEX = re.compile(r"(?:[0-9a-fA-F]{2})*\Z")


def receipt_of(d):
    if type(d) is not dict:
        raise _Refused("a receipt is a dict")
    need = set(TEXT_FIELDS) | {"accountability_tier", "believe", "refuted", "algorithm"}
    if set(d) != need:
        raise _Refused("a receipt has exactly its to_dict() fields")
    for k in TEXT_FIELDS:
        _str(d[k])
    if d["accountability_tier"] not in TIERS:
        raise _Refused("the tier is a token or ''")
    _bool(d["believe"]), _bool(d["refuted"])
    _enum(at.SignatureAlgorithm)(d["algorithm"])
    return at.Receipt.from_dict(d)


def key_of(k):
    if type(k) is not str or not HEX.match(k):
        raise _Refused("key_hex is hex")
    return bytes.fromhex(k)


def _tier(v):
    return None if v is None else _enum(ew.Accountability)(v)


VERDICT = {
    "verdict": (_enum(ew._Verdict), True),
    "believe": (_bool, True),
    "refuted": (_bool, True),
    "reason": (_str, True),
    "claim_key": (_str, False),
    "narrated": (_str, False),
    "witness": (_str, False),
    "accountability": (_tier, False),
    "silent_witnesses": (_names, False),
}


@op("attest.canonical_bytes")
def _canonical(args, config):
    check_args(args, {"receipt": True})
    return at.canonical_bytes(receipt_of(args["receipt"])).decode("utf-8")


@op("attest.sign_hmac")
def _sign(args, config):
    check_args(args, {"receipt": True, "key_hex": True})
    return at.sign_hmac(receipt_of(args["receipt"]), key_of(args["key_hex"]))


def _verify_facts(args, v):
    if not v["valid"]:
        alg = args["receipt"]["algorithm"]
        return {"reason": ["HMAC verifier", alg] if alg != "HMAC-SHA256" else []}
    r = args["receipt"]
    facts = [r["accountability_tier"] or "-"]
    if r["verdict"] and not LONE.search(r["verdict"]):
        facts.append(r["verdict"])
    return {"reason": facts}


@op("attest.verify_hmac", prose=("reason",), facts=_verify_facts)
def _verify(args, config):
    check_args(args, {"receipt": True, "key_hex": True})
    receipt, key = receipt_of(args["receipt"]), key_of(args["key_hex"])
    return at.verify_hmac(receipt, key).to_dict()


@op("attest.receipt_from_verdict")
def _from_verdict(args, config):
    check_args(args, {"verdict": True, "timestamp": True, "witness_surface": False, "algorithm": False})
    kw = {"timestamp": _str(args["timestamp"])}
    if "witness_surface" in args:
        kw["witness_surface"] = _str(args["witness_surface"])
    if "algorithm" in args:
        kw["algorithm"] = _enum(at.SignatureAlgorithm)(args["algorithm"])
    return at.receipt_from_verdict(typed(ew.EffectWitnessVerdict, args["verdict"], VERDICT), **kw).to_dict()


@op("attest.receipt_from_dict")
def _from_dict(args, config):
    check_args(args, {"d": True})
    d = args["d"]
    if type(d) is not dict:
        raise _Refused("d is a dict")
    for k in TEXT_FIELDS:
        if k in d:
            _str(d[k])  # the reference would carry a non-str value into the receipt; the native op refuses it
    return at.Receipt.from_dict(d).to_dict()


# ------------------------------------------------------------------ inputs

CLAIMS = [None, {"key": "quiz:Classic-Art-History", "narrated": "created the quiz"}, {"key": "orders:42"},
          {"key": "é\x00\n=line", "narrated": "key=value\nforged=true"}]


def rand_verdict(rng):
    c = rng.choice(CLAIMS) if rng.random() < 0.5 else {"key": rand_text(rng, "ab:=\n ", 10, 0.2),
                                                       "narrated": rand_text(rng, "done ", 12, 0.2)}
    claim = None if c is None else ew.EffectClaim(**c)
    return ew.witness_effect(claim, facts_list([rand_facts(rng) for _ in range(rng.choice([0, 1, 2, 3]))])).to_dict()


def rand_receipt(rng):
    v = rand_verdict(rng)
    ts = rng.choice(["2026-01-01T00:00:00Z", "", "2026-06-04T01:02:03+00:00", rand_text(rng, "0123456789-T:Z", 20, 0)])
    alg = rng.choice(["HMAC-SHA256"] * 5 + ["ED25519"])
    r = at.receipt_from_verdict(typed(ew.EffectWitnessVerdict, v, VERDICT), timestamp=ts,
                                witness_surface=rng.choice(["", "GET /x", rand_text(rng)]),
                                algorithm=at.SignatureAlgorithm(alg))
    return r.to_dict()


def rand_key(rng):
    return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 16, 32, 64, 65, 100]))).hex()


def signed(rng, r, key_hex):
    rec = at.Receipt.from_dict(r)
    try:
        return dict(r, signature=at.sign_hmac(rec, bytes.fromhex(key_hex)))
    except UnicodeEncodeError:  # a lone surrogate: no signature can be made
        return dict(r, signature="ab" * 32)


@cases
def _cases(rng):
    base = rand_receipt(rng)
    key = "6b6579"
    yield "attest.canonical_bytes", {"receipt": base}
    yield "attest.sign_hmac", {"receipt": base, "key_hex": key}
    good = signed(rng, dict(base, algorithm="HMAC-SHA256"), key)
    yield "attest.verify_hmac", {"receipt": good, "key_hex": key}
    for bad in [{}, {"receipt": None}, {"receipt": dict(base, claim=None)}, {"receipt": dict(base, believe=1)},
                {"receipt": dict(base, accountability_tier="os_recorded")},
                {"receipt": dict(base, accountability_tier=" OS_RECORDED")},
                {"receipt": dict(base, algorithm="hmac-sha256")}, {"receipt": {k: v for k, v in base.items() if k != "schema"}},
                {"receipt": dict(base, extra=1)}, {"receipt": dict(base, claim="\ud800")},
                {"receipt": dict(base, timestamp="\udfff")}]:
        yield "attest.canonical_bytes", bad
    for bad_key in ["6b657", "zz", "6b 65", None, 5, "\u00e9\u00e9"]:
        yield "attest.sign_hmac", {"receipt": base, "key_hex": bad_key}
    # verify: valid, tampered, wrong key, other algorithm, unsigned, odd signatures
    tampers = [("claim", "quiz:other"), ("verdict", "CONFIRMED"), ("believe", True), ("refuted", False),
               ("accountability_tier", "THIRD_PARTY"), ("timestamp", "2027-01-01T00:00:00Z"), ("schema", "x@2"),
               ("narrated", "")]
    for _ in range(200):
        r = rand_receipt(rng)
        r["algorithm"] = "HMAC-SHA256" if rng.random() < 0.85 else "ED25519"
        k = rand_key(rng)
        s = signed(rng, r, k)
        kind = rng.randrange(8)
        if kind == 1:
            f, v = rng.choice(tampers)
            s = dict(s, **{f: v})
        elif kind == 2:
            k = rand_key(rng)
        elif kind == 3:
            s = dict(s, signature=s["signature"].upper())
        elif kind == 4:
            s = dict(s, signature=rng.choice(["", "00", s["signature"][:-1], s["signature"] + "0", "x" * 64]))
        elif kind == 5:
            s = dict(s, signature=rng.choice(["é" * 64, s["signature"][:-1] + "é", "\ud800"]))
        yield "attest.verify_hmac", {"receipt": s, "key_hex": k}
    for _ in range(260):
        r = rand_receipt(rng)
        yield "attest.canonical_bytes", {"receipt": r}
        yield "attest.sign_hmac", {"receipt": r, "key_hex": rand_key(rng) if rng.random() < 0.9 else rand_key(rng).upper()}
    for _ in range(40):
        yield "attest.verify_hmac", {"receipt": dict(rand_receipt(rng), signature="00" * 32), "key_hex": rand_key(rng)}
    yield "attest.verify_hmac", {"receipt": dict(good, claim="\ud800"), "key_hex": key}
    yield "attest.verify_hmac", {"receipt": dict(good, algorithm="ED25519", claim="\ud800"), "key_hex": key}
    # receipt_from_verdict
    for _ in range(230):
        args = {"verdict": rand_verdict(rng), "timestamp": rng.choice(["2026-01-01T00:00:00Z", "", rand_text(rng)])}
        if rng.random() < 0.5:
            args["witness_surface"] = rng.choice(["", "GET /quiz/1", rand_text(rng)])
        if rng.random() < 0.3:
            args["algorithm"] = rng.choice(["HMAC-SHA256", "ED25519"])
        yield "attest.receipt_from_verdict", args
    v = rand_verdict(rng)
    for bad in [{}, {"verdict": v}, {"timestamp": "t"}, {"verdict": v, "timestamp": None},
                {"verdict": dict(v, verdict="confirmed"), "timestamp": "t"}, {"verdict": dict(v, believe="yes"), "timestamp": "t"},
                {"verdict": dict(v, accountability="HUMAN"), "timestamp": "t"}, {"verdict": dict(v, x=1), "timestamp": "t"},
                {"verdict": v, "timestamp": "t", "algorithm": "RSA"}, {"verdict": v, "timestamp": "t", "witness_surface": 1},
                {"verdict": {"verdict": "CONFIRMED"}, "timestamp": "t"}, {"verdict": v, "timestamp": "t", "x": 1}]:
        yield "attest.receipt_from_verdict", bad
    # Receipt.from_dict: tolerant defaults, truthiness, stripped tier, loud unknown tokens
    dicts = [{}, base, dict(base, accountability_tier=" OS_RECORDED\n"), dict(base, accountability_tier="\u3000"),
             dict(base, accountability_tier=None), dict(base, accountability_tier=0), dict(base, accountability_tier=[]),
             dict(base, accountability_tier="HUMAN"), dict(base, accountability_tier=5),
             dict(base, accountability_tier="os_recorded"), dict(base, algorithm=None), dict(base, algorithm=""),
             dict(base, algorithm="ED25519"), dict(base, algorithm="ed25519"), dict(base, algorithm=1),
             dict(base, algorithm=[1]), dict(base, algorithm=False), dict(base, believe="no"), dict(base, believe=0),
             dict(base, refuted=[0]), dict(base, believe=None), dict(base, claim=None), dict(base, claim=3),
             dict(base, extra="kept out"), {"claim": "c"}, {"schema": "other@9"}, {"signature": "\ud800"},
             dict(base, refuted=0.0), dict(base, believe=float("nan"))]
    for d in dicts:
        yield "attest.receipt_from_dict", {"d": d}
    for bad in [{}, {"d": None}, {"d": []}, {"d": "x"}, {"d": {}, "x": 1}]:
        yield "attest.receipt_from_dict", bad
    odd = [None, "", 0, 1, True, False, [], {}, "x", " ", "OS_RECORDED", "THIRD_PARTY\t", "HMAC-SHA256", 2.5]
    for _ in range(200):
        d = {}
        for k in list(base):
            r = rng.random()
            if r < 0.55:
                d[k] = base[k]
            elif r < 0.75:
                d[k] = rng.choice(odd) if k in ("accountability_tier", "algorithm", "believe", "refuted") else rand_text(rng)
        if rng.random() < 0.2:
            d[rand_text(rng, "xyz", 4, 0)] = rng.choice(odd)
        yield "attest.receipt_from_dict", {"d": d}
