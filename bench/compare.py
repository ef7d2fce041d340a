#!/usr/bin/env python3
"""Time the reference (dos-kernel 0.22.0) and dos_native side by side, in one
process, on the same inputs, and print the ratios. A benchmark, not a test:
`make bench` runs it; figures go to docs/benchmarks.md by hand.

Three columns per operation:
- reference: the dos-kernel function as installed;
- typed: the dos_native function of the same module path and name, on
  dos_native's own input classes;
- accelerated: the same dos-kernel call after dos_native.accelerate() has
  swapped the function (the reference's own result types, built natively).

Each figure is the best of several repeats (µs per call); the ratio is
reference / native. Options: --quick (fewer loops), --only SUBSTRING.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import timeit

import dos
import dos.posttool_sensor  # noqa: F401 - accelerate() swaps it only once imported
import dos_native

TARGETS = {
    "tool_stream.classify_stream (64 identical steps)": 20.0,
    # issue 10, tool-call provenance
    "arg_provenance.classify_call (6 args vs 20 x 2 KB)": 10.0,
    "intervention.choose_intervention": 10.0,
}
CLASSIFIER_TARGET = 5.0


def best_us(fn, number, repeat):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def cases():
    """(name, make(module_loader) -> zero-argument callable, kind) per row.

    `make` receives `m(name)`, which returns either the reference module
    (`dos.<name>`) or dos_native's (`dos_native.<name>`), so both sides run
    the same code on their own classes.
    """
    yield "exec_capability.classify_command", lambda m: (lambda x=m("exec_capability"): x.classify_command("FOO=1 python3 -c 'x'")), "classifier"

    def liveness(m):
        x = m("liveness")
        ev = x.ProgressEvidence(run_started_ms=0, now_ms=10**7, commits_since_start=0, last_heartbeat_age_ms=1000, process_alive=True)
        return lambda: x.classify(ev)

    yield "liveness.classify", liveness, "classifier"

    def productivity(m):
        x = m("productivity")
        h = x.WorkHistory.of([900, 600, 100])
        return lambda: x.classify(h)

    yield "productivity.classify", productivity, "classifier"

    def efficiency(m):
        x = m("efficiency")
        e = x.EfficiencyEvidence.of(10, 5000)
        return lambda: x.classify(e)

    yield "efficiency.classify", efficiency, "classifier"

    def breaker(fn):
        def make(m):
            x = m("breaker")
            c = x.BreakerCounts(2, 5)
            f = getattr(x, fn)
            return lambda: getattr(x, fn)(c)

        return make

    yield "breaker.classify", breaker("classify"), "classifier"
    yield "breaker.record_failure", breaker("record_failure"), "classifier"
    yield "breaker.record_success", breaker("record_success"), "classifier"

    def breaker_fold(m):
        x = m("breaker")
        zero = x.BreakerCounts()  # built once: the same dataclass code on both sides

        def run():
            c = zero
            for ok in (False, False, True, False, False, False):
                t = x.record_success(c) if ok else x.record_failure(c)
                c, _ = t.counts, t.verdict.state
            return c

        return run

    yield "breaker fold (6 outcomes, reading counts and state)", breaker_fold, "classifier"

    def stream(keys):
        def make(m):
            x = m("tool_stream")
            st = x.ToolStream(tuple(x.StreamStep(*k) for k in keys))
            return lambda: x.classify_stream(st)

        return make

    yield "tool_stream.classify_stream (64 identical steps)", stream([("Read", "a", "r")] * 64), "classifier"
    yield "tool_stream.classify_stream (64 steps, last one new)", stream([("Read", "a", "r")] * 63 + [("Read", "b", "r")]), "classifier"

    def hook(code):
        def make(m):
            x = m("hook_exit")
            return lambda: x.classify_exit(code)

        return make

    yield "hook_exit.classify_exit (exit 2)", hook(2), "classifier"
    yield "hook_exit.classify_exit (exit 7, fallback verb)", hook(7), "classifier"

    def schema_classify(m):
        x = m("durable_schema")
        rec = {"schema": {"family": "intent-ledger", "version": 1}, "op": "X", "lane": "a"}
        return lambda: x.classify(rec, family="intent-ledger", understands=1)

    yield "durable_schema.classify", schema_classify, "classifier"

    def schema_tag(m):
        x = m("durable_schema")
        return lambda: x.tag("intent-ledger", 1)

    yield "durable_schema.tag", schema_tag, "helper"

    def refusal(m):
        x = m("durable_schema")
        v = x.classify({"schema": 3}, family="x", understands=2)
        return lambda: x.unreadable_refusal_payload(v)

    yield "durable_schema.unreadable_refusal_payload", refusal, "helper"

    event = {
        "session_id": "2cd77e93",
        "tool_name": "Read",
        "tool_input": {"file_path": "/repo/src/dos/arbiter.py", "limit": 200, "offset": 0},
        "tool_response": {"content": "def arbitrate(...):\n" * 20, "truncated": False},
    }

    def step(m):
        x = m("posttool_sensor")
        return lambda: x.step_from_event(event)

    yield "posttool_sensor.step_from_event", step, "helper"

    def warn(m):
        x, t = m("posttool_sensor"), m("tool_stream")
        v = t.classify_stream(t.ToolStream(tuple(t.StreamStep("Read", "a", "r") for _ in range(5))))
        return lambda: x.warn_payload(v)

    yield "posttool_sensor.warn_payload", warn, "helper"

    def tree(fn, *args, **kwargs):
        def make(m):
            x = m("_tree")
            return lambda: getattr(x, fn)(*args, **kwargs)

        return make

    yield "_tree.norm_tree_prefix", tree("norm_tree_prefix", "Src/Dos/*.py"), "helper"
    yield "_tree.prefixes_collide", tree("prefixes_collide", "src/dos/a", "src/dos/b"), "helper"
    yield "_tree.lane_trees_disjoint (2 x 2 entries)", tree("lane_trees_disjoint", ["docs/UI-*", "src/dos/"], ["docs/svc-*", "tests/"]), "classifier"
    trees = {f"l{i}": [f"pkg{i}/", f"docs/{i}-*"] for i in range(4)}
    live = [{"lane": f"l{i}"} for i in range(4)]
    yield "_tree.tree_disjoint_from_all_live (4 live lanes)", tree(
        "tree_disjoint_from_all_live", requested_tree=["src/", "tests/"], live=live, sibling_tree_lookup=trees.get
    ), "classifier"
    yield from journal_cases()
    yield from witness_cases()


def journal_cases():
    """The lane journal's pure half (issue 9): the fold, compaction and a
    record builder, on a journal of 40 records over 8 lanes."""
    entries = []
    for i in range(40):
        lane = f"l{i % 8}"
        op = ("ACQUIRE", "HEARTBEAT", "HEARTBEAT", "RELEASE")[(i // 8) % 4]
        e = {"op": op, "lane": lane, "loop_ts": f"t{i % 8}", "seq": i + 1, "ts": "2026-12-07T07:00:00Z"}
        if op == "ACQUIRE":
            e["lease"] = {"lane": lane, "loop_ts": f"t{i % 8}", "holder": "agent-1", "pid": 100 + i,
                          "tree": [f"pkg{i % 8}/"], "heartbeat_at": "2026-12-07T07:00:00Z"}
        else:
            e["heartbeat_at"] = "2026-12-07T07:00:05Z"
        entries.append(e)
    yield "lane_journal.replay (fold of 40 records)", lambda m: (lambda x=m("lane_journal"): x.replay(entries)), "helper"
    yield "lane_journal.compact (fold of 40 records)", lambda m: (lambda x=m("lane_journal"): x.compact(entries)), "helper"
    lease = dict(entries[0]["lease"], acquired_at="2026-12-07T07:00:00Z", ttl_minutes=30, host_id="vm")
    yield "lane_journal.acquire_entry", lambda m: (lambda x=m("lane_journal"): x.acquire_entry(lease, reason="start")), "helper"


def witness_cases():
    """The witness chain (issue 10) on the generated route: the typed function
    takes dos_native's own records (a source by name, keys as hex), the
    accelerated one the reference's."""

    def native(x):
        return x.__name__.startswith("dos_native")

    def facts(x, n=4):
        a = x.Accountability
        return [x.EvidenceFacts(f"w{i}", [a.AGENT_AUTHORED, a.OS_RECORDED, a.THIRD_PARTY][i % 3],
                                [x.EvidenceStance.ATTESTED, x.EvidenceStance.REFUTED, x.EvidenceStance.NO_SIGNAL][i % 3],
                                "effect-1", "", i % 4 != 3) for i in range(n)]

    def gather_log(m):
        x = m("log_source")
        src = "null" if native(x) else x.NullLogSource()
        return lambda: x.gather_log(src, "run-1", None)

    yield "log_source.gather_log (built-in null source)", gather_log, "classifier"

    def believe(m):
        x = m("evidence")
        f = facts(x)
        return lambda: x.believe_under_floor(f)

    yield "evidence.believe_under_floor (4 witnesses)", believe, "classifier"

    def derived(m):
        x = m("evidence")
        ops = facts(x, 2)[1:] + [x.BeliefVerdict(True, False, "believed", ("w",))]
        return lambda: x.derived_witness("sum", "add", ops, subject="total", within_tol=True)

    yield "evidence.derived_witness (2 operands)", derived, "classifier"

    def witness(m):
        x = m("effect_witness")
        c = x.EffectClaim("quiz:Classic-Art-History", narrated="I created the quiz")
        f = facts(m("evidence"), 3)
        return lambda: x.witness_effect(c, f)

    yield "effect_witness.witness_effect (3 read-backs)", witness, "classifier"

    def admit(m):
        x = m("reward")
        f = facts(m("evidence"), 2)
        return lambda: x.admit(True, f, claim_key="refund:42")

    yield "reward.admit (2 read-backs)", admit, "classifier"

    def ab(m):
        x = m("reward")
        f = facts(m("evidence"), 3)
        labels = [x.admit(i % 5 != 0, f[: i % 4]) for i in range(50)]
        return lambda: x.acceptance_ab(labels)

    yield "reward.acceptance_ab (50 labels)", ab, "classifier"

    def receipt(m):
        x, w = m("attest"), m("effect_witness")
        v = w.witness_effect(w.EffectClaim("orders:row:42", narrated="row inserted"), facts(m("evidence"), 2))
        return x, x.receipt_from_verdict(v, timestamp="2026-11-21T00:00:00Z"), v

    def canonical(m):
        x, r, _ = receipt(m)
        return lambda: x.canonical_bytes(r)

    yield "attest.canonical_bytes", canonical, "classifier"

    key = b"an attest key of 32 bytes, ok..."

    def sign(m):
        x, r, _ = receipt(m)
        k = key.hex() if native(x) else key
        return lambda: x.sign_hmac(r, k)

    yield "attest.sign_hmac", sign, "classifier"

    def verify(m):
        x, r, _ = receipt(m)
        k = key.hex() if native(x) else key
        signed = (x.Receipt(**{**r.to_dict(), "signature": x.sign_hmac(r, k)}) if native(x)
                  else r.with_signature(x.sign_hmac(r, k)))
        return lambda: x.verify_hmac(signed, k)

    yield "attest.verify_hmac (valid)", verify, "classifier"

    def from_verdict(m):
        x, _, v = receipt(m)
        return lambda: x.receipt_from_verdict(v, timestamp="2026-11-21T00:00:00Z")

    yield "attest.receipt_from_verdict", from_verdict, "classifier"

    def testwitness(m):
        x = m("testwitness")
        e = x.TestRunEvidence(x.RunOutcome.FAILED, x.RunOutcome.PASSED)
        return lambda: x.classify(e)

    yield "testwitness.classify", testwitness, "classifier"


