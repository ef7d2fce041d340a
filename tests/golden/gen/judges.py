"""Golden cases for `dos.judges`: `run_judge` with the built-in `abstain`
judge, and the settlement `run_judge` applies to what any other judge did
(`settle_judge`: the outcome is what the judge raised, returned as a
JudgeVerdict, or returned of another type).

A `Claim` travels as its fields. A plugin judge is not native: `run_judge`
names only built-in judges (BAD_ARGS for any other name), and the runner
reproduces a foreign judge's outcome with a stand-in object that raises an
exception with exactly that `repr()`, returns exactly that verdict, or
returns an object of a class with exactly that name.
"""
import re

from dos import judges as jd

from .common import NON_ASCII, cases, op, rand_text
from .evidence import _Refused, _str, check_args, plain, typed


_SURR = re.compile("[\ud800-\udfff]")


def _strs(v):
    if type(v) is not list:
        raise _Refused("expected a list")
    return tuple(_str(x) for x in v)


def _cost(v):
    if type(v) not in (int, float):
        raise _Refused("cost must be a number")
    return float(v)


def _stance(v):
    if type(v) is not str:
        raise _Refused("expected a token")
    return jd.Stance(v)


CLAIM = {"claim_text": (_str, True), "stated_reason": (_str, False), "evidence": (_strs, False),
         "subject": (_str, False)}


def _verdict(d):
    if type(d) is not dict or "stance" not in d or set(d) - {"stance", "why", "evidence", "cost"}:
        raise _Refused("a JudgeVerdict")
    return jd.JudgeVerdict(_stance=_stance(d["stance"]), why=_str(d.get("why", "")),
                           evidence=_strs(d.get("evidence", [])), cost=_cost(d.get("cost", 0.0)))


def _opt_str(o, k):
    v = o.get(k)
    return None if v is None else _str(v)


class _Standin:
    """A foreign judge that does exactly what an outcome says it did."""

    def __init__(self, name, outcome):
        self.name = name
        self._outcome = outcome

    def rule(self, claim, config):
        o = self._outcome
        if o.get("raised") is not None:
            text = o["raised"]

            class Raised(Exception):
                def __repr__(self):
                    return text

            raise Raised()
        if o.get("verdict") is not None:
            return _verdict(o["verdict"])
        t = o.get("returned_type")
        if t is None:
            return None
        return type(t, (), {})()


def _facts_run(args, v):
    return {"why": []}


def _facts_settle(args, v):
    o = args["outcome"]
    if o.get("verdict") is not None:
        return {}  # the judge's own verdict: compared exactly
    if any(_SURR.search(t or "") for t in (args["judge"], o.get("raised"), o.get("returned_type"))):
        return {"why": []}  # a why holding a lone surrogate is not text a runner can read
    name = plain(repr(args["judge"]))
    if o.get("raised") is not None:
        return {"why": name + plain(o["raised"])}
    return {"why": name + plain(o.get("returned_type") or "NoneType")}


@op("judges.run_judge", prose=("why",), facts=_facts_run)
def _run(args, config):
    check_args(args, {"judge": True, "claim": True, "config": False})
    name = _str(args["judge"])
    claim = typed(jd.Claim, args["claim"], CLAIM)
    if name != jd.AbstainJudge.name:
        raise _Refused("only the built-in judge is native")
    return jd.run_judge(jd.resolve_judge(name), claim, args.get("config")).to_dict()


def _settle_facts_dynamic(args, v):
    return _facts_settle(args, v)


@op("judges.settle_judge", prose=(), facts=_settle_facts_dynamic, dynamic_prose=True)
def _settle(args, config):
    check_args(args, {"judge": True, "outcome": True})
    name = _str(args["judge"])
    o = args["outcome"]
    if type(o) is not dict or set(o) - {"raised", "verdict", "returned_type"}:
        raise _Refused("an outcome")
    raised, rtype = _opt_str(o, "raised"), _opt_str(o, "returned_type")
    verdict = None if o.get("verdict") is None else _verdict(o["verdict"])
    if sum(x is not None for x in (raised, verdict, rtype)) > 1:
        raise _Refused("one of raised, verdict, returned_type")
    return jd.run_judge(_Standin(name, o), jd.Claim("x"), None).to_dict()


NAMES = ["abstain", "llm", "boom", "", "o'brien", 'say "hi"', "é", "😀", "a\nb", "\x00", "\ud800", "ABSTAIN",
         "abstain ", " abstain"]


