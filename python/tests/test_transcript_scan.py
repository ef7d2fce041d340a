"""The transcript readers (claim_extract.assistant_text_from_transcript,
result_state.terminal_evidence_from_transcript and verify_transcript) scan
each line without building it, and read claim_extract's tail from the end
(session 11). Seeded random transcripts, of the shapes the scan must tell
apart, read as the reference reads them: typed and accelerated."""
import json
import random

import pytest

import dos_native
from dos_native import claim_extract, result_state

ce_ref = pytest.importorskip("dos.claim_extract")
rs_ref = pytest.importorskip("dos.result_state")

TEXTS = ["", "plain", "two\nlines", "caf\u00e9", "\ud800 lone", "\ud83d\ude00", "tab\tand \"quotes\" \\ back",
         "  padded  ", "API Error: Rate limited", "x" * 450, "\u2028sep\x85"]


def _text(rng):
    return rng.choice(TEXTS)


def _content(rng):
    k = rng.randrange(6)
    if k == 0:
        return _text(rng)
    if k == 1:
        return None
    if k == 2:
        return 7
    blocks = []
    for _ in range(rng.randrange(4)):
        t = rng.choice(["text", "text", "tool_use", "thinking", "image", "other", None])
        b = {"type": t} if t is not None else {}
        if rng.random() < 0.8:
            b["text"] = _text(rng) if rng.random() < 0.85 else rng.choice([None, 3, ["x"]])
        blocks.append(b if rng.random() < 0.9 else "not a dict")
    return blocks


def _record(rng):
    role = rng.choice(["assistant", "assistant", "user", "system", None])
    msg = {}
    if role is not None:
        msg["role"] = role
    if rng.random() < 0.8:
        msg["content"] = _content(rng)
    if rng.random() < 0.6:
        msg["model"] = rng.choice(["claude-x", "<synthetic>", 5, None])
    if rng.random() < 0.4:
        msg["stop_reason"] = rng.choice(["end_turn", "stop_sequence", None])
    rec = {"type": role or "summary", "message": msg if rng.random() < 0.9 else rng.choice(["m", [msg], None])}
    if rng.random() < 0.3:
        rec["isApiErrorMessage"] = rng.choice([True, False, 1, 0, "", "yes", None, [], {}])
    if rng.random() < 0.3:
        rec["apiErrorStatus"] = rng.choice([429, "429", " 500 ", "4x", True, None, 401.0, "", -3])
    return rec


def _dump(rng, rec):
    text = json.dumps(rec, ensure_ascii=rng.random() < 0.5)
    k = rng.randrange(12)
    if k == 0:  # a second "message" key: the last one counts
        text = text[:-1] + ', "message": {"role": "assistant", "content": "dup wins"}}'
    elif k == 1:  # torn
        text = text[: rng.randrange(len(text))]
    elif k == 2:  # an escaped key
        text = text.replace('"role"', '"r\\u006fle"').replace('"message"', '"m\\u0065ssage"')
    elif k == 3:
        text = "  " + text + " \t"
    elif k == 4:
        text = json.dumps([rec])
    return text.encode("utf-8", "surrogatepass")


def _transcript(rng):
    parts = []
    for _ in range(rng.randrange(9)):
        parts.append(_dump(rng, _record(rng)))
        parts.append(rng.choice([b"\n", b"\n", b"\r\n", b"\r", b"\n\n", b"\n  \n"]))
    if rng.random() < 0.2:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice([b"\xff\xfe", b"{not json}\n", b"\xef\xbb\xbf", b"NaN\n"]))
    return b"".join(parts)


@pytest.fixture
def swapped():
    dos_native.accelerate()
    yield
    dos_native.restore()


def _evidence(e):
    return tuple(getattr(e, k) for k in ("found", "readable", "model", "stop_reason", "is_api_error", "api_status",
                                          "text", "has_content"))


@pytest.mark.parametrize("seed", range(8))
def test_random_transcripts_read_as_the_reference_reads(tmp_path, seed, swapped):
    rng = random.Random(seed)
    for i in range(60):
        path = tmp_path / f"t{i}.jsonl"
        path.write_bytes(_transcript(rng))
        p = str(path)
        for turns in (1, 2, 3, 0):
            want = ce_ref.assistant_text_from_transcript.__wrapped__(p, last_turns=turns)
            assert ce_ref.assistant_text_from_transcript(p, last_turns=turns) == want, (seed, i, turns)
            assert claim_extract.assistant_text_from_transcript(p, last_turns=turns) == want, (seed, i, turns)
        try:
            want = rs_ref.terminal_evidence_from_transcript.__wrapped__(p)
        except ValueError:
            for fn in (rs_ref.terminal_evidence_from_transcript, rs_ref.verify_transcript,
                       result_state.terminal_evidence_from_transcript, result_state.verify_transcript):
                with pytest.raises(ValueError):
                    fn(p)
            continue
        except Exception:
            continue
        assert _evidence(rs_ref.terminal_evidence_from_transcript(p)) == _evidence(want), (seed, i)
        assert _evidence(result_state.terminal_evidence_from_transcript(p)) == _evidence(want), (seed, i)
        v, w = rs_ref.verify_transcript(p), rs_ref.verify_transcript.__wrapped__(p)
        assert (v.state, v.dead, v.cls, v.api_status) == (w.state, w.dead, w.cls, w.api_status), (seed, i)
        t = result_state.verify_transcript(p)
        assert (t.state.value, t.dead, t.cls.value, t.api_status) == (w.state.value, w.dead, w.cls.value, w.api_status)


def test_a_bad_status_anywhere_raises_as_the_reference_does(tmp_path, swapped):
    bad = json.dumps({"apiErrorStatus": "\u00b2", "message": {"role": "assistant", "content": "x"}})
    good = json.dumps({"message": {"role": "assistant", "model": "m", "content": "fine"}})
    user = json.dumps({"apiErrorStatus": "\u00b2", "message": {"role": "user", "content": "x"}})
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join([bad, good]) + "\n")
    with pytest.raises(ValueError):
        rs_ref.terminal_evidence_from_transcript.__wrapped__(str(path))
    for fn in (rs_ref.terminal_evidence_from_transcript, result_state.verify_transcript):
        with pytest.raises(ValueError):
            fn(str(path))
    # claim_extract reads no status: the same file answers
    assert ce_ref.assistant_text_from_transcript(str(path), last_turns=2) == "x\nfine"
    path.write_text("\n".join([user, good]) + "\n")
    assert rs_ref.verify_transcript(str(path)).state is rs_ref.TerminalState.HEALTHY
    assert result_state.terminal_evidence_from_transcript(str(path)).text == "fine"
