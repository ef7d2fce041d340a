"""Golden cases for `dos.answer_shape.classify`: the reference's own table
(no policy, empty and whitespace text, the viability floor, the generic
signatures incl. the leaked chain-of-thought, strict answer markers, broken
host patterns), the generic policy over random text, and random host
policies (random CPython patterns, refused ones included, over random text
with Unicode case traps and control characters).

`policy` is the `AnswerShapePolicy` fields (pattern lists become the tuples
the dataclass holds), null for no policy, or absent for the default. Fields
are read typed, as the native op reads them (a wrong type is BAD_ARGS)."""
from dos import answer_shape as a

from . import _regex
from .common import cases, op
from .evidence import _Refused, check_args

SURROGATE = __import__("re").compile("[\ud800-\udfff]")


def _policy(p):
    if p is None:
        return None
    if type(p) is not dict or set(p) - {"min_viable_chars", "non_answer_patterns", "answer_markers"}:
        raise _Refused("policy")
    kw = {}
    if "min_viable_chars" in p:
        v = p["min_viable_chars"]
        if type(v) is not int or not -2**63 <= v < 2**63:
            raise _Refused("min_viable_chars")
        kw["min_viable_chars"] = v
    for k in ("non_answer_patterns", "answer_markers"):
        if k in p:
            if type(p[k]) is not list or not all(type(x) is str for x in p[k]):
                raise _Refused(k)
            kw[k] = tuple(p[k])
    return a.AnswerShapePolicy(**kw)


def _fields(v):
    return {"state": v.state.value, "length": v.length, "matched": v.matched, "reason": v.reason}


def _facts(args, v):
    if v["state"] == "NON_ANSWER" and v["matched"]:
        return {"reason": [] if SURROGATE.search(v["matched"]) else [repr(v["matched"])]}
    if v["state"] == "NON_ANSWER" and "floor" in v["reason"]:
        return {"reason": [str(args["policy"].get("min_viable_chars", 1))]}
    return {"reason": [{"ANSWER_SHAPED": "NOT a claim of correctness", "NON_ANSWER": "NON_ANSWER",
                        "INDETERMINATE": "abstain"}[v["state"]]]}


@op("answer_shape.classify", prose=("reason",), facts=_facts)
def _classify(args, config):
    check_args(args, {"text": True, "policy": False})
    t = args["text"]
    if t is not None and type(t) is not str:
        raise _Refused("text")
    if "policy" in args:
        return _fields(a.classify(t, policy=_policy(args["policy"])))
    return _fields(a.classify(t))