def provenance_cases():
    """Issue 10, tool-call provenance: a 6-argument mutating call against 20
    prior tool results of 2 KB each, and the intervention chosen for its
    verdict. Each side builds the inputs from its own module's classes."""
    import random

    rng = random.Random(10)
    words = ["the", "status", "closed", "open", "assigned", "priority", "2025-01-01", "note"]

    def blob():
        parts = []
        while sum(len(p) + 1 for p in parts) < 2048:
            r = rng.random()
            if r < 0.3:
                parts.append('{"number": "INC%07d"}' % rng.randint(0, 10**7 - 1))
            elif r < 0.4:
                parts.append('{"sys_id": "%032x"}' % rng.getrandbits(128))
            elif r < 0.5:
                parts.append('"caller": "user_%d@acme.com"' % rng.randint(1, 999))
            else:
                parts.append(rng.choice(words))
        return " ".join(parts)[:2048]

    texts = [blob() for _ in range(20)]
    values = [("incident_id", "INC0010023"), ("caller_id", "user_42@acme.com"), ("state", "closed"),
              ("count", 3), ("assignment_group", "a1b2c3d4e5"), ("parent", "INC9999999")]
    texts[7] = texts[7][:2000] + ' "INC0010023"'

    def inputs(m):
        x = m("arg_provenance")
        prior = x.PriorResults(tuple(x.EnvBlob(t, x.CorpusSource.TOOL_RESULT) for t in texts))
        call = x.ToolCall("update_incident", tuple(x.ToolArg(n, v) for n, v in values))
        return x, prior, call

    def classify_call(m):
        x, prior, call = inputs(m)
        return lambda: x.classify_call(call, prior)

    yield "arg_provenance.classify_call (6 args vs 20 x 2 KB)", classify_call, "classifier"

    def classify_arg(m):
        x, prior, call = inputs(m)
        return lambda: x.classify_arg(call.args[0], prior)

    yield "arg_provenance.classify_arg (1 arg vs 20 x 2 KB)", classify_arg, "classifier"

    def small(m):
        x = m("arg_provenance")
        prior = x.PriorResults((x.EnvBlob('{"number": "INC0010023", "caller": 10023}', x.CorpusSource.TOOL_RESULT),))
        return x, x.classify_call(x.ToolCall("t", (x.ToolArg("incident_id", "INC9999999"), x.ToolArg("note", "hello"))), prior)

    def choose(m):
        _, v = small(m)
        i = m("intervention")
        return lambda: i.choose_intervention(v)

    yield "intervention.choose_intervention", choose, "classifier"

    def assess(m):
        _, v = small(m)
        i = m("intervention")
        return lambda: i.assess_confidence(v)

    yield "intervention.assess_confidence", assess, "classifier"

    def synth(m):
        _, v = small(m)
        i = m("intervention")
        return lambda: i.synthetic_corrective_result(v, "update_incident", "get_incident")

    yield "intervention.synthetic_corrective_result", synth, "classifier"

    def run_handler(m):
        _, v = small(m)
        d = m("intervention").choose_intervention(v)
        e = m("enforce")
        if hasattr(e, "ObserveHandler"):
            h = e.ObserveHandler()
            return lambda: e.run_handler(h, d, None)
        return lambda: e.run_handler("observe", d)

    yield "enforce.run_handler (built-in observe)", run_handler, "classifier"

    def precursor(m):
        x = m("precursor_gate")
        g = x.PrecursorGrammar(requires={"create_change": ("check_change_authorization",),
                                         "assign_incident": ("get_assignment_group", "check_assignment_permission")},
                               aliases={"check_change_authorization": ("check-auth",)})
        s = x.CallStream(tuple(x.PriorCall(t, "{}") for t in ("get_change", "list_users", "get_incident", "check.auth")))
        c = x.MutatingCall("create_change")
        return lambda: x.classify_call(c, s, g)

    yield "precursor_gate.classify_call (4 prior calls)", precursor, "classifier"

    def precursor_iv(m):
        x = m("precursor_gate")
        v = x.classify_call(x.MutatingCall("create_change"), x.CallStream((x.PriorCall("get_change"),)),
                            x.PrecursorGrammar(requires={"create_change": ("check_change_authorization",)}))
        return lambda: x.precursor_intervention(v)

    yield "precursor_gate.precursor_intervention", precursor_iv, "classifier"

    def grammar(m):
        x = m("precursor_gate")
        table = {"requires": {"create_change": "check_change_authorization",
                              "assign_incident": ["get_assignment_group", "check_assignment_permission"]},
                 "aliases": {"check_change_authorization": ["check-auth"]}}
        return lambda: x.grammar_from_table(table)

    yield "precursor_gate.grammar_from_table (2 tools, 1 alias)", grammar, "classifier"


