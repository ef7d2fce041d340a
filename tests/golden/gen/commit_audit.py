"""Golden cases for `dos.commit_audit`: `classify_claim`, `classify`,
`sweep_summary`, and `commit_from_git` (what `read_commit` makes of the
output of its three git reads).

`commit_from_git` is answered by the reference's own `read_commit` with its
`_git` seam handing back the given outputs in order. The outputs come from
throwaway git repositories built here (real `git` output: empty commits,
doc-only, source, test additions and deletions, binary files, renames,
merges, quoted and Unicode paths, CRLF subjects) and from seeded random text
(numstat lines with odd counts, tabs, Unicode and control characters).
Git's output is text (UTF-8 decoded): a lone surrogate in it is refused.
The git-reading ops themselves (`read_commit`, `audit_commit`,
`audit_range`) read repositories a replay does not have: the Python route
tests run them against throwaway repositories beside the reference.
"""
import os
import pathlib
import re
import subprocess
import tempfile

from dos import commit_audit as ca

from .common import NON_ASCII, cases, op, pin, rand_text
from .evidence import _bool, _enum, _Refused, _str, check_args, plain, typed
from .jsonish import int64

# ------------------------------------------------------------------ conversions

_SURROGATE = re.compile("[\ud800-\udfff]")


def _files(v):
    if type(v) is not list:
        raise _Refused("files must be a list")
    return tuple(_str(x) for x in v)


def _int(v):
    try:
        return int64(v)
    except (TypeError, ValueError) as e:
        raise _Refused(str(e))


CLAIM = {"sha": (_str, True), "subject": (_str, True)}
DIFF = {"files": (_files, True), "is_empty": (_bool, True), "test_lines_added": (_int, False),
        "test_lines_removed": (_int, False)}
POLICY = {"docs_satisfy_code_claim": (_bool, False)}
VERDICT = {"sha": (_str, True), "verdict": (_enum(ca.Verdict), True), "claim_kind": (_enum(ca.ClaimKind), True),
           "witness": (_enum(ca.Witness), True), "reason": (_str, True), "source_files": (_files, False),
           "test_files": (_files, False), "ci_files": (_files, False)}


# ------------------------------------------------------------------ runners

@op("commit_audit.classify_claim")
def _classify_claim(args, config):
    check_args(args, {"subject": True})
    return ca.classify_claim(_str(args["subject"])).value


def _classify_facts(args, v):
    r = v["reason"]
    d = args["diff"]
    if v["verdict"] == "CLAIM_UNWITNESSED" and v["claim_kind"] == "code_effect" and not d["is_empty"]:
        touched = ", ".join(d["files"][:4]) or "(nothing)"
        if _SURROGATE.search(touched):
            return {"reason": []}  # a reason holding a lone surrogate is not text a runner can read
        return {"reason": ["no SOURCE file"] + plain(touched)}
    if "net-DELETES" in r:
        return {"reason": ["net-DELETES", f"+{d['test_lines_added']}/-{d['test_lines_removed']}"]}
    if v["verdict"] == "CLAIM_UNWITNESSED" and v["claim_kind"] == "code_effect":
        return {"reason": ["EMPTY"]}
    return {"reason": []}


@op("commit_audit.classify", prose=("reason",), facts=_classify_facts)
def _classify(args, config):
    check_args(args, {"claim": True, "diff": True, "policy": False})
    claim = typed(ca.CommitClaim, args["claim"], CLAIM)
    diff = typed(ca.DiffFacts, args["diff"], DIFF)
    policy = typed(ca.ClaimPolicy, args.get("policy", {}), POLICY)
    return ca.classify(claim, diff, policy).to_dict()


@op("commit_audit.sweep_summary")
def _sweep(args, config):
    check_args(args, {"verdicts": True})
    vs = args["verdicts"]
    if type(vs) is not list:
        raise _Refused("verdicts must be a list")
    return ca.sweep_summary([typed(ca.ClaimVerdict, v, VERDICT) for v in vs])


def _output(v, what):
    if type(v) is not dict or set(v) - {"returncode", "stdout"} or "returncode" not in v:
        raise _Refused(f"{what} must be a git output")
    out = v.get("stdout", "")
    if type(out) is not str or _SURROGATE.search(out):
        raise _Refused(f"{what}.stdout must be text")
    return _int(v["returncode"]), out


