"""Output shape, part A, on the generated route (issue 10): `answer_shape`,
`dangling_intent`, `claim_extract` and `result_state`. The typed modules
replay the golden corpus; the accelerated reference functions answer as the
reference does (decision fields; reasons are our own words), read
transcripts as it reads them, and fall back where they cannot serve."""
import dataclasses
import inspect
import json
import pathlib
import sys

import pytest

import dos_native
from dos_native import answer_shape, claim_extract, dangling_intent, result_state
from dos_native._route import to_plain

as_ref = pytest.importorskip("dos.answer_shape")
di_ref = pytest.importorskip("dos.dangling_intent")
ce_ref = pytest.importorskip("dos.claim_extract")
rs_ref = pytest.importorskip("dos.result_state")

MODULES = {"answer_shape": answer_shape, "dangling_intent": dangling_intent, "claim_extract": claim_extract,
           "result_state": result_state}
# The ops that read files have no golden corpus (they are checked below on real files).
READERS = {"claim_extract.assistant_text_from_transcript", "result_state.terminal_evidence_from_transcript",
           "result_state.verify_transcript", "coverage.coverage_from_transcripts"}


def _records(golden_dir, op):
    from conftest import read_golden  # a file may hold patched records over a shared base

    yield from read_golden(golden_dir / f"{op}.jsonl.gz")


def _ops(golden_dir, module):
    return sorted(p.name[: -len(".jsonl.gz")] for p in golden_dir.glob(f"{module}.*.jsonl.gz"))


def _take(v, path):
    *head, leaf = path.split(".")
    for seg in head:
        v = v[int(seg)] if isinstance(v, list) else v.get(seg)
    if isinstance(v, list):
        return v.pop(int(leaf))
    return v.pop(leaf, None)


def test_every_op_is_typed_and_the_pure_ones_have_a_corpus(golden_dir):
    cat = dos_native.dispatch("ops")
    for module in MODULES:
        ops = [o for o in cat["ops"] if o["op"].startswith(module + ".")]
        assert ops and all(o["typed"] for o in ops)
        assert {o["op"] for o in ops if o["effect"] == "pure"} == set(_ops(golden_dir, module))
        assert {o["op"] for o in ops if o["effect"] != "pure"} == {r for r in READERS if r.startswith(module + ".")}
        assert all(o["effect"] == "reads files" for o in ops if o["op"] in READERS)


def _typed(mod, op):
    """The typed entry point of `op`: a module function, or for a method op
    (`Claim.confident`) the property of the typed record built from `self`."""
    name = op.split(".", 1)[1]
    if "." not in name:
        return getattr(mod, name)
    cls_name, prop = name.split(".")
    cls = getattr(mod, cls_name)

    def method(**a):
        if set(a) != {"self"} or not isinstance(a["self"], dict):
            raise TypeError("takes one record as self")
        this = dict(a["self"])
        # The record may carry the property back (a bool); it is recomputed.
        if prop in this and type(this.pop(prop)) is not bool:
            raise TypeError(f"{prop} must be a bool")
        return getattr(cls(**this), prop)

    return method


@pytest.mark.parametrize("module", sorted(MODULES))
def test_typed_functions_replay_the_golden_corpus(golden_dir, module):
    n = 0
    for op in _ops(golden_dir, module):
        fn = _typed(MODULES[module], op)
        for place, rec in _records(golden_dir, op):
            args = json.loads(rec["request"])["args"]
            if rec["error"]:
                with pytest.raises((dos_native.DosError, TypeError, ValueError)):
                    fn(**args)
                continue
            got = to_plain(fn(**args))
            want = rec["expected"]
            for path, facts in rec["prose"].items():
                text = _take(got, path)
                _take(want, path)
                for fact in facts:
                    assert fact in text, (place, path, fact, text)
            assert got == want, place
            n += 1
    assert n >= 300


def test_bad_args_name_the_field():
    cases = [
        ("answer_shape.classify", {"text": "x", "policy": {"non_answer_patterns": ["(?=x)"]}},
         "args.policy.non_answer_patterns[0]"),
        ("answer_shape.classify", {"text": "x", "policy": {"min_viable_chars": "1"}}, "min_viable_chars"),
        ("dangling_intent.classify_stop", {"ev": {"final_turn_text": "x"}, "policy": {"cues": ["("]}},
         "args.policy.cues[0]"),
        ("dangling_intent.classify_stop", {"ev": {"final_turn_text": "x", "results_after_turn": -1}},
         "results_after_turn"),
        ("claim_extract.extract_claims", {"text": None}, "args.text"),
        ("result_state.classify_terminal", {"evidence": {"found": True}}, "args.evidence"),
        ("result_state.terminal_evidence_from_record", {"record": {"apiErrorStatus": "²", "message": {"role": "assistant"}}},
         "args.record"),
        ("result_state.verify_transcript", {"path": "a\0b"}, "args.path"),
    ]
    for op, args, field in cases:
        with pytest.raises(dos_native.DosError) as e:
            dos_native.dispatch(op, args)
        assert e.value.code == "BAD_ARGS" and field in str(e.value), (op, str(e.value))