def shape_c_cases():
    """Issue 10, output shape part C: commit_audit (the pure verdicts, and the
    git readers over a throwaway repository) and judges.run_judge with the
    built-in abstain judge. Each side builds the inputs from its own classes."""
    import subprocess
    import tempfile

    files = ("src/parser.py", "README.md", "tests/test_parser.py", ".github/workflows/ci.yml", "docs/a.md",
             "assets/logo.png")

    def claim_kind(m):
        x = m("commit_audit")
        return lambda: x.classify_claim("fix(parser): correct the off-by-one in the tokenizer")

    yield "commit_audit.classify_claim", claim_kind, "classifier"

    def classify(m):
        x = m("commit_audit")
        c, d = x.CommitClaim("abc1234", "docs: clarify the parser setup"), x.DiffFacts(files, False, 12, 3)
        return lambda: x.classify(c, d)

    yield "commit_audit.classify (6 files)", classify, "classifier"

    def unwitnessed(m):
        x = m("commit_audit")
        c, d = x.CommitClaim("abc1234", "fix: resolve the auth race"), x.DiffFacts(files[1:2] + files[4:], False)
        return lambda: x.classify(c, d)

    yield "commit_audit.classify (unwitnessed, 3 files)", unwitnessed, "classifier"

    def sweep(m):
        x = m("commit_audit")
        subjects = ["fix: a", "wip", "docs: b", "add tests", "implement c"]
        vs = [x.classify(x.CommitClaim(f"s{i}", subjects[i % 5]), x.DiffFacts(files[i % 6:], False)) for i in range(100)]
        return lambda: x.sweep_summary(vs)

    yield "commit_audit.sweep_summary (100 verdicts)", sweep, "classifier"

    root = tempfile.mkdtemp(prefix="dos-bench-ca-")
    env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b", GIT_COMMITTER_NAME="b",
               GIT_COMMITTER_EMAIL="b@b", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    try:
        g = lambda *a: subprocess.run(["git", "-C", root, *a], capture_output=True, env=env, check=True)  # noqa: E731
        g("init", "-q")
        for i in range(10):
            os.makedirs(os.path.join(root, "src"), exist_ok=True)
            with open(os.path.join(root, "src", f"m{i}.py"), "w") as f:
                f.write(f"x = {i}\n")
            g("add", "-A")
            g("commit", "-q", "-m", f"fix: module {i}")
    except (OSError, subprocess.SubprocessError):
        return

    def audit_commit(m):
        x = m("commit_audit")
        return lambda: x.audit_commit("HEAD", root=root)

    yield "commit_audit.audit_commit (git)", audit_commit, "io"

    def audit_range(m):
        x = m("commit_audit")
        return lambda: x.audit_range("HEAD~5..HEAD", root=root)

    yield "commit_audit.audit_range (git, 5 commits)", audit_range, "io"

    def run_judge(m):
        j = m("judges")
        if hasattr(j, "AbstainJudge"):
            judge, c = j.AbstainJudge(), j.Claim("phase AUTH2 shipped", "trust me", ("git: no commit",), "RID-1")
        else:
            judge, c = "abstain", j.JudgeClaim("phase AUTH2 shipped", "trust me", ("git: no commit",), "RID-1")
        return lambda: j.run_judge(judge, c, None)

    yield "judges.run_judge (built-in abstain)", run_judge, "classifier"