def _rand_claim(rng):
    c = {"claim_text": rand_text(rng, "phase AUTH shipped.", 20, 0.15)}
    if rng.random() < 0.6:
        c["stated_reason"] = rand_text(rng, "trust me ", 16, 0.2)
    if rng.random() < 0.6:
        c["evidence"] = [rand_text(rng, "git: commit abc", 14, 0.15) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.4:
        c["subject"] = rand_text(rng, "RID-0123", 8, 0.1)
    return c


def _rand_verdict(rng):
    v = {"stance": rng.choice(["AGREE", "DISAGREE", "ABSTAIN"])}
    if rng.random() < 0.7:
        v["why"] = rand_text(rng, "backed by a commit ", 20, 0.15)
    if rng.random() < 0.5:
        v["evidence"] = [rand_text(rng, "abc ", 6, 0.2) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.5:
        v["cost"] = rng.choice([0.0, 1.5, 2.5, 1e-9, 123456.789, 0.1 + 0.2, rng.uniform(0, 10), -1.0])
    return v


@cases
def _cases(rng):
    yield "judges.run_judge", {"judge": "abstain", "claim": {"claim_text": "anything"}}
    yield "judges.run_judge", {"judge": "abstain", "claim": {"claim_text": "phase A shipped", "evidence": ["commit abc"]}}
    yield "judges.run_judge", {"judge": "abstain", "claim": {"claim_text": "phase AUTH2 shipped", "stated_reason": "trust me",
                                                            "evidence": ["git: no commit"], "subject": "RID-1"}}
    yield "judges.run_judge", {"judge": "abstain", "claim": {"claim_text": "bare"}, "config": None}
    yield "judges.run_judge", {"judge": "abstain", "claim": {"claim_text": "x"}, "config": {"reasons": ["a"], "n": 1}}
    for n in NAMES:
        yield "judges.run_judge", {"judge": n, "claim": {"claim_text": "x"}}
    for _ in range(230):
        yield "judges.run_judge", {"judge": "abstain", "claim": _rand_claim(rng),
                                   "config": rng.choice([None, {}, [1, 2], "cfg", 3, {"k": rand_text(rng)}])}
    for bad in [{}, {"judge": "abstain"}, {"claim": {"claim_text": "x"}}, {"judge": 5, "claim": {"claim_text": "x"}},
                {"judge": "abstain", "claim": "x"}, {"judge": "abstain", "claim": {}},
                {"judge": "abstain", "claim": {"claim_text": 1}},
                {"judge": "abstain", "claim": {"claim_text": "x", "evidence": "e"}},
                {"judge": "abstain", "claim": {"claim_text": "x", "evidence": [1]}},
                {"judge": "abstain", "claim": {"claim_text": "x", "extra": 1}},
                {"judge": "abstain", "claim": {"claim_text": "x"}, "extra": 1}]:
        yield "judges.run_judge", bad

    # settle_judge: the reference's tests (a raise, a truthy non-verdict, None, a good verdict), then random.
    yield "judges.settle_judge", {"judge": "boom", "outcome": {"raised": "RuntimeError('kaboom')"}}
    yield "judges.settle_judge", {"judge": "liar", "outcome": {"returned_type": "bool"}}
    yield "judges.settle_judge", {"judge": "none", "outcome": {}}
    yield "judges.settle_judge", {"judge": "good", "outcome": {"verdict": {"stance": "DISAGREE", "why": "no evidence"}}}
    yield "judges.settle_judge", {"judge": "x", "outcome": {"verdict": {"stance": "AGREE", "why": "x", "cost": 2.5}}}
    for n in NAMES:
        if "\x00" in n:
            continue
        yield "judges.settle_judge", {"judge": n, "outcome": {"raised": "ValueError('bad')"}}
        yield "judges.settle_judge", {"judge": n, "outcome": {"returned_type": "dict"}}
    for _ in range(260):
        r = rng.random()
        if r < 0.35:
            o = {"raised": rng.choice(["RuntimeError('x')", "TimeoutError()", "KeyError('k')", "Exception('é\\n')",
                                       rand_text(rng, "Err()'x ", 12, 0.2)])}
        elif r < 0.65:
            o = {"verdict": _rand_verdict(rng)}
        elif r < 0.9:
            o = {"returned_type": rng.choice(["NoneType", "dict", "bool", "str", "JudgeVerdict", "Fake",
                                              rand_text(rng, "AbcXyz_", 8, 0.2) or "T"])}
        else:
            o = {}
        if rng.random() < 0.1:
            o.update({k: None for k in ("raised", "verdict", "returned_type") if k not in o})
        yield "judges.settle_judge", {"judge": rng.choice(NAMES[:10] + [rand_text(rng, "judge-", 8, 0.2)]), "outcome": o}
    for bad in [{}, {"judge": "j"}, {"judge": "j", "outcome": None}, {"judge": "j", "outcome": {"raised": 1}},
                {"judge": "j", "outcome": {"raised": "e", "returned_type": "dict"}},
                {"judge": "j", "outcome": {"verdict": {"stance": "agree"}}},
                {"judge": "j", "outcome": {"verdict": {"why": "x"}}},
                {"judge": "j", "outcome": {"verdict": {"stance": "AGREE", "cost": "1"}}},
                {"judge": "j", "outcome": {"verdict": {"stance": "AGREE", "extra": 1}}},
                {"judge": "j", "outcome": {"verdict": {"stance": "AGREE"}, "raised": "e"}},
                {"judge": "j", "outcome": {"other": 1}}]:
        yield "judges.settle_judge", bad
    for c in [NON_ASCII[0], "\u2028"]:
        yield "judges.settle_judge", {"judge": c, "outcome": {"verdict": {"stance": "ABSTAIN", "evidence": [c]}}}