TABLE = [
    {"text": "a perfectly fine looking answer", "policy": None},
    {"text": None},
    {"text": ""},
    {"text": "   \n\t  "},
    {"text": "0", "policy": {"min_viable_chars": 10}},
    {"text": "12345", "policy": {"min_viable_chars": 5}},
    {"text": "7"},
    {"text": "Let me think about this. The fin_metric segment-vs-total computation looks off; <thinking> I should "
             "recompute the cloud growth but the table chunk </thinking> ... " + "x" * 5000},
    {"text": "I cannot answer that question based on the provided documents."},
    {"text": "tool_call: search(query='revenue 2023')"},
    {"text": "Traceback (most recent call last):\n  File ...\nValueError: boom"},
    {"text": "Step 1: retrieve the filing. Step 2: extract the number."},
    {"text": "Microsoft's FY2023 total revenue was $211.9 billion, up 7% YoY."},
    {"text": "Google Cloud grew by $261.70 billion in 2023."},
    {"text": "A normal, complete sentence answering the question."},
    {"text": "Answer: the revenue was $211.9B.", "policy": {"answer_markers": [r"\bAnswer:"]}},
    {"text": "the revenue was $211.9B.", "policy": {"answer_markers": [r"\bAnswer:"]}},
    {"text": "<thinking>hmm</thinking> Answer: 42",
     "policy": {"non_answer_patterns": ["<thinking>"], "answer_markers": [r"\bAnswer:"]}},
    {"text": "a normal answer", "policy": {"non_answer_patterns": ["(unclosed group"]}},
    {"text": "<thinking>leak</thinking>", "policy": {"non_answer_patterns": ["(bad", "<thinking>"]}},
    {"text": "a clean answer"},
    {"text": "<thinking>x</thinking>"},
    {"text": "ok", "policy": {"min_viable_chars": 10, "non_answer_patterns": list(a.GENERIC_NON_ANSWER_PATTERNS)}},
    {"text": "INTERNAL DEBUG: foo", "policy": {"non_answer_patterns": list(a.GENERIC_NON_ANSWER_PATTERNS) + ["internal debug"]}},
    {"text": "Paris is the capital", "policy": {"non_answer_patterns": list(a.GENERIC_NON_ANSWER_PATTERNS), "answer_markers": ["^Answer:"]}},
    {"text": "Answer: Paris", "policy": {"non_answer_patterns": list(a.GENERIC_NON_ANSWER_PATTERNS), "answer_markers": ["^Answer:"]}},
    {"text": "a clean answer here", "policy": {"non_answer_patterns": list(a.GENERIC_NON_ANSWER_PATTERNS) + ["[unclosed"]}},
    # Unicode case traps under IGNORECASE, and the multiline anchor.
    {"text": "ſtep 1: go"}, {"text": "STEP 1:\u00a0go"}, {"text": "step 1:"}, {"text": "step 1: "},
    {"text": "I CANNOT\nanswer"}, {"text": "I cannot, sorry: ANSWER"}, {"text": "İ cannot answer"},
    {"text": "x\n  TOOL_USE y"}, {"text": "x tool_use"}, {"text": "\u2028tool_call"}, {"text": "\x85tool_call"},
    {"text": "im sorry i can't"}, {"text": "I'm Unable, I cannot"}, {"text": "I’m sorry I can't"},
    {"text": "traceback (most recent call last)"}, {"text": "let me thinking"}, {"text": "_let me think"},
    {"text": "élet me think"}, {"text": "1let me reason"}, {"text": "<THINKING>"}, {"text": "<thınkıng>"},
    {"text": "\ud800 answer"}, {"text": "\x00"}, {"text": "\x1c\x1d\x1e\x1f"}, {"text": "\u200b"},
    {"text": "abc", "policy": {"min_viable_chars": 0}}, {"text": "abc", "policy": {"min_viable_chars": -5}},
    {"text": "abc", "policy": {"min_viable_chars": 4}}, {"text": " abc ", "policy": {"min_viable_chars": 4}},
    {"text": "abc", "policy": {}},
    {"text": "kelvin", "policy": {"non_answer_patterns": ["K"]}},
    {"text": "strasse", "policy": {"non_answer_patterns": ["ſ"]}},
    {"text": "ΣΑΣ", "policy": {"non_answer_patterns": ["ς"]}},
    {"text": "x", "policy": {"non_answer_patterns": [""]}},
    {"text": "x", "policy": {"answer_markers": ["(", "x"]}},
    {"text": "x", "policy": {"answer_markers": ["["]}},
    {"text": "ab\n", "policy": {"non_answer_patterns": ["b$"]}},
    {"text": "ab\nc", "policy": {"non_answer_patterns": ["^c"]}},
    # refused shapes
    {"text": 5}, {"text": "x", "policy": "p"}, {"text": "x", "policy": {"min_viable_chars": True}},
    {"text": "x", "policy": {"min_viable_chars": 1.5}}, {"text": "x", "policy": {"non_answer_patterns": "x"}},
    {"text": "x", "policy": {"non_answer_patterns": [1]}}, {"text": "x", "policy": {"unknown": 1}},
    {"text": "x", "extra": 1}, {}, {"policy": None},
]


@cases
def _cases(rng):
    for args in TABLE:
        yield "answer_shape.classify", args
    for _ in range(260):
        yield "answer_shape.classify", {"text": _regex.text(rng)}
    for _ in range(700):
        pol = {}
        if rng.random() < 0.5:
            pol["min_viable_chars"] = rng.choice([0, 1, 2, 5, 12, -1])
        pol["non_answer_patterns"] = [_regex.pattern(rng) for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.4:
            pol["answer_markers"] = [_regex.pattern(rng) for _ in range(rng.randint(1, 2))]
        yield "answer_shape.classify", {"text": _regex.text(rng), "policy": pol}