def shape_b_cases():
    """Issue 10, output shape part B: a 7-worker fan-out folded against 8
    declared (healthy, deaths with and without a class, an unreadable slot,
    a quorum policy), and one kept self-improvement candidate. Each side
    builds its inputs from its own module's classes."""

    def coverage(m):
        x = m("coverage")
        if x.__name__.startswith("dos_native"):
            R, T, C = x.ReturnState, x.TerminalState, x.TerminalClass
            returns = [R(T.HEALTHY)] * 4 + [R(T.SYNTHETIC, cls=C.RATE_LIMIT), R(T.EMPTY), R(T.UNREADABLE)]
        else:
            from dos.result_state import ResultStateVerdict, TerminalClass, TerminalState as T

            dead = ResultStateVerdict(T.SYNTHETIC, True, TerminalClass.RATE_LIMIT, 429, "r")
            returns = [T.HEALTHY] * 4 + [dead, x.ReturnState(T.EMPTY, "w6"), T.UNREADABLE]
        policy = x.CoveragePolicy(min_quorum=0.5)
        return lambda: x.classify_coverage(8, returns, policy)

    yield "coverage.classify_coverage (7 returns of 8)", coverage, "classifier"

    def improve(m):
        x = m("improve")
        e = x.CandidateEvidence(suite_passed=True, truth_clean=True, work=43, baseline_work=42, tokens=5000,
                                consecutive_reverts=2, narrated="sped up the verifier")
        return lambda: x.classify(e)

    yield "improve.classify (a kept candidate)", improve, "classifier"


