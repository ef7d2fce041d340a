

# ------------------------------------------------------------------ commit_audit.sweep_summary

def _verdicts(M):
    files = ("src/parser.py", "README.md", "tests/test_parser.py", ".github/workflows/ci.yml", "docs/a.md", "assets/logo.png")
    subjects = ["fix: a", "wip", "docs: b", "add tests", "implement c", "ci: x", "test: drop"]
    return [M.classify(M.CommitClaim(f"s{i}", subjects[i % 7]), M.DiffFacts(files[i % 6:], i % 5 == 0, 1, 3)) for i in range(60)]


def test_sweep_summary_matches_the_reference(traced):
    import dos.commit_audit as ca

    original = ca.sweep_summary.__wrapped__
    vs = _verdicts(ca)
    assert len({v.verdict for v in vs}) == 3
    for sub in (vs, tuple(vs), vs[:1], [], [v for v in vs if v.verdict is ca.Verdict.ABSTAIN], vs[::-1]):
        calls = len(traced)
        got, want = ca.sweep_summary(sub), original(sub)
        assert traced[calls:] == ["commit_audit.sweep_summary"]
        assert got == want and list(got) == list(want) and list(got["by_kind"]) == list(want["by_kind"])
        assert all(a is b for a, b in zip(got["unwitnessed_shas"], want["unwitnessed_shas"]))
    # what it does not take: the reference answers
    odd = dataclasses.replace(vs[0])
    object.__setattr__(odd, "verdict", "OK")

    class Sub(ca.ClaimVerdict):
        pass

    for sub in ([odd], [Sub(**{f.name: getattr(vs[0], f.name) for f in dataclasses.fields(vs[0])})], [1], iter(vs[:0])):
        calls = len(traced)
        assert _outcome(ca.sweep_summary, sub) == _outcome(original, sub)
        assert "commit_audit.sweep_summary" not in traced[calls:]


def test_typed_sweep_summary_equals_the_envelope():
    from dos_native import commit_audit as TC

    fn = TC.sweep_summary
    generated = fn.__wrapped__
    vs = _verdicts(TC)
    for sub in (vs, tuple(vs), [], vs[:3]):
        got = fn(sub)
        assert got == generated(list(sub)) == _native.dispatch("commit_audit.sweep_summary", {"verdicts": [v.to_dict() for v in sub]})
        assert list(got) == list(generated(list(sub)))
    # a field the op would refuse: the generated function answers (BadArgsError)
    bad = dataclasses.replace(vs[0], source_files=("a", 1))
    assert _outcome(fn, [bad]) == _outcome(generated, [bad])
    assert _outcome(fn, [bad])[0] == "raised"
