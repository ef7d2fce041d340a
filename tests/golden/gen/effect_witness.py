"""Golden cases for `dos.effect_witness.witness_effect`.

`claim` is an `EffectClaim` as a dict (or None), `readbacks` a list of
`EvidenceFacts` in their `to_dict()` shape; the runner builds the reference's
objects, typed as the native op reads them (see gen/evidence.py).
"""
from dos import effect_witness as ew

from .common import NON_ASCII, cases, op, rand_text
from .evidence import (LONE, TABLE_FACTS, _Refused, _str, check_args, facts_list, name, rand_facts,
                       typed)

CLAIM = {"key": (_str, True), "subject": (_str, False), "narrated": (_str, False)}


def claim_of(d):
    return None if d is None else typed(ew.EffectClaim, d, CLAIM)


def _facts(args, v):
    if v["verdict"] == "NO_CLAIM":
        return {"reason": []}
    key = args["claim"]["key"]
    belief = ew.believe_under_floor(facts_list(args["readbacks"]))
    names = belief.attesting + belief.refuting
    if any(LONE.search(n) for n in names) or LONE.search(key):
        return {"reason": []}
    if belief.believe and belief.refuted:
        out = list(belief.attesting) + list(belief.refuting) + ["CONFLICT"]
    elif belief.believe:
        out = list(belief.attesting) + ["PRESENT"]
    elif belief.refuted:
        out = list(belief.refuting) + ["ABSENT"]
    elif belief.attesting:
        out = list(belief.attesting) + ["AGENT_AUTHORED", "forgeable floor"]
    else:
        out = []
    return {"reason": [n for n in out if n] + [repr(key)]}


@op("effect_witness.witness_effect", facts=_facts, dynamic_prose=True)
def _witness(args, config):
    check_args(args, {"claim": True, "readbacks": True})
    return ew.witness_effect(claim_of(args["claim"]), facts_list(args["readbacks"])).to_dict()


KEYS = ["quiz:Classic-Art-History", "orders:row:42", "", " ", "\t\n", "\u3000", "é", "it's \"quoted\"", "a\\b",
        "\x00\x1b", "😀", "\ud800", "line\nbreak"]


def rand_claim(rng):
    d = {"key": rng.choice(KEYS) if rng.random() < 0.5 else rand_text(rng, "abc:-_ '\"\\\n", 16, 0.2)}
    if rng.random() < 0.4:
        d["subject"] = rand_text(rng, "GET /x", 12, 0.1)
    if rng.random() < 0.4:
        d["narrated"] = rng.choice(["I created it", "done ✓", "", rand_text(rng, "abc ", 30, 0.2)])
    return d


@cases
def _cases(rng):
    claims = [None, {"key": "quiz:1"}, {"key": "orders:42", "subject": "GET /orders/42", "narrated": "row inserted"},
              {"key": ""}, {"key": "  "}, {"key": "\ud800"}]
    for c in claims:
        for f in TABLE_FACTS:
            yield "effect_witness.witness_effect", {"claim": c, "readbacks": f}
    for bad in [{}, {"claim": None}, {"readbacks": []}, {"claim": {"key": None}, "readbacks": []},
                {"claim": {}, "readbacks": []}, {"claim": {"key": 1}, "readbacks": []},
                {"claim": {"key": "k", "x": 1}, "readbacks": []}, {"claim": "k", "readbacks": []},
                {"claim": {"key": "k"}, "readbacks": None}, {"claim": {"key": "k"}, "readbacks": [None]},
                {"claim": {"key": "k"}, "readbacks": [{"source_name": "x", "accountability": "BOGUS"}]},
                {"claim": {"key": "k"}, "readbacks": [], "extra": 0}]:
        yield "effect_witness.witness_effect", bad
    for _ in range(330):
        c = None if rng.random() < 0.08 else rand_claim(rng)
        yield "effect_witness.witness_effect", {"claim": c,
                                                "readbacks": [rand_facts(rng) for _ in range(rng.choice([0, 1, 2, 3, 5]))]}