def arbiter_pure_cases():
    """Issue 9, the arbiter cluster's pure modules on the generated route:
    three operator budget flags (one kind given twice)."""
    flags = ["priority=3", " apply = 1", "priority=2"]
    yield "concurrency_class.parse_cli_budgets (3 flags)", lambda m: (
        lambda x=m("concurrency_class"): x.parse_cli_budgets(flags)), "classifier"
    # issue 9, the arbiter cluster's pure leaves (lock_modes, overlap_policy, lane_overlap)
    req, lease = ["src/api/x.py", "docs/", "tests/"], ["src/api/**", "web/"]
    yield "lock_modes.modes_compatible", lambda m: (
        lambda x=m("lock_modes"): x.modes_compatible(x.LockMode.SHARED, x.LockMode.EXCLUSIVE)), "helper"
    yield "lock_modes.region_conflict (3 x 2 entries)", lambda m: (
        lambda x=m("lock_modes"): x.region_conflict(req, x.LockMode.EXCLUSIVE, lease, x.LockMode.SHARED)), "classifier"
    yield "lane_overlap.overlap_verdict (3 x 2 entries)", lambda m: (
        lambda x=m("lane_overlap"): x.overlap_verdict(req, lease)), "classifier"
    yield "overlap_policy.floor_decision (3 x 2 entries)", lambda m: (
        lambda x=m("overlap_policy"): x.floor_decision(req, lease)), "classifier"


def sensor_cases():
    """Issue 9, the hook sensors on the generated route."""
    env = {"PATH": "/usr/bin", "HOME": "/home/u", "CID_RUN_ID": "r-1"}
    yield "marker_gate.decide (armed by env)", lambda m: (
        lambda x=m("marker_gate"): x.decide(stop_hook_active=False, loop_flag=False, env=env)), "classifier"
    cc = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                 "permissionDecisionReason": "lane busy", "additionalContext": "see dos helped"}}
    yield "hook_dialect.parse_cc (a deny)", lambda m: (
        lambda x=m("hook_dialect"): x.parse_cc(cc, moment=x.HookMoment.PRE)), "classifier"
    event = {"session_id": "s1", "hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": "/w",
             "tool_input": {"command": "sed -i s/a/b/ /w/docs/notes.md && touch lib/x.py"}}
    yield "pretool_sensor.is_pre_event", lambda m: (lambda x=m("pretool_sensor"): x.is_pre_event(event)), "classifier"
    yield "pretool_sensor._tree_from_event (Bash)", lambda m: (
        lambda x=m("pretool_sensor"): x._tree_from_event(event)), "classifier"
    yield "pretool_sensor.is_mutating_tool", lambda m: (lambda x=m("pretool_sensor"): x.is_mutating_tool(event)), "helper"
    yield "pretool_sensor.deny_payload", lambda m: (
        lambda x=m("pretool_sensor"): x.deny_payload("lane busy", additional_context="see dos helped")), "helper"
    yield "pretool_sensor.warn_payload", lambda m: (lambda x=m("pretool_sensor"): x.warn_payload("advisory")), "helper"
    yield "pretool_sensor._paths_from_command", lambda m: (
        lambda x=m("pretool_sensor"): x._paths_from_command(event["tool_input"]["command"])), "classifier"


def shape_a_cases(tmpdir):
    """Issue 10, output shape (part A): answer_shape, dangling_intent,
    claim_extract and result_state on the generated route. Inputs are a
    realistic drafted answer, a final narration, a reply carrying a marker and
    phase ids, and a 200-record transcript on disk."""
    import json

    answer = ("Microsoft's FY2023 total revenue was $211.9 billion, up 7% year over year, driven by "
              "Intelligent Cloud growth of 19% and a steady Productivity and Business Processes segment. ") * 4
    narration = ("The customer account is active and the support group has been created. "
                 "Now, to allocate the personnel, I need to identify a manager and two non-managers.")
    reply = ("Done with the refactor.\nI shipped AUTH2 and merged FQ390 after review.\n"
             "- DOS-CLAIM: AUTH AUTH3\nNotes: see DLA3 for context.\n") * 3
    path = os.path.join(tmpdir, "transcript.jsonl")
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(200):
            role = "assistant" if i % 2 else "user"
            fh.write(json.dumps({"type": role, "message": {"role": role, "model": "claude-x", "stop_reason": "end_turn",
                                 "content": [{"type": "text", "text": f"turn {i} " + "lorem ipsum " * 20}]}}) + "\n")
        fh.write(json.dumps({"isApiErrorMessage": True, "apiErrorStatus": 429, "message": {
            "role": "assistant", "model": "<synthetic>", "stop_reason": "stop_sequence",
            "content": [{"type": "text", "text": "API Error: Rate limited"}]}}) + "\n")
    record = {"isApiErrorMessage": True, "apiErrorStatus": "429", "message": {
        "role": "assistant", "model": "<synthetic>", "stop_reason": "stop_sequence",
        "content": [{"type": "text", "text": "API Error: 429 Rate limited"}]}}

    yield "answer_shape.classify (generic policy, 800 chars)", lambda m: (lambda x=m("answer_shape"): x.classify(answer)), "classifier"

    def stop(m):
        x = m("dangling_intent")
        ev = x.StopEvidence(narration)
        return lambda: x.classify_stop(ev)

    yield "dangling_intent.classify_stop (default cues)", stop, "classifier"
    yield "claim_extract.extract_claims (12 lines)", lambda m: (lambda x=m("claim_extract"): x.extract_claims(reply)), "classifier"
    yield "claim_extract.claim_from_frontmatter", lambda m: (lambda x=m("claim_extract"): x.claim_from_frontmatter(" AUTH ", "AUTH2")), "classifier"
    yield "claim_extract.assistant_text_from_transcript (201 lines)", lambda m: (
        lambda x=m("claim_extract"): x.assistant_text_from_transcript(path, last_turns=2)), "classifier"

    def terminal(m):
        x = m("result_state")
        e = x.TerminalEvidence(found=True, readable=True, model="<synthetic>", stop_reason="stop_sequence",
                               is_api_error=True, api_status=429, text="API Error: Rate limited", has_content=True)
        return lambda: x.classify_terminal(e)

    yield "result_state.classify_terminal", terminal, "classifier"

    def envelope(m):
        x = m("result_state")
        v = x.ResultStateVerdict(state=x.TerminalState.SYNTHETIC, dead=True, cls=x.TerminalClass.RATE_LIMIT,
                                 api_status=429, reason="r")
        return lambda: x.refusal_envelope(v)

    yield "result_state.refusal_envelope", envelope, "classifier"
    yield "result_state.terminal_evidence_from_record", lambda m: (
        lambda x=m("result_state"): x.terminal_evidence_from_record(record)), "classifier"
    yield "result_state.terminal_evidence_from_transcript (201 lines)", lambda m: (
        lambda x=m("result_state"): x.terminal_evidence_from_transcript(path)), "classifier"
    yield "result_state.verify_transcript (201 lines)", lambda m: (lambda x=m("result_state"): x.verify_transcript(path)), "classifier"