# ------------------------------------------------------------------ the adapter

@pytest.fixture
def swapped():
    # The leaves slower through the generic route are declared but not
    # swapped by default (_mapping.SLOWER); register them to test the mapping.
    from dos_native import _adapter
    from dos_native._mapping import SLOWER

    _adapter.register(SLOWER)
    dos_native.accelerate()
    yield
    dos_native.restore()


SWAPS = {
    as_ref: ["classify"],
    di_ref: ["classify_stop"],
    ce_ref: ["claim_from_frontmatter", "extract_claims", "assistant_text_from_transcript"],
    rs_ref: ["classify_terminal", "refusal_envelope", "terminal_evidence_from_record",
             "terminal_evidence_from_transcript", "verify_transcript"],
}


def _native_op(fn):
    return getattr(fn, "__dos_native_op__", None) or getattr(getattr(fn, "__dos_native_fast__", None),
                                                               "__dos_native_op__", None)


def test_swaps_keep_the_reference_signature(swapped):
    for mod, names in SWAPS.items():
        for name in names:
            fn = getattr(mod, name)
            assert _native_op(fn) == f"{mod.__name__[4:]}.{name}", name
            assert inspect.signature(fn) == inspect.signature(fn.__wrapped__), name


def _decision(x):
    """A result's decision fields: reasons left out."""
    if dataclasses.is_dataclass(x):
        return (type(x).__name__, {f.name: _decision(getattr(x, f.name)) for f in dataclasses.fields(x) if f.name != "reason"})
    if isinstance(x, (list, tuple)):
        return type(x)(_decision(v) for v in x)
    if isinstance(x, dict):
        return {k: _decision(v) for k, v in x.items() if k != "reason"}
    return x


def _ref_call(op, args):
    """(reference kwargs) for a golden case, or None when the reference cannot build them."""
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden"))
    from gen import answer_shape as gas
    from gen import dangling_intent as gdi
    from gen import result_state as grs

    try:
        if op == "answer_shape.classify":
            kw = {"text": args["text"]}
            if "policy" in args:
                kw["policy"] = gas._policy(args["policy"])
            return kw
        if op == "dangling_intent.classify_stop":
            kw = {"ev": gdi._ev(args["ev"])}
            if "policy" in args:
                kw["policy"] = gdi._policy(args["policy"])
            return kw
        if op == "result_state.classify_terminal":
            return {"evidence": grs._evidence(args["evidence"])}
        if op == "result_state.refusal_envelope":
            return {"verdict": grs._verdict(args["verdict"])}
        return dict(args)
    except Exception:  # noqa: BLE001 - the reference cannot build them: nothing to compare
        return None


def test_accelerated_functions_agree_with_the_reference(golden_dir, swapped):
    checked = 0
    for mod, names in SWAPS.items():
        for name in names:
            op = f"{mod.__name__[4:]}.{name}"
            if op in READERS:
                continue
            fn = getattr(mod, name)
            for place, rec in _records(golden_dir, op):
                kw = _ref_call(op, json.loads(rec["request"])["args"])
                if kw is None:
                    continue
                outcomes = []
                for f in (fn, fn.__wrapped__):
                    try:
                        outcomes.append(("ok", _decision(f(**kw))))
                    except Exception as e:  # noqa: BLE001 - the same exception type either way
                        outcomes.append(("raised", type(e)))
                assert outcomes[0] == outcomes[1], place
                checked += 1
    assert checked > 2000


def test_accelerated_results_are_the_reference_types(swapped):
    v = as_ref.classify("Let me think. <thinking>")
    assert type(v) is as_ref.AnswerShapeVerdict and v.state is as_ref.AnswerShape.NON_ANSWER
    assert v.to_dict()["is_disqualified"] is True and v.matched == r"<thinking>"
    d = di_ref.classify_stop(di_ref.StopEvidence("Now I need to deploy."))
    assert type(d) is di_ref.DanglingVerdict and d.is_dangling and d.matched_cue == "I need to"
    (c,) = ce_ref.extract_claims("I shipped AUTH2")
    assert type(c) is ce_ref.Claim and (c.plan, c.phase, c.rung, c.confident) == ("AUTH", "AUTH2", "heuristic", False)
    e = rs_ref.terminal_evidence_from_record({"isApiErrorMessage": True, "apiErrorStatus": "429",
                                              "message": {"role": "assistant", "model": "<synthetic>",
                                                          "content": [{"type": "text", "text": "Rate limited"}]}})
    assert type(e) is rs_ref.TerminalEvidence and e.api_status == 429
    r = rs_ref.classify_terminal(e)
    assert type(r) is rs_ref.ResultStateVerdict and r.cls is rs_ref.TerminalClass.RATE_LIMIT and r.dead
    assert r.to_dict()["class"] == "RATE_LIMIT"
    assert rs_ref.refusal_envelope(r)["reason_class"] == "RESULT_DEAD_RATE_LIMIT"


