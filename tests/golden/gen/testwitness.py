"""Golden cases for `dos.testwitness.classify`: every outcome pair on every
rung, the rung left to its default, and malformed evidence (unknown, mis-cased
or non-str tokens, Unicode and control characters, missing and unknown fields).
"""
from dos import testwitness as tw

from .common import NON_ASCII, cases, op, rand_text
from .evidence import _enum, check_args, typed

OUTCOMES = ["PASSED", "FAILED", "ERRORED", "NOT_RUN"]
RUNGS = ["AGENT_AUTHORED", "OS_RECORDED", "THIRD_PARTY"]
EVIDENCE = {
    "baseline": (_enum(tw.RunOutcome), True),
    "candidate": (_enum(tw.RunOutcome), True),
    "rung": (_enum(tw.Accountability), False),
}


def _facts(args, v):
    e = v["evidence"]
    b, c = e["baseline"], e["candidate"]
    if v["verdict"] == "ABSTAIN":
        if e["rung"] == "AGENT_AUTHORED":
            return {"reason": ["AGENT_AUTHORED", b, c]}
        return {"reason": ["NOT_RUN", "baseline" if b == "NOT_RUN" else "candidate"]}
    if v["verdict"] in ("REGRESSIVE", "UNSATISFIED"):
        return {"reason": [b, c]}
    if v["verdict"] == "DISCRIMINATES":
        return {"reason": [b, "PASSED"]}
    return {"reason": ["PASSED"]}


@op("testwitness.classify", prose=("reason",), facts=_facts)
def _classify(args, config):
    check_args(args, {"evidence": True})
    return tw.classify(typed(tw.TestRunEvidence, args["evidence"], EVIDENCE)).to_dict()


@cases
def _cases(rng):
    for b in OUTCOMES:
        for c in OUTCOMES:
            yield "testwitness.classify", {"evidence": {"baseline": b, "candidate": c}}
            for r in RUNGS:
                yield "testwitness.classify", {"evidence": {"baseline": b, "candidate": c, "rung": r}}
    for bad in [{}, {"evidence": None}, {"evidence": "FAILED"}, {"evidence": {"baseline": "FAILED"}},
                {"evidence": {"candidate": "PASSED"}}, {"evidence": {"baseline": "fail", "candidate": "pass"}},
                {"evidence": {"baseline": "FAILED", "candidate": "PASSED", "rung": None}},
                {"evidence": {"baseline": "FAILED", "candidate": "PASSED", "rung": "os_recorded"}},
                {"evidence": {"baseline": "FAILED", "candidate": "PASSED", "forgeable": True}},
                {"evidence": {"baseline": "FAILED", "candidate": "PASSED"}, "extra": 1},
                {"evidence": {"baseline": 0, "candidate": "PASSED"}}, {"evidence": {"baseline": None, "candidate": None}},
                {"evidence": {"baseline": ["FAILED"], "candidate": "PASSED"}}]:
        yield "testwitness.classify", bad
    for _ in range(260):
        def tok():
            r = rng.random()
            if r < 0.45:
                return rng.choice(OUTCOMES)
            if r < 0.6:
                return rng.choice(OUTCOMES).lower()
            if r < 0.7:
                return rng.choice(OUTCOMES) + rng.choice([" ", "\n", "\x00", "\u200b", rng.choice(NON_ASCII)])
            return rand_text(rng, "PASEDFILRONTU_-\t\x01", 9, 0.2)
        ev = {"baseline": tok(), "candidate": tok()}
        if rng.random() < 0.6:
            ev["rung"] = rng.choice(RUNGS + ["agent_authored", "", rand_text(rng, "OSRECD_", 8, 0.1)])
        yield "testwitness.classify", {"evidence": ev}