def durable_cases(tmp):
    """run_id, verdict_journal and intent_ledger (session 8): the pure codecs and
    folds, and the file readers on a file of 50 lines."""
    import itertools
    import pathlib

    yield "run_id.is_run_id", lambda m: (lambda x=m("run_id"): x.is_run_id("RID-01KB2X7Q8ZB3K4M5")), "helper"
    yield "run_id.ts_ms_of", lambda m: (lambda x=m("run_id"): x.ts_ms_of("RID-01KB2X7Q8ZB3K4M5")), "helper"

    def mint(m):
        x = m("run_id")
        return lambda: x.mint("proc-1", parent="RID-01KB2X7Q8ZB3K4M5", clock_ms=lambda: 1_780_000_000_000,
                              entropy=lambda: 12345)

    yield "run_id.mint (clock and entropy callables)", mint, "helper"

    def lineage(m):
        x = m("run_id")
        r = x.mint("proc-1", clock_ms=lambda: 1_780_000_000_000, entropy=lambda: 7)
        return lambda: x.lineage_env(r)

    yield "run_id.lineage_env", lineage, "helper"

    def events(x):
        kinds = itertools.cycle([("liveness", "STALLED"), ("verify", "SHIPPED"), ("efficiency", "WASTEFUL"),
                                 ("custom", "X")])
        return [x.VerdictEvent(s, v, run_id=f"RID-{i % 3}", lane="a", detail={"n": i}, ts="2026-01-01T00:00:00Z",
                               seq=i + 1) for i, (s, v) in zip(range(50), kinds)]

    def rollup(m):
        x = m("verdict_journal")
        evs = events(x)
        return lambda: x.rollup(evs, by="syscall", corrupt=1)

    yield "verdict_journal.rollup (50 events)", rollup, "helper"

    def from_record(m):
        x = m("verdict_journal")
        rec = events(x)[3].to_record()
        return lambda: x.VerdictEvent.from_record(rec)

    yield "verdict_journal.VerdictEvent.from_record", from_record, "helper"

    def to_record(m):
        x = m("verdict_journal")
        ev = events(x)[3]
        return lambda: ev.to_record()

    yield "verdict_journal.VerdictEvent.to_record", to_record, "helper"

    import dos.verdict_journal as rvj

    vj_path = pathlib.Path(tmp) / "verdict-journal.jsonl"
    vj_path.write_text("".join(__import__("json").dumps(e.to_record(), sort_keys=True) + "\n"
                               for e in events(rvj)), encoding="utf-8")
    def for_run(m):
        x = m("verdict_journal")
        evs = events(x)
        return lambda: x.for_run(evs, "RID-1")

    yield "verdict_journal.for_run (50 events)", for_run, "helper"

    def corrupt(m):
        x = m("verdict_journal")
        raw = [e.to_record() for e in events(x)] + [{"op": "_CORRUPT", "_raw": "{", "_line": 3}]
        return lambda: x.count_corrupt(raw)

    yield "verdict_journal.count_corrupt (51 records)", corrupt, "helper"
    yield "verdict_journal.read_all (path, 50 lines)", lambda m: (lambda x=m("verdict_journal"): x.read_all(vj_path)), "helper"
    yield "verdict_journal.read_events (path, 50 lines)", lambda m: (
        lambda x=m("verdict_journal"): x.read_events(vj_path)), "helper"
    yield "verdict_journal.tail (path, 5 of 50 lines)", lambda m: (
        lambda x=m("verdict_journal"): x.tail(5, path=vj_path)), "helper"

    import dos.intent_ledger as ril

    entries = [ril.intent_entry(goal="g", plan="P", phase="1", start_sha="abc", declared_steps=[f"s{i}" for i in range(10)],
                                step_regions={f"s{i}": [f"src/m{i}/"] for i in range(10)})]
    for i in range(10):
        entries.append(ril.step_claimed_entry(f"s{i}", f"sha{i}"))
        entries.append(ril.step_verified_entry(f"s{i}", f"sha{i}", via="verify", verdicts=["SHIPPED"]))
    entries.append(ril.suspend_entry(reason="r", resume_sha="sha9", residual=["s9"]))
    entries = [{**e, "run_id": "RID-1", "ts": "2026-01-01T00:00:00Z"} for e in entries]
    yield "intent_ledger.replay (22 entries)", lambda m: (lambda x=m("intent_ledger"): x.replay(entries)), "helper"
    yield "intent_ledger.intent_entry", lambda m: (lambda x=m("intent_ledger"): x.intent_entry(
        goal="g", plan="P", declared_steps=["a", "b"], step_regions={"a": ["src/"]})), "helper"
    yield "intent_ledger.step_verified_entry", lambda m: (lambda x=m("intent_ledger"): x.step_verified_entry(
        "s1", "abc", via="file-path", verdicts=["SHIPPED"])), "helper"

    def suspend(m):
        x = m("intent_ledger")
        c = x.SuspendCheckpoint(turn_index=4, transcript_digest="sha256:ab", present=True)
        return lambda: x.suspend_entry(reason="r", resume_sha="abc", residual=["s2"], checkpoint=c)

    yield "intent_ledger.suspend_entry (checkpoint)", suspend, "helper"
    il_path = pathlib.Path(tmp) / "intent.jsonl"
    il_path.write_text("".join(__import__("json").dumps(e, sort_keys=True) + "\n" for e in entries * 2), encoding="utf-8")
    yield "intent_ledger.read_all (path, 44 lines)", lambda m: (
        lambda x=m("intent_ledger"): x.read_all(path=il_path)), "helper"