def test_the_adapter_falls_back_where_it_cannot_serve(swapped):
    # A pattern beyond the native engine (lookahead, a backreference): the reference answers.
    pol = as_ref.AnswerShapePolicy(non_answer_patterns=(r"(?=.*secret)", r"(a)\1"))
    assert as_ref.classify("the secret", policy=pol).matched == r"(?=.*secret)"
    assert as_ref.classify("aa", policy=pol).matched == r"(a)\1"
    # A list where the dataclass holds a tuple; a str subclass.
    assert as_ref.classify("x", policy=as_ref.AnswerShapePolicy(non_answer_patterns=["x"])).state \
        is as_ref.AnswerShape.NON_ANSWER

    class S(str):
        pass

    assert as_ref.classify(S("<thinking>")).state is as_ref.AnswerShape.NON_ANSWER
    # A cue CPython refuses: the reference raises its own error.
    import re

    with pytest.raises(re.error):
        di_ref.classify_stop(di_ref.StopEvidence("x"), di_ref.DanglingPolicy(cues=("(",)))
    # A record that is not JSON (a tuple inside): the reference reads it.
    rec = {"message": {"role": "assistant", "content": ({"type": "text", "text": "t"},)}}
    assert rs_ref.terminal_evidence_from_record(rec).has_content is False


# ------------------------------------------------------------------ the transcript readers

def _write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def _line(obj):
    return json.dumps(obj).encode()


TRANSCRIPTS = {
    "plain": b"\n".join([
        _line({"type": "assistant", "message": {"role": "assistant", "content": [{"type": "text", "text": "early\nDOS-CLAIM: A A1"}]}}),
        _line({"type": "user", "message": {"role": "user", "content": "ok"}}),
        _line({"type": "assistant", "message": {"role": "assistant", "model": "claude", "content": "final DOS-CLAIM: B B1"}}),
    ]) + b"\n",
    "synthetic_last": b"\n".join([
        _line({"message": {"role": "assistant", "model": "claude", "content": "working"}}),
        _line({"isApiErrorMessage": True, "apiErrorStatus": 429, "message": {"role": "assistant", "model": "<synthetic>",
               "stop_reason": "stop_sequence", "content": [{"type": "text", "text": "API Error: Rate limited"}]}}),
        _line({"message": {"role": "user", "content": "x"}}),
    ]),
    "crlf_cr_garbage": (b"\xef\xbb\xbf" + _line({"message": {"role": "assistant", "content": "bom line"}}) + b"\r\n"
                        + b"{torn\r" + _line({"message": {"role": "assistant", "content": "caf\xc3\xa9 \xff\xfe bytes"}})
                        + b"\r\n   \n" + _line([1, 2]) + b"\n" + _line({"message": {"role": "assistant", "content": []}})),
    "only_users": _line({"message": {"role": "user", "content": "u"}}) + b"\n",
    "empty": b"",
    "nan_and_dupes": b'{"message": {"role": "user"}, "message": {"role": "assistant", "content": "dup", "x": NaN}}\n',
    "separators": _line({"message": {"role": "assistant", "content": "a"}}) + "\u2028".encode() + b"\x85\x1c"
                  + _line({"message": {"role": "assistant", "content": "b"}}),
}


@pytest.mark.parametrize("name", sorted(TRANSCRIPTS))
def test_transcript_readers_read_as_the_reference_reads(tmp_path, name, swapped):
    path = _write(tmp_path, name + ".jsonl", TRANSCRIPTS[name])
    for turns in (1, 2, 0, 5):
        got = ce_ref.assistant_text_from_transcript(path, last_turns=turns)
        assert got == ce_ref.assistant_text_from_transcript.__wrapped__(path, last_turns=turns), (name, turns)
    for fn in (rs_ref.terminal_evidence_from_transcript, rs_ref.verify_transcript):
        assert _decision(fn(path)) == _decision(fn.__wrapped__(path)), (name, fn.__name__)
    # and the typed functions read the same file
    assert claim_extract.assistant_text_from_transcript(path) == ce_ref.assistant_text_from_transcript.__wrapped__(path)
    assert to_plain(result_state.verify_transcript(path))["state"] == rs_ref.verify_transcript.__wrapped__(path).state.value