@op("commit_audit.commit_from_git")
def _from_git(args, config):
    check_args(args, {"rev_parse": True, "log": True, "numstat": True})
    outs = [_output(args[k], k) for k in ("rev_parse", "log", "numstat")]
    calls = iter(outs)
    real = ca._git
    ca._git = lambda root, *a: next(calls)
    try:
        got = ca.read_commit("HEAD", root=".")
    finally:
        ca._git = real
    if got is None:
        return None
    claim, diff = got
    for n in (diff.test_lines_added, diff.test_lines_removed):
        _int(n)
    return [{"sha": claim.sha, "subject": claim.subject},
            {"files": list(diff.files), "is_empty": diff.is_empty, "test_lines_added": diff.test_lines_added,
             "test_lines_removed": diff.test_lines_removed}]


# ------------------------------------------------------------------ tables (the reference's tests)

SUBJECTS = [
    "implement the new caching layer", "fix: resolve the auth race condition", "fix: correct off-by-one in the parser",
    "fix(publish): seed commit message names the shipped ABI", "tests pass now, all green", "add tests for the widget",
    "docs: clarify the setup steps", "wip", "chore: bump deps to 2.0", "Merge branch 'main'",
    "revert: undo the last change", "misc cleanup", "fix: the bug", "add tests for x", "docs: update readme",
    "bump version to 1.2", "benchmark/foo: implement the verifier", "mcp: add the tool", "auth: fix the race",
    "docs/206: clarify the payoff", "core: add unit tests for the engine", "kernel: report the fix status",
    "kernel: productivity verdict", "status: everything broke", "CLAUDE.md: add a glossary",
    "README: document the install", "docs/206: add the payoff section", "src/foo.py: add the parser",
    ".claude/settings.json: wire the sensor", "fix(ci): set up uv in the test job so the levels run",
    "ci: fix the cache key on the windows leg", "ci(install): enable the uv matrix leg",
    "fix(ci): repair the flaky matrix", "fix the ci cache invalidation", "fix(circus): tame the lion",
    "fix(ci): adjust the thresholds", "fix(ci): correct the trigger", "add unit tests for x",
    "implement conversion tracking", "add lifestyle widget", "address review nits", "fix: tweak a comment",
    "implement feature X", "", "   ", "rename: move the parser", "renamed tests", "move tests to a new dir",
    "fix: tests pass", "test: the engine", "spec: the parser", "coverage for x", "Fix: Upper Case", "FIX(CI): x",
    "ci!: drop the leg", "feat(ci)!: x", "fix(ci) : x", "fix((ci)): x", "fix(ci)(x): y", "a" * 29 + ": fix it",
    "a" * 30 + ": fix it", "x" * 39 + ".md: add", "x" * 40 + ".md: add", "doc/x: add", "docs: ", ":", "fix:",
    ":fix", "fix:add", "fix: : add", "head with space: fix", "head\twith tab: fix", "readme.rst: add", "notice: add",
    "license: fix", "kernel/README: fix", "fixes #42", "fixed it", "hook the sensor", "don't fix", "fix's",
    "'fix", "Ｆｉｘ: add", "fİx: it", "\u212aernel: fix", "ſtatus: fix", "fix\u2028it", "fix\nsecond line",
    "fix\r\nsecond", "fix\x00it", "\ufefffix it", "\u00a0fix it\u3000", "review feedback addressed",
    "rename variable foo", "all tests green", "green build again", "fix the failing test now", "tests passing",
    "unit test the engine", "write specs for x", "add coverage", "add assertions", "assertion: x",
    "testing: the flow", "optimise it", "upgrade deps", "drop py2", "wire: x", "patch: y", "correct: z",
]