def admission_cases(tmp):
    """issue 9, admission and the self-modification guard: the conjunction
    over the built-in predicates (the workshop driver's config: `frontend`
    beside a live `backend` lease, and on an idle repo) and the guard."""
    try:
        from dos.drivers.workshop import workshop_config
    except ImportError:
        return
    cfg = workshop_config(tmp)
    fe, be = list(cfg.lanes.tree_for("frontend")), list(cfg.lanes.tree_for("backend"))
    leases = [{"lane": "backend", "lane_kind": "cluster", "tree": be}, {"lane": "release", "lane_kind": "cluster", "tree": ["deploy/"]}]

    def conj(live):
        def make(m):
            x = m("admission")
            preds = x.built_in_predicates(config=cfg)
            req = x.AdmissionRequest(lane="frontend", kind="cluster", tree=tuple(fe))
            return lambda: x.run_predicates(preds, req, live, cfg)

        return make

    yield "admission.run_predicates (built-ins, 2 live leases)", conj(leases), "helper"
    yield "admission.run_predicates (built-ins, idle repo)", conj([]), "helper"

    def guard(m):
        a, x = m("admission"), m("self_modify")
        pred = x.SelfModifyPredicate()
        req = a.AdmissionRequest(lane="frontend", kind="cluster", tree=tuple(fe))
        return lambda: pred(req, {}, None)

    yield "self_modify.SelfModifyPredicate (call)", guard, "helper"
    yield "self_modify._tree_touches_runtime (4 entries)", lambda m: (
        lambda x=m("self_modify"): x._tree_touches_runtime(fe)), "helper"


def config_lint_cases():
    """issue 9, the config linter: the workshop driver's taxonomy with the
    reference's base reasons (clean), a twelve-lane taxonomy with findings, and
    has_error over its findings. The typed side builds the typed module's own
    LaneTaxonomy; both sides take the reference's ReasonRegistry."""
    import dos.config as rc
    from dos import reasons as rr

    workshop = dict(concurrent=("frontend", "backend"), exclusive=("release", "global"), autopick=("frontend", "backend"),
                    trees={"frontend": ("app/**/*", "web/**/*", "ui/**/*", "docs/UI-*"),
                           "backend": ("service/**/*", "api/**/*", "worker/**/*", "docs/SVC-*"),
                           "release": ("deploy/**/*", ".github/workflows/**/*", "docs/REL-*", "**/VERSION"),
                           "global": ("**/*",)},
                    aliases={"ui": "frontend", "ship": "release"})
    names = [f"l{i}" for i in range(12)]
    big = dict(concurrent=tuple(names), exclusive=("l0", "solo"), autopick=tuple(names) + ("ghost",),
               trees={n: (f"src/{n}/**", f"lib/{n[:2]}/**") for n in names[1:]} | {"l5": ("src/**",)},
               aliases={"k": "nowhere", "w": "l3"})

    def taxonomy(x, fields):
        cls = getattr(x, "LaneTaxonomy", None) or rc.LaneTaxonomy
        return cls(**fields)

    def lint(fields, registry):
        def make(m):
            x = m("config_lint")
            t = taxonomy(x, fields)
            return lambda: x.lint(t, registry)

        return make

    def lanes(fields):
        def make(m):
            x = m("config_lint")
            t = taxonomy(x, fields)
            return lambda: x.lint_lanes(t)

        return make

    def reasons(m):
        x = m("config_lint")
        return lambda: x.lint_reasons(rr.BASE_REASONS, known_lanes=("frontend", "backend"))

    def has_error(m):
        x = m("config_lint")
        fs = x.lint(taxonomy(x, big))
        return lambda: x.has_error(fs)

    yield "config_lint.lint (workshop + base reasons)", lint(workshop, rr.BASE_REASONS), "helper"
    yield "config_lint.lint (12 lanes, no registry)", lint(big, None), "helper"
    yield "config_lint.lint_lanes (workshop)", lanes(workshop), "helper"
    yield "config_lint.lint_lanes (12 lanes)", lanes(big), "helper"
    yield "config_lint.lint_reasons (base reasons)", reasons, "helper"
    yield "config_lint.has_error (findings of 12 lanes)", has_error, "helper"