def test_missing_or_unreadable_transcripts(tmp_path, swapped):
    for path in (str(tmp_path / "nope.jsonl"), str(tmp_path), ""):
        assert ce_ref.assistant_text_from_transcript(path) == ""
        v = rs_ref.verify_transcript(path)
        assert v.state is rs_ref.TerminalState.UNREADABLE and not v.dead


def test_a_replaced_reader_seam_is_honoured(tmp_path, monkeypatch, swapped):
    path = _write(tmp_path, "t.jsonl", TRANSCRIPTS["plain"])
    fake = [json.dumps({"message": {"role": "assistant", "content": "from the seam"}})]
    monkeypatch.setattr(ce_ref, "_read_lines", lambda p: fake)
    assert ce_ref.assistant_text_from_transcript(path) == "from the seam"
    assert rs_ref.terminal_evidence_from_transcript(path).text == "from the seam"


def test_only_the_faster_leaves_are_swapped_by_default():
    import subprocess

    code = ("import dos_native; print(sorted(n for n in dos_native.accelerate() "
            "if n.split('.')[1] in ('answer_shape', 'dangling_intent', 'claim_extract', 'result_state')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # claim_from_frontmatter, refusal_envelope and terminal_evidence_from_record
    # since their hand fast paths (python/src/shape_fast.rs)
    assert eval(out) == ["dos.answer_shape.classify", "dos.claim_extract.assistant_text_from_transcript",
                         "dos.claim_extract.claim_from_frontmatter",
                         "dos.claim_extract.extract_claims", "dos.dangling_intent.classify_stop",
                         "dos.result_state.classify_terminal", "dos.result_state.refusal_envelope",
                         "dos.result_state.terminal_evidence_from_record",
                         "dos.result_state.terminal_evidence_from_transcript", "dos.result_state.verify_transcript"]


# ------------------------------------------------- coverage over the transcripts

def _coverage_decision(v):
    d = v.to_dict()
    return {k: d[k] for k in d if k not in ("reason", "prompt_line")}


def test_coverage_from_transcripts_folds_as_the_reference(tmp_path, swapped):
    import pathlib
    import random

    from dos import coverage as cov_ref

    from dos_native import coverage

    files = [_write(tmp_path, n + ".jsonl", TRANSCRIPTS[n]) for n in sorted(TRANSCRIPTS)]
    files += [str(tmp_path / "missing.jsonl"), str(tmp_path)]
    rng = random.Random(10)
    checked = 0
    for _ in range(120):
        paths = [rng.choice(files) for _ in range(rng.randint(0, 7))]
        if rng.random() < 0.3:
            paths = [pathlib.Path(p) for p in paths]
        declared = rng.randint(-1, 8)
        policy = cov_ref.CoveragePolicy(min_quorum=rng.choice([None, 0.5, 1.0]))
        want = _coverage_decision(cov_ref.coverage_from_transcripts.__wrapped__(declared, paths, policy))
        got = cov_ref.coverage_from_transcripts(declared, paths, policy)
        assert type(got) is cov_ref.CoverageVerdict
        assert _coverage_decision(got) == want, paths
        typed = coverage.coverage_from_transcripts(declared, [str(p) for p in paths],
                                                   coverage.CoveragePolicy(min_quorum=policy.min_quorum))
        assert _coverage_decision(typed) == want
        checked += 1
    assert checked == 120
    assert cov_ref.coverage_from_transcripts.__dos_native_fast__.__dos_native_op__ == "coverage.coverage_from_transcripts"


def test_coverage_from_transcripts_honours_a_replaced_verifier(tmp_path, swapped, monkeypatch):
    # `swapped` before `monkeypatch`: the patch is undone first (back to the
    # swapped function), then restore() puts the reference's own back.
    from dos import coverage as cov_ref

    path = _write(tmp_path, "t.jsonl", TRANSCRIPTS["plain"])
    assert cov_ref.coverage_from_transcripts(1, [path]).state is cov_ref.Coverage.FULL
    dead = rs_ref.ResultStateVerdict(rs_ref.TerminalState.EMPTY, dead=True, cls=rs_ref.TerminalClass.NONE,
                                     api_status=None, reason="seam")
    monkeypatch.setattr(rs_ref, "verify_transcript", lambda p: dead)
    v = cov_ref.coverage_from_transcripts(1, [path])
    assert v.state is cov_ref.Coverage.STARVED and v.dead == 1


def test_coverage_from_transcripts_refuses_a_bad_path():
    with pytest.raises(dos_native.DosError) as e:
        dos_native.dispatch("coverage.coverage_from_transcripts", {"declared": 1, "paths": ["ok", "a\0b"]})
    assert e.value.code == "BAD_ARGS" and "args.paths[1]" in str(e.value)