FILES = [
    "README.md", "src/parser.py", "scripts/seed_public_repo.ps1", "lib/util.psm1", "module.psd1", "build.bat",
    "run.cmd", "tests/test_x.py", "src/widget.py", "tests/test_widget.py", "src/a.py", ".github/workflows/ci.yml",
    "config.yml", ".github/workflows/release.yaml", ".gitlab-ci.yml", ".circleci/config.yml", "Makefile",
    "Dockerfile", "bin/tool", "LICENSE", "docs/guide.rst", "assets/logo.png", "Cargo.lock", "go.sum", "data.csv",
    "src/x.test.ts", "src/x.spec.js", "pkg/x_test.go", "test_a.py", "spec/x.rb", "__tests__/a.js", "a/TESTS/b.py",
    "a\\tests\\b.py", " src/a.py ", "src/A.PY", ".GITHUB/WORKFLOWS/CI.YML", ".github/workflows/ci.yml.bak",
    ".github/workflows/", "x.spec.", "test_.py", "contest.py", "a/teſt/b", "x.spec.\u212a", "x.spec.ı", "é.py",
    "\u00e9/tests/x", "notes.txt", "a.org", "archive.tar.gz", "lib.so.1", "weird.", ".hidden", "dir.d/file",
    "src/main.zig", "x.v", "x.r", "x.R", "rakefile", "GEMFILE", "procfile.txt", "appveyor.yml", "x/.travis.yml",
    "azure-pipelines.yml", "bitbucket-pipelines.yml", ".appveyor.yml", "\"src/\\303\\251.py\"", "a\tb.py", "",
]


def _v(sha, verdict, kind, witness, reason=""):
    return {"sha": sha, "verdict": verdict, "claim_kind": kind, "witness": witness, "reason": reason}


# ------------------------------------------------------------------ throwaway repositories

def _git_env():
    env = dict(os.environ)
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z",
               GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    return env


def _repo_outputs():
    """Real outputs of read_commit's three git reads over commits of every
    shape, read with the reference's own `_git`."""
    out = []
    env = _git_env()
    with tempfile.TemporaryDirectory(prefix="dos-golden-ca-") as d:
        root = pathlib.Path(d)

        def g(*a, check=True):
            return subprocess.run(["git", "-C", str(root), *a], capture_output=True, env=env, check=check)

        def write(rel, data):
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

        def commit(msg, *paths, allow_empty=False):
            if paths:
                g("add", "--", *paths)
            extra = ["--allow-empty"] if allow_empty else []
            g("commit", "-q", "--no-verify", *extra, "-m", msg)
            outs = []
            old = dict(os.environ)
            os.environ.update(env)
            try:
                outs.append(ca._git(root, "rev-parse", "--short", "HEAD"))
                outs.append(ca._git(root, "log", "-1", "--pretty=format:%s", "HEAD"))
                outs.append(ca._git(root, "show", "--numstat", "--format=", "--no-renames", "HEAD"))
            finally:
                os.environ.clear()
                os.environ.update(old)
            out.append(outs)

        g("init", "-q", "-b", "main")
        g("config", "commit.gpgsign", "false")
        write("src/app.py", "x = 1\n")
        commit("initial", "src/app.py")
        commit("implement the cache", allow_empty=True)
        write("src/app.py", "x = 2\n")
        commit("fix: correct the value", "src/app.py")
        write("README.md", "# hi\n")
        commit("fix: resolve the race condition", "README.md")
        write(".github/workflows/ci.yml", "on: push\n")
        commit("fix(ci): set up uv in the test job", ".github/workflows/ci.yml")
        write("tests/test_app.py", "".join(f"assert {i}\n" for i in range(9)))
        commit("add tests for the app", "tests/test_app.py")
        write("tests/test_app.py", "assert 1\n")
        commit("tests pass now, all green", "tests/test_app.py")
        write("assets/logo.png", bytes(range(256)))
        write("tests/data.bin", b"\x00\x01\x02")
        commit("add the logo", "assets/logo.png", "tests/data.bin")
        g("mv", "src/app.py", "src/core.py")
        commit("rename: move the app module")
        write("tests/ü_test.py", "ok = 1\n")
        write("docs/é.md", "x\n")
        commit("tests: add a Unicode-named test", "tests/ü_test.py", "docs/é.md")
        write("a b/c\td.py", "y = 1\n")
        commit("add tabbed path", "a b/c\td.py")
        write("x.md", "z\n")
        commit("docs: subject with CRLF\r\nbody line", "x.md")
        commit("wip: Ünïcödé subject ☃ 😀", allow_empty=True)
        commit("   padded subject   \n\nbody", allow_empty=True)
        g("checkout", "-q", "-b", "side")
        write("src/side.py", "s = 1\n")
        commit("add the side module", "src/side.py")
        g("checkout", "-q", "main")
        write("src/main2.py", "m = 1\n")
        commit("add main2", "src/main2.py")
        g("merge", "-q", "--no-ff", "--no-edit", "side")
        outs = [ca._git(root, "rev-parse", "--short", "HEAD"), ca._git(root, "log", "-1", "--pretty=format:%s", "HEAD"),
                ca._git(root, "show", "--numstat", "--format=", "--no-renames", "HEAD")]
        out.append(outs)
        # a ref that does not resolve, and a directory that is not a repository
        out.append([ca._git(root, "rev-parse", "--short", "no-such-ref"), (0, ""), (0, "")])
        out.append([ca._git(d + "/nope", "rev-parse", "--short", "HEAD"), (0, ""), (0, "")])
    return out