def arbiter_cases():
    """The arbiter cluster: a disjoint admit under the workshop driver's taxonomy
    (the `frontend` cluster beside a live `backend` lease), typed and accelerated."""
    import tempfile

    try:
        from dos import arbiter as ra
        from dos.drivers.workshop import workshop_config
        from dos_native import arbiter as na
    except ImportError:
        return
    cfg = workshop_config(tempfile.mkdtemp())
    fe, be = list(cfg.lanes.tree_for("frontend")), list(cfg.lanes.tree_for("backend"))
    kw = dict(requested_lane="frontend", requested_kind="cluster", requested_tree=fe,
              live_leases=[{"lane": "backend", "lane_kind": "cluster", "tree": be}], config=cfg)
    ref = ra.arbitrate
    yield "arbiter.arbitrate (workshop, disjoint admit)", lambda: ref(**kw), lambda: na.arbitrate(**kw)
    dos_native.accelerate()  # binds dos-kernel's classes to the accelerated entry point
    dos_native.restore()
    accelerated = dos_native._native.arbitrate_ref
    yield "arbiter.arbitrate accelerated (dos-kernel's LaneDecision)", lambda: ref(**kw), lambda: accelerated(**kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--routed", action="store_true", help="only the leaves on the generated route")
    ap.add_argument("--generic", action="store_true", help="time routed leaves without their hand fast paths")
    ap.add_argument("--json", default="", help="also write the figures here (bench/regress.py reads them)")
    opts = ap.parse_args()
    # The accelerated column times every routed leaf, the ones accelerate()
    # leaves alone by default (_mapping.SLOWER) included: they are marked.
    from dos_native import _adapter
    from dos_native._mapping import SLOWER

    _adapter.register(SLOWER)
    slower = {f"{r.module[4:]}.{r.function}" for r in SLOWER}
    from dos_native._mapping import ROUTES

    routed = slower | {f"{r.module[4:]}.{r.function}" for r in ROUTES}
    number, repeat = (2000, 3) if opts.quick else (20000, 7)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()} {os.cpu_count()} cpus, load {load:.2f}; python {platform.python_version()}; "
          f"dos-kernel {getattr(dos, '__version__', '?')}, dos_native {dos_native.__version__}")
    head = f"{'op':56s} {'reference µs':>12s} {'typed µs':>9s} {'ratio':>7s} {'accel µs':>9s} {'ratio':>7s}"
    print(head)
    print("-" * len(head))
    import importlib

    ref = lambda name: importlib.import_module(f"dos.{name}")  # noqa: E731
    nat = lambda name: importlib.import_module(f"dos_native.{name}")  # noqa: E731
    if opts.generic:
        # No hand fast path (python/src/fastpath.rs): accelerate() and the
        # typed modules, imported again, bind the generic route instead.
        from dos_native import _adapter as _ad

        _ad._FAST_OPS = frozenset()
        for mod_name in sorted(sys.modules):
            m = sys.modules[mod_name]
            if mod_name.startswith("dos_native.") and hasattr(m, "_native_functions"):
                importlib.reload(m)
    import tempfile

    tmp = tempfile.TemporaryDirectory()
    rows: dict[str, dict[str, float]] = {}
    for name, make, kind in (list(cases()) + list(provenance_cases()) + list(shape_b_cases())
                             + list(shape_c_cases()) + list(shape_a_cases(tmp.name)) + list(arbiter_pure_cases())
                             + list(sensor_cases()) + list(durable_cases(tmp.name))
                             + list(admission_cases(tmp.name)) + list(config_lint_cases())):
        if opts.only not in name or (opts.routed and name.split(" ")[0] not in routed):
            continue
        n = max(number // 20, 50) if "fold" in name or "64" in name or "live" in name else number
        if "(git" in name:
            n = max(number // 1000, 5)
        if "KB" in name or "lines)" in name:
            n = max(number // 500, 10)
        dos_native.restore()
        r_fn, t_fn = make(ref), make(nat)
        r = best_us(r_fn, n, repeat)
        t = best_us(t_fn, n, repeat)
        dos_native.accelerate()
        a = best_us(make(ref), n, repeat)
        dos_native.restore()
        target = TARGETS.get(name, CLASSIFIER_TARGET if kind == "classifier" else None)
        mark = "" if target is None else ("  (target %.0f×%s)" % (target, "" if r / t >= target else ", typed not met"))
        if name.split(" ")[0] in slower:
            mark += "  [SLOWER: not swapped by default]"
        print(f"{name:56s} {r:12.3f} {t:9.3f} {r / t:6.1f}× {a:9.3f} {r / a:6.1f}×{mark}")
        rows[name] = {"reference_us": r, "typed_us": t, "accelerated_us": a, "typed_ratio": r / t,
                      "accelerated_ratio": r / a}
    req = '{"abi":1,"op":"exec_capability.classify_command","config":null,"args":{"command":"python3 -c 1"}}'
    from dos import exec_capability as rx

    r = best_us(lambda: rx.classify_command("python3 -c 1"), number, repeat)
    e = best_us(lambda: dos_native.call(req), number, repeat)
    print(f"{'envelope call (JSON text in/out) vs reference classify':56s} {r:12.3f} {e:9.3f} {r / e:6.1f}×")
    rows["envelope call (JSON text in/out) vs reference classify"] = {"reference_us": r, "typed_us": e, "typed_ratio": r / e}
    for name, r_fn, n_fn in arbiter_cases():
        if opts.only not in name:
            continue
        r, t = best_us(r_fn, number, repeat), best_us(n_fn, number, repeat)
        print(f"{name:56s} {r:12.3f} {t:9.3f} {r / t:6.1f}×")
        rows[name] = {"reference_us": r, "typed_us": t, "typed_ratio": r / t}
    if opts.json:
        import json

        with open(opts.json, "w", encoding="utf-8") as fh:
            json.dump({"load": load, "quick": opts.quick, "rows": rows}, fh, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
