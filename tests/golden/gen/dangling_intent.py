"""Golden cases for `dos.dangling_intent.classify_stop`: the reference's own
table (the real dangling narration, clean stops, acted-after, the cue
variety, the resolved guard, the tail window, empty cue sets, refused
negative counts), the default grammar over random narrations (Unicode that
casefolds longer, control characters, sentence stops), and random host cue
sets (random CPython patterns, refused ones included).

`ev` is the `StopEvidence` fields, `policy` (optional) the `DanglingPolicy`
fields (cues a list, held as the tuple). Fields are read typed, as the
native op reads them; a pattern CPython refuses raises `re.error` in the
reference, recorded as BAD_ARGS (the native op refuses it naming the cue)."""
import re

from dos import dangling_intent as di

from . import _regex
from .common import cases, op
from .evidence import _Refused, check_args

SURROGATE = re.compile("[\ud800-\udfff]")


def _int(v, what):
    if type(v) is not int or not -2**63 <= v < 2**63:
        raise _Refused(what)
    return v


def _ev(d):
    if type(d) is not dict or set(d) - {"final_turn_text", "results_after_turn"} or "final_turn_text" not in d:
        raise _Refused("ev")
    if type(d["final_turn_text"]) is not str:
        raise _Refused("final_turn_text")
    kw = {"final_turn_text": d["final_turn_text"]}
    if "results_after_turn" in d:
        kw["results_after_turn"] = _int(d["results_after_turn"], "results_after_turn")
    return di.StopEvidence(**kw)


def _policy(d):
    if type(d) is not dict or set(d) - {"cues", "tail_chars"}:
        raise _Refused("policy")
    kw = {}
    if "cues" in d:
        if type(d["cues"]) is not list or not all(type(c) is str for c in d["cues"]):
            raise _Refused("cues")
        kw["cues"] = tuple(d["cues"])
    if "tail_chars" in d:
        kw["tail_chars"] = _int(d["tail_chars"], "tail_chars")
    return di.DanglingPolicy(**kw)


def _facts(args, v):
    if v["verdict"] == "DANGLING_INTENT":
        return {"reason": [] if SURROGATE.search(v["matched_cue"]) else [repr(v["matched_cue"])]}
    n = args["ev"].get("results_after_turn", 0)
    if n > 0:
        return {"reason": [str(n), "landed after"]}
    return {"reason": ["no committed-future-intent cue"]}


@op("dangling_intent.classify_stop", prose=("reason",), facts=_facts)
def _classify_stop(args, config):
    check_args(args, {"ev": True, "policy": False})
    ev = _ev(args["ev"])  # a negative count raises ValueError: BAD_ARGS
    pol = _policy(args["policy"]) if "policy" in args else di.DEFAULT_POLICY
    try:
        v = di.classify_stop(ev, pol)
    except re.error as e:
        raise _Refused(f"cue: {e}") from None
    return {"verdict": v.verdict.value, "matched_cue": v.matched_cue, "reason": v.reason}


REAL = ('Lumina Healthcare has been successfully set up as an active customer account, and the '
        '"Lumina Implementation Coordination" support group has been created.\n\n'
        'Now, to allocate the appropriate internal personnel, I need to identify a manager and two '
        'non-managers with prior experience in installed base support.')