def _git_case(outs):
    names = ("rev_parse", "log", "numstat")
    return {n: {"returncode": rc, "stdout": s} for n, (rc, s) in zip(names, outs)}


def _rand_numstat(rng):
    lines = []
    for _ in range(rng.randint(0, 6)):
        a = rng.choice(["1", "0", "12", "-", "+3", " 4", "1_0", "٣", "x", "", "99999999999999999999", str(rng.randint(0, 500))])
        r = rng.choice(["1", "0", "7", "-", "5 ", "x", "", str(rng.randint(0, 500))])
        path = rng.choice(FILES + [rand_text(rng, "abt/_.espy", 10, 0.2)])
        sep = rng.choice(["\t"] * 8 + [" ", "\t\t"])
        line = f"{a}{sep}{r}\t{path}"
        if rng.random() < 0.1:
            line += "\textra"
        lines.append(line)
    joiner = rng.choice(["\n"] * 6 + ["\r\n", "\r", "\u2028", "\x1c", "\n\n"])
    return joiner.join(lines) + rng.choice(["", "\n", " \n"])


@cases
def _cases(rng):
    # classify_claim: the reference's table, then random subjects.
    for s in SUBJECTS:
        yield "commit_audit.classify_claim", {"subject": s}
    words = ["fix", "add", "tests", "test", "docs", "wip", "chore", "ci", "rename", "move", "the", "parser",
             "unit", "nit", "version", "conversion", "readme", "typo", "spec", "all", "pass", "green", "build",
             "review", "address", "feedback", "implement", "hook", "x", "it's"]
    for _ in range(260):
        parts = [rng.choice(words) for _ in range(rng.randint(0, 7))]
        s = " ".join(parts)
        r = rng.random()
        if r < 0.35:
            head = rng.choice(["fix", "feat(ci)", "ci", "docs", "README", "src/x.py", "a b", "x" * rng.randint(25, 45),
                               "fix(ci)!", "core", rand_text(rng, "abc/.()!_-", 8, 0.2)])
            s = head + rng.choice([":", ": ", " : ", "::"]) + s
        if rng.random() < 0.3:
            s = rng.choice(["", " ", "\t", "\n", "\u3000", rng.choice(NON_ASCII)]) + s + rng.choice(["", " ", "\n", rng.choice(NON_ASCII)])
        if rng.random() < 0.1:
            s = s.upper()
        if rng.random() < 0.05:
            s += "\ud800"
        yield "commit_audit.classify_claim", {"subject": s}
    for bad in [{}, {"subject": 5}, {"subject": None}, {"subject": ["fix"]}, {"subject": "fix", "x": 1}]:
        yield "commit_audit.classify_claim", bad

    # classify: the reference's table cases.
    def cl(subject, files, is_empty=False, added=None, removed=None, policy=None, sha="abc1234"):
        diff = {"files": list(files), "is_empty": is_empty}
        if added is not None:
            diff["test_lines_added"] = added
        if removed is not None:
            diff["test_lines_removed"] = removed
        args = {"claim": {"sha": sha, "subject": subject}, "diff": diff}
        if policy is not None:
            args["policy"] = policy
        return "commit_audit.classify", args

    yield cl("implement the new caching layer", [], True)
    yield cl("fix: resolve the auth race condition", ["README.md"])
    yield cl("fix: correct off-by-one in the parser", ["src/parser.py"])
    for p in ("scripts/seed_public_repo.ps1", "lib/util.psm1", "module.psd1", "build.bat", "run.cmd"):
        yield cl("fix(publish): seed commit message names the shipped ABI", [p])
    yield cl("tests pass now, all green", ["tests/test_x.py"], added=1, removed=5)
    yield cl("add tests for the widget", ["src/widget.py"])
    yield cl("add tests for the widget", ["tests/test_widget.py"], added=20, removed=0)
    yield cl("docs: clarify the setup steps", ["README.md"])
    for s in ("wip", "chore: bump deps to 2.0", "Merge branch 'main'", "revert: undo the last change", "misc cleanup"):
        yield cl(s, ["src/a.py"])
    for s in ("fix(ci): set up uv in the test job so the levels run", "ci: fix the cache key on the windows leg",
              "ci(install): enable the uv matrix leg"):
        yield cl(s, [".github/workflows/ci.yml"])
    yield cl("fix(ci): repair the flaky matrix", ["README.md"])
    yield cl("fix: resolve the auth race condition", [".github/workflows/ci.yml"])
    yield cl("fix the ci cache invalidation", [".github/workflows/ci.yml"])
    yield cl("fix(circus): tame the lion", [".github/workflows/ci.yml"])
    yield cl("fix(ci): adjust the thresholds", ["config.yml"])
    for p in (".github/workflows/release.yaml", ".gitlab-ci.yml", ".circleci/config.yml"):
        yield cl("fix(ci): correct the trigger", [p])
    yield cl("fix: tweak a comment", ["README.md"], policy={"docs_satisfy_code_claim": True})
    yield cl("implement feature X", [], True)
    # every file alone under one claim of each kind; the doc-claim empty commit; moves
    for f in FILES:
        for s in ("fix: it", "add tests", "docs: it", "wip"):
            yield cl(s, [f])
    yield cl("docs: it", [], True)
    yield cl("docs: it", ["README.md"], True)
    yield cl("rename tests", ["tests/test_a.py"], added=1, removed=9)
    yield cl("move: tests", ["tests/test_a.py"], added=1, removed=9)
    yield cl("tests: fix", ["tests/test_a.py"], added=3, removed=3)
    yield cl("tests: fix", ["tests/test_a.py"], added=-1, removed=5)
    yield cl("tests: fix", ["tests/test_a.py"], added=2, removed=-1)
    yield cl("fix: x", ["a.md", "b.md", "c.md", "d.md", "e.md"])
    yield cl("fix: x", [], False)
    yield cl("fix: x", ["README.md"], True, policy={"docs_satisfy_code_claim": True})
    yield cl("fix: x", ["README.md"], policy={})
    yield cl("fix: x", ["\ud800.md"])
    yield cl("fix: x", ["src/\ud800.py"], sha="\udcff")
    yield cl("fix: x\ud800", ["a.md"])
    for _ in range(400):
        files = [rng.choice(FILES) if rng.random() < 0.8 else rand_text(rng, "abtes/_.pymdCI", 12, 0.15)
                 for _ in range(rng.randint(0, 6))]
        r = rng.random()
        subject = rng.choice(SUBJECTS) if r < 0.7 else rand_text(rng, "fixadtesdoc:() /", 20, 0.1)
        added = rng.choice([None, -1, 0, 1, 5, 40, -7])
        removed = rng.choice([None, -1, 0, 2, 6, 50])
        policy = rng.choice([None, None, {"docs_satisfy_code_claim": True}, {"docs_satisfy_code_claim": False}])
        yield cl(subject, files, not files if rng.random() < 0.9 else bool(files), added, removed, policy,
                 sha=rng.choice(["abc1234", "", "deadbee", rand_text(rng, "0123456789abcdef", 12, 0.05)]))
    for bad in [{}, {"claim": {"sha": "a", "subject": "fix"}},
                {"claim": {"sha": "a"}, "diff": {"files": [], "is_empty": True}},
                {"claim": {"sha": "a", "subject": "fix"}, "diff": {"files": [], "is_empty": "yes"}},
                {"claim": {"sha": "a", "subject": "fix"}, "diff": {"files": "a.py", "is_empty": False}},
                {"claim": {"sha": "a", "subject": "fix"}, "diff": {"files": [1], "is_empty": False}},
                {"claim": {"sha": "a", "subject": "fix"}, "diff": {"files": [], "is_empty": True, "x": 1}},
                {"claim": {"sha": "a", "subject": "fix"}, "diff": {"files": [], "is_empty": True,
                                                                   "test_lines_added": 1.5}},
                {"claim": {"sha": "a", "subject": "fix"}, "diff": {"files": [], "is_empty": True,
                                                                   "test_lines_added": 2 ** 63}},
                {"claim": {"sha": "a", "subject": "fix"}, "diff": {"files": [], "is_empty": True},
                 "policy": {"docs_satisfy_code_claim": 1}},
                {"claim": {"sha": None, "subject": "fix"}, "diff": {"files": [], "is_empty": True}}]:
        yield "commit_audit.classify", bad

    # sweep_summary: the reference's table, then random sets.
    yield pin("commit_audit.sweep_summary", {"verdicts": [
        _v("a", "OK", "code_effect", "diff-witnessed"), _v("b", "CLAIM_UNWITNESSED", "code_effect", "subject-only"),
        _v("c", "ABSTAIN", "none", "abstain"), _v("d", "OK", "doc", "diff-witnessed")]})
    yield "commit_audit.sweep_summary", {"verdicts": []}
    combos = [("OK", "code_effect", "diff-witnessed"), ("CLAIM_UNWITNESSED", "test", "subject-only"),
              ("ABSTAIN", "none", "abstain"), ("OK", "doc", "diff-witnessed"), ("CLAIM_UNWITNESSED", "doc", "subject-only"),
              ("OK", "test", "diff-witnessed"), ("CLAIM_UNWITNESSED", "code_effect", "subject-only"),
              ("ABSTAIN", "code_effect", "abstain")]
    for _ in range(240):
        vs = []
        for i in range(rng.randint(0, 9)):
            verdict, kind, witness = rng.choice(combos)
            v = _v(rng.choice([f"s{i}", "dup", rand_text(rng, "0123abc", 7, 0.1)]), verdict, kind, witness,
                   rand_text(rng, "why not ", 10, 0.1))
            if rng.random() < 0.3:
                v["source_files"] = [rng.choice(FILES)]
            vs.append(v)
        yield "commit_audit.sweep_summary", {"verdicts": vs}
    for bad in [{}, {"verdicts": None}, {"verdicts": [{"sha": "a"}]},
                {"verdicts": [_v("a", "ok", "code_effect", "diff-witnessed")]},
                {"verdicts": [dict(_v("a", "OK", "code_effect", "diff-witnessed"), extra=1)]}]:
        yield "commit_audit.sweep_summary", bad

    # commit_from_git: real outputs from throwaway repositories, then random outputs.
    for outs in _repo_outputs():
        yield pin("commit_audit.commit_from_git", _git_case(outs))
    shas = ["abc1234", "", " \n", "abc1234\n", "\u3000x\u3000", "a\nb"]
    subjects = ["fix: x", "", "  padded  ", "Ünïcödé ☃", "a\nb", "fix\x00it"]
    for _ in range(320):
        rc = [rng.choice([0, 0, 0, 1, 128, -9]) for _ in range(3)]
        outs = [(rc[0], rng.choice(shas)), (rc[1], rng.choice(subjects)), (rc[2], _rand_numstat(rng))]
        yield "commit_audit.commit_from_git", _git_case(outs)
    ok = {"returncode": 0, "stdout": "abc"}
    for bad in [{}, {"rev_parse": ok, "log": ok}, {"rev_parse": ok, "log": ok, "numstat": {"stdout": ""}},
                {"rev_parse": ok, "log": ok, "numstat": {"returncode": "0", "stdout": ""}},
                {"rev_parse": ok, "log": ok, "numstat": {"returncode": 0, "stdout": 5}},
                {"rev_parse": ok, "log": ok, "numstat": {"returncode": 0, "stdout": "1\t2\ttests/a\ud800.py"}},
                {"rev_parse": ok, "log": ok, "numstat": {"returncode": 0, "stdout": "", "stderr": ""}},
                {"rev_parse": ok, "log": ok, "numstat": {"returncode": 0,
                                                         "stdout": "9223372036854775807\t1\ttests/a.py\n1\t1\ttests/b.py"}}]:
        yield "commit_audit.commit_from_git", bad
    yield "commit_audit.commit_from_git", {"rev_parse": ok, "log": ok, "numstat": {"returncode": 0}}
    yield "commit_audit.commit_from_git", {"rev_parse": {"returncode": 0}, "log": ok, "numstat": ok}