TABLE = [
    {"ev": {"final_turn_text": REAL, "results_after_turn": 0}},
    {"ev": {"final_turn_text": "All requested changes have been made: the account is active and the group is created "
                               "with the three members assigned.", "results_after_turn": 0}},
    {"ev": {"final_turn_text": REAL, "results_after_turn": 2}},
    {"ev": {"final_turn_text": "I still need to assign the members."}},
    {"ev": {"final_turn_text": "Next, I will create the change request."}},
    {"ev": {"final_turn_text": "I was unable to complete the membership step."}},
    {"ev": {"final_turn_text": "The audit row remains to be added."}},
    {"ev": {"final_turn_text": "The group now has members and the personnel allocation policy is documented."}},
    {"ev": {"final_turn_text": "I needed to add the members, which I have now done successfully."}},
    {"ev": {"final_turn_text": "I have provisioned the VPC. Now I need to attach the security group and deploy the stack."}},
    {"ev": {"final_turn_text": REAL}, "policy": {"cues": []}},
    {"ev": {"final_turn_text": "I need to create the group first. " + "Done. " * 200 + "All steps are complete and verified."},
     "policy": {"tail_chars": 120}},
    {"ev": {"final_turn_text": "I need to create the group first. " + "x " * 500}, "policy": {"tail_chars": 0}},
    {"ev": {"final_turn_text": "x"}, "policy": {"tail_chars": -1}},
    {"ev": {"final_turn_text": "x", "results_after_turn": -1}},
    {"ev": {"final_turn_text": ""}},
    # Each default cue, its guard, the sentence clip, and casefolding that lengthens the text.
    {"ev": {"final_turn_text": "I have to restart it"}}, {"ev": {"final_turn_text": "I'll now need to rerun"}},
    {"ev": {"final_turn_text": "i will then proceed to deploy"}}, {"ev": {"final_turn_text": "next i should"}},
    {"ev": {"final_turn_text": "I should now proceed"}}, {"ev": {"final_turn_text": "I haven't not yet finished"}},
    {"ev": {"final_turn_text": "I had not been able to"}}, {"ev": {"final_turn_text": "I cannot merge it yet."}},
    {"ev": {"final_turn_text": "I cannot " + "x" * 41 + " yet"}}, {"ev": {"final_turn_text": "Still to be done: docs"}},
    {"ev": {"final_turn_text": "It remain to be completed"}}, {"ev": {"final_turn_text": "To finish this, I must call"}},
    {"ev": {"final_turn_text": "Now, to wrap up, I will need"}}, {"ev": {"final_turn_text": "I need to fix it; it has been done"}},
    {"ev": {"final_turn_text": "It has been done. I need to fix it"}}, {"ev": {"final_turn_text": "I need to fix it! has been done"}},
    {"ev": {"final_turn_text": "I need to fix it\nhas been done"}}, {"ev": {"final_turn_text": "I need to fix it, already set up"}},
    {"ev": {"final_turn_text": "ßßßß I need to act. It is now done"}}, {"ev": {"final_turn_text": "ﬁﬁﬁ i still have to. x"}},
    {"ev": {"final_turn_text": "İ need to go"}}, {"ev": {"final_turn_text": "I NEED TO GO"}},
    {"ev": {"final_turn_text": "I\u00a0need to go"}}, {"ev": {"final_turn_text": "I need to\u0085"}},
    {"ev": {"final_turn_text": "\ud800 I need to"}}, {"ev": {"final_turn_text": "I need to \x00"}},
    {"ev": {"final_turn_text": "I need to go"}, "policy": {"cues": ["(", r"\bi need"]}},
    {"ev": {"final_turn_text": "I need to go"}, "policy": {"cues": [r"\bi need"]}},
    {"ev": {"final_turn_text": "I need to go"}, "policy": {"cues": [r"\bI need"]}},
    {"ev": {"final_turn_text": "I need to go"}, "policy": {"cues": [" *"]}},
    {"ev": {"final_turn_text": "I need to go"}, "policy": {"cues": ["", "go"]}},
    {"ev": {"final_turn_text": "I need to go", "results_after_turn": 0}, "policy": {"tail_chars": 5}},
    # refused shapes
    {"ev": {"final_turn_text": None}}, {"ev": {"final_turn_text": 3}}, {"ev": {}}, {"ev": "x"}, {},
    {"ev": {"final_turn_text": "x", "results_after_turn": True}}, {"ev": {"final_turn_text": "x", "extra": 1}},
    {"ev": {"final_turn_text": "x"}, "policy": {"cues": "x"}}, {"ev": {"final_turn_text": "x"}, "policy": {"tail_chars": 1.0}},
    {"ev": {"final_turn_text": "x"}, "policy": {"bogus": 1}}, {"ev": {"final_turn_text": "x"}, "other": 1},
]

STOPS = [".", "!", "?", "\n", " ", ", ", "; "]
INTENTS = ["I need to", "I still have to", "I'll now need to ", "Next, I will", "I should continue", "I was unable to",
           "I have not yet completed", "I cannot do that yet", "yet to be created", "remains to be done",
           "to do this, I must", "Now to finish I will", "has been done", "already completed", "now set up",
           "I needed to", "I will", "ſtill", "İ need to", "I NEED TO"]


def _narration(rng):
    parts = []
    for _ in range(rng.randint(0, 6)):
        r = rng.random()
        if r < 0.45:
            parts.append(rng.choice(INTENTS))
        elif r < 0.65:
            parts.append(rng.choice(STOPS))
        else:
            parts.append(_regex.text(rng, 2))
    return " ".join(parts)


@cases
def _cases(rng):
    for args in TABLE:
        yield "dangling_intent.classify_stop", args
    for _ in range(400):
        ev = {"final_turn_text": _narration(rng)}
        if rng.random() < 0.2:
            ev["results_after_turn"] = rng.choice([0, 1, 3])
        args = {"ev": ev}
        if rng.random() < 0.3:
            args["policy"] = {"tail_chars": rng.choice([0, 1, 10, 30, 600])}
        yield "dangling_intent.classify_stop", args
    for _ in range(500):
        pol = {"cues": [_regex.pattern(rng) for _ in range(rng.randint(0, 3))]}
        if rng.random() < 0.4:
            pol["tail_chars"] = rng.choice([0, 3, 20, 600])
        text = _narration(rng) if rng.random() < 0.5 else _regex.text(rng)
        yield "dangling_intent.classify_stop", {"ev": {"final_turn_text": text}, "policy": pol}
