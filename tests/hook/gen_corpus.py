#!/usr/bin/env python3
"""Generate the hook parity corpus by running the reference's `dos hook <verb>`.

Every case builds a fresh workspace (the kernel runtime files when SELF_MODIFY
should apply, `docs/notes.md`, an optional `dos.toml`, and a `.dos/` state:
journal, session stream, marker tally), runs one or more steps of
`DOS_HOOK_NATIVE=0 dos hook <verb> …` with an event on stdin, and records each
step's exit code and stdout bytes, then every durable file left under the
workspace. The replay (bindings/hook/tests/corpus.rs) rebuilds the same
workspace and runs the native binary.

Normalized, because they are clock- or machine-derived: the workspace path
(`{ws}`), record `ts` fields (`<ts>`). Setup placeholders `{now}`, `{ago10}`,
`{ago120}` (UTC stamps) and `{host}` (the host name) are filled at run time.

Human-readable fields (reasons, context) are our own words in the native
build, so each is recorded with the facts it must carry (quoted lane names,
paths, digests, counts, ratios, reason classes); everything else must be equal.

Usage: make hook-corpus, or gen_corpus.py [--dos PATH_TO_dos] [--out tests/hook/corpus.jsonl] [--only NAME]
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

RUNTIME = ["arbiter", "admission", "self_modify", "lane_overlap", "_tree", "gate_classify",
           "loop_decide", "tokens", "wedge_reason", "reasons", "config"]
PROSE_KEYS = {"permissionDecisionReason", "additionalContext", "reason", "agent_message", "stopReason"}
DIALECTS = ["claude-code", "codex", "gemini", "cursor", "antigravity", "hermes", "bogus"]

FACT_PATTERNS = [
    r"'[^']*'",
    r"\b\d+/\d+\b",
    r"\d+%",
    r"(?<![\w./-])(?:[\w.-]+/)+[\w-]+\.\w+",
    r"\b[0-9a-f]{16}\b",
    r"`[^`]+`",
    r"\b(?:SELF_MODIFY|REPEATING|STALLED|EMPTY)\b",
    r"\b\d+ (?:blocked|warned|deferred)\b",
    r"wait-marker",
]


def facts_of(text):
    out = []
    for pat in FACT_PATTERNS:
        for m in re.findall(pat, text):
            if m not in out:
                out.append(m)
    return out


def stamps():
    now = dt.datetime.now(dt.timezone.utc)
    f = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"{now}": f(now), "{ago10}": f(now - dt.timedelta(minutes=10)),
            "{ago120}": f(now - dt.timedelta(minutes=120)), "{host}": socket.gethostname()}


def fill(text, ws):
    for k, v in stamps().items():
        text = text.replace(k, v)
    return text.replace("{ws}", ws)


def lease(lane, tree, *, at="{now}", pid=1, host="{host}", holder="other", loop="L1", seq=1):
    return json.dumps({"op": "ACQUIRE", "seq": seq, "ts": at, "lane": lane, "loop_ts": loop,
                       "lease": {"lane": lane, "lane_kind": "concurrent", "tree": tree, "loop_ts": loop,
                                 "host_id": host, "pid": pid, "holder": holder, "acquired_at": at,
                                 "ttl_minutes": 50}})


def enforce(seq, holder, intervention="BLOCK"):
    return json.dumps({"op": "ENFORCE", "seq": seq, "ts": "{now}", "holder": holder, "lane": "Edit",
                       "tool": "Edit", "intervention": intervention, "reason": "x", "reason_class": "SELF_MODIFY"})


def pre(tool, ws_input=None, **extra):
    ev = {"hook_event_name": "PreToolUse", "tool_name": tool, "session_id": "s1", "cwd": "{ws}"}
    if ws_input is not None:
        ev["tool_input"] = ws_input
    ev.update(extra)
    return json.dumps(ev)


def post(tool, inp, result, sid="s1", **extra):
    ev = {"hook_event_name": "PostToolUse", "tool_name": tool, "session_id": sid, "cwd": "{ws}",
          "tool_input": inp, "tool_response": result}
    ev.update(extra)
    return json.dumps(ev, ensure_ascii=False)


def cases():
    out = []

    def add(name, verb, steps, *, args=None, env=None, files=None, runtime=True, divergence=None, dirs=None,
            native_exit=None):
        row = {"name": name, "verb": verb, "args": args or [], "env": env or {},
               "files": files or {}, "runtime": runtime, "steps": steps}
        if dirs:
            row["dirs"] = dirs
        if divergence:
            row["divergence"] = divergence
        if native_exit is not None:
            row["native_exit"] = native_exit
        out.append(row)

    held = {".dos/lane-journal.jsonl": lease("feature", ["docs/"]) + "\n"}
    held_src = {".dos/lane-journal.jsonl": lease("feature", ["src/"]) + "\n"}
    ev = {
        "read": pre("Read", {"file_path": "{ws}/docs/notes.md"}),
        "edit_docs": pre("Edit", {"file_path": "{ws}/docs/notes.md"}),
        "edit_other": pre("Edit", {"file_path": "{ws}/lib/x.py"}),
        "edit_self": pre("Edit", {"file_path": "{ws}/src/dos/arbiter.py"}),
        "write_rel": pre("Write", {"file_path": "src/dos/config.py", "content": "x"}),
        "bash_self": pre("Bash", {"command": "echo x > src/dos/arbiter.py && cat src/dos/tokens.py"}),
        "bash_nopath": pre("Bash", {"command": "git status"}),
        "bash_docs": pre("Bash", {"command": "sed -i s/a/b/ docs/notes.md"}),
        "mcp_path": pre("mcp__fs__write", {"path": "{ws}/src/dos/reasons.py"}),
        "mcp_nopath": pre("mcp__x__y", {"q": 1}),
        "notebook": pre("NotebookEdit", {"notebook_path": "{ws}/docs/a.ipynb"}),
        "edit_nopath": pre("Edit", {}),
        "abs_outside": pre("Edit", {"file_path": "/etc/hosts"}),
        "unicode": pre("Edit", {"file_path": "{ws}/docs/é\u7f16.md"}),
        "posty": pre("Edit", {"file_path": "{ws}/src/dos/arbiter.py"}, tool_response={"ok": True}),
        "other_event": pre("Edit", {"file_path": "{ws}/src/dos/arbiter.py"}, hook_event_name="PostToolUse"),
        "null_result": pre("Edit", {"file_path": "{ws}/src/dos/arbiter.py"}, tool_output=None),
        "input_list": pre("Edit", [1, 2]),
        "no_session": json.dumps({"tool_name": "Edit", "cwd": "{ws}", "tool_input": {"file_path": "src/dos/tokens.py"}}),
        "glob_edit": pre("Edit", {"file_path": "{ws}/src/dos/*.py"}),
        "del_char": pre("Edit", {"file_path": "{ws}/src/a\u007fb.py"}),
        "invalid": "{not json",
        "empty": "",
        "list": "[1, 2]",
        "blank": "  \n",
    }
    # pretool: every event on an idle SELF_MODIFY workspace
    for k, e in ev.items():
        add(f"pretool-idle-{k}", "pretool", [e])
    # pretool: dialects over deny / warn / passthrough, with a lane held
    for d in DIALECTS:
        add(f"pretool-deny-{d}", "pretool", [ev["edit_self"]], args=["--dialect", d])
        add(f"pretool-warn-{d}", "pretool", [ev["read"]], args=[f"--dialect={d}"], files=held)
        add(f"pretool-collide-{d}", "pretool", [ev["edit_docs"]], args=["--dialect", d], files=held)
    # pretool: journal states
    for k in ["read", "edit_docs", "edit_other", "bash_nopath", "bash_docs", "mcp_nopath", "notebook", "edit_nopath", "unicode", "glob_edit"]:
        add(f"pretool-held-{k}", "pretool", [ev[k]], files=held)
        add(f"pretool-heldsrc-{k}", "pretool", [ev[k]], files=held_src, runtime=False)
    add("pretool-stale-lease", "pretool", [ev["edit_docs"]],
        files={".dos/lane-journal.jsonl": lease("feature", ["docs/"], at="{ago120}") + "\n"})
    add("pretool-dead-pid", "pretool", [ev["edit_docs"]],
        files={".dos/lane-journal.jsonl": lease("feature", ["docs/"], at="{ago10}", pid=4194999) + "\n"})
    add("pretool-dead-pid-young", "pretool", [ev["edit_docs"]],
        files={".dos/lane-journal.jsonl": lease("feature", ["docs/"], pid=4194999) + "\n"})
    add("pretool-dead-pid-otherhost", "pretool", [ev["edit_docs"]],
        files={".dos/lane-journal.jsonl": lease("feature", ["docs/"], at="{ago10}", pid=4194999, host="elsewhere") + "\n"})
    add("pretool-released", "pretool", [ev["edit_docs"]],
        files={".dos/lane-journal.jsonl": lease("feature", ["docs/"]) + "\n" + json.dumps(
            {"op": "RELEASE", "seq": 2, "ts": "{now}", "lane": "feature", "loop_ts": "L1"}) + "\n"})
    add("pretool-soft-overlap", "pretool", [pre("Bash", {"command": "touch docs/a.md docs/b.md lib/c.py lib/d.py"})],
        files={".dos/lane-journal.jsonl": lease("feature", ["docs/a.md"]) + "\n"})
    add("pretool-no-runtime", "pretool", [ev["edit_self"]], runtime=False)
    add("pretool-nudge-walk", "pretool", [ev["edit_self"]] * 6)
    add("pretool-nudge-prior", "pretool", [ev["edit_self"]],
        files={".dos/lane-journal.jsonl": "".join(enforce(i + 1, "s1") + "\n" for i in range(3))
               + enforce(4, "s2", "WARN") + "\n"})
    add("pretool-nudge-nosession", "pretool", [ev["no_session"]] * 2,
        files={".dos/lane-journal.jsonl": "".join(enforce(i + 1, "zz") + "\n" for i in range(3))})
    add("pretool-corrupt-journal", "pretool", [ev["edit_docs"]],
        files={".dos/lane-journal.jsonl": "garbage\n" + lease("feature", ["docs/"], seq=7) + "\n{\"op\": \"ACQ"},
        divergence="the reference glues its record onto a torn last line (the record is then unreadable and "
                   "uncounted); libdos's journal append starts a new line first, so the record survives")
    add("pretool-env-ids", "pretool", [ev["edit_self"]],
        env={"DISPATCH_LOOP_TS": "LT9", "DISPATCH_HOST_ID": "hh", "CID_RUN_ID": "run-7"})
    add("pretool-journal-env", "pretool", [ev["edit_self"]], env={"DISPATCH_LANE_JOURNAL_PATH": "{ws}/alt/wal.jsonl"})
    add("pretool-toml-ratio", "pretool", [pre("Bash", {"command": "touch docs/a.md docs/b.md lib/c.py"})],
        files={"dos.toml": "[overlap]\nratio_max = 0.5\n", ".dos/lane-journal.jsonl": lease("feature", ["docs/a.md"]) + "\n"})
    add("pretool-toml-paths", "pretool", [ev["edit_docs"]],
        files={"dos.toml": "[paths]\nlane_journal = \"state/wal.jsonl\"\n", "state/wal.jsonl": lease("feature", ["docs/"]) + "\n"})
    add("pretool-toml-badpaths", "pretool", [ev["edit_docs"]],
        files={"dos.toml": "[paths]\nlane_journal = \"state/wal.jsonl\"\nbogus = 1\n", "state/wal.jsonl": lease("feature", ["docs/"]) + "\n"})
    add("pretool-handler-observe", "pretool", [ev["edit_self"]], args=["--handler", "observe", "--debug"])
    add("pretool-flag-eq", "pretool", [ev["edit_self"]], args=["--workspace={ws}", "--dialect=gemini"])

    # posttool
    r = "same bytes"
    walk = [post("Read", {"file_path": "a.md"}, r)] * 6
    add("posttool-walk", "posttool", walk)
    for d in DIALECTS:
        add(f"posttool-walk-{d}", "posttool", walk[:3], args=["--dialect", d])
    add("posttool-run-id", "posttool", walk[:3], env={"CID_RUN_ID": "run-9"})
    add("posttool-broken", "posttool", [post("Read", {"f": 1}, "a"), post("Read", {"f": 1}, "a"),
                                         post("Read", {"f": 1}, "b"), post("Read", {"f": 1}, "b"),
                                         post("Read", {"f": 1}, "b")])
    add("posttool-no-result", "posttool", [json.dumps({"tool_name": "Bash", "session_id": "s1", "cwd": "{ws}",
                                                       "tool_input": {"command": "ls"}})] * 4)
    add("posttool-floats", "posttool", ['{"tool_name": "Read", "session_id": "s1", "cwd": "{ws}", '
                                        '"tool_input": {"x": 1.0, "y": 1234567.5, "z": 123456789012345678901234567890}, '
                                        '"tool_response": {"v": [1e300, -0.0, 2.5e-7], "s": "\\ud800x"}}'] * 3)
    add("posttool-unicode-session", "posttool", [post("Read", {"f": 1}, "a", sid="s\u00e9ss-\u0661/../x")] * 3)
    add("posttool-junk-session", "posttool", [post("Read", {"f": 1}, "a", sid="/../")] * 3)
    add("posttool-flag-session", "posttool", [post("Read", {"f": 1}, "a")] * 3, args=["--session-id", "flagged"])
    add("posttool-toml-policy", "posttool", [post("Read", {"f": 1}, "a")] * 3 + [post("Grep", {"f": 1}, "a")] * 3,
        files={"dos.toml": "[tool_stream]\nrepeat_n = 2\nstall_n = 3\nignore_tools = [\"grep\"]\n"})
    add("posttool-prior-stream", "posttool", [post("Read", {"f": 1}, "a")],
        files={".dos/streams/s1.jsonl": "\n".join([
            '{"schema": {"family": "tool-stream", "version": 1}, "op": "STEP", "tool_name": "Read", "args_digest": "X", "result_digest": "Y"}',
            'torn garbage',
            '{"schema": 2, "tool_name": "Read", "args_digest": "X", "result_digest": "Y"}',
            '{"tool_name": "Read", "args_digest": "X", "result_digest": "Y"}',
        ]) + "\n"})
    for k in ["invalid", "empty", "list"]:
        add(f"posttool-{k}", "posttool", [ev[k]])

    # marker
    m = json.dumps({"session_id": "s1", "cwd": "{ws}"})
    add("marker-unarmed", "marker", [m])
    add("marker-loop-walk", "marker", [m] * 6, args=["--loop"])
    add("marker-env-walk", "marker", [m] * 3, env={"DOS_LOOP": "1"}, args=["--max-markers", "2"])
    add("marker-env-empty", "marker", [m], env={"DOS_LOOP": ""})
    add("marker-json", "marker", [m] * 3, args=["--loop", "--json", "--max-markers=2"])
    add("marker-zero", "marker", [m] * 2, args=["--loop", "--max-markers", "0"])
    add("marker-zero-json", "marker", [m], args=["--loop", "--json", "--max-markers", "0"])
    add("marker-reset", "marker", [m] * 2, args=["--reset"], env={"CID_RUN_ID": "r1"})
    add("marker-after-reset", "marker", [m], args=["--loop"],
        files={".dos/markers/s1.jsonl": "\n".join(
            ['{"op": "MARKER", "schema": {"family": "wait-marker", "version": 1}}'] * 4
            + ['{"op": "RESET", "schema": {"family": "wait-marker", "version": 1}}',
               '{"op": "MARKER", "schema": {"family": "wait-marker", "version": 9}}',
               '{"op": "MARKER", "schema": {"family": "other", "version": 1}}']) + "\n"})
    add("marker-stop-active", "marker", [json.dumps({"session_id": "s1", "cwd": "{ws}", "stop_hook_active": True})], args=["--loop"])
    add("marker-stop-active-truthy", "marker", [json.dumps({"session_id": "s1", "cwd": "{ws}", "stop_hook_active": 1})], args=["--loop"])
    add("marker-toml", "marker", [m] * 3, env={"MYLOOP": "yes", "DOS_LOOP": "1"},
        files={"dos.toml": "[marker]\nmax_streak = 2\narm_on_env = [\"MYLOOP\"]\n"})
    add("marker-toml-unarmed", "marker", [m], env={"DOS_LOOP": "1"},
        files={"dos.toml": "[marker]\narm_on_env = [\"MYLOOP\"]\n"})
    add("marker-toml-stopactive", "marker", [json.dumps({"session_id": "s1", "cwd": "{ws}", "stop_hook_active": True})],
        args=["--loop"], files={"dos.toml": "[marker]\nrespect_stop_hook_active = false\n"})
    add("marker-no-session", "marker", [json.dumps({"cwd": "{ws}"})], args=["--loop"])
    add("marker-flag-session", "marker", [""] * 2, args=["--loop", "--session-id", "cli", "--workspace", "{ws}"])
    add("marker-unicode-session", "marker", [json.dumps({"session_id": "sé-١", "cwd": "{ws}"})], args=["--loop"])

    # unreadable files: a directory where the file should be is what the
    # reference reads as an unreadable file (OSError); dos-hook answers the
    # same for anything that is not a regular file (a FIFO, a device).
    add("unreadable-journal", "pretool", [ev["edit_self"]] * 2, dirs=[".dos/lane-journal.jsonl"])
    add("unreadable-journal-held", "pretool", [ev["read"]], dirs=[".dos/lane-journal.jsonl"])
    add("unreadable-stream", "posttool", walk[:4], dirs=[".dos/streams/s1.jsonl"])
    add("unreadable-marker", "marker", [m] * 2, args=["--loop"], dirs=[".dos/markers/s1.jsonl"])
    add("unreadable-marker-json", "marker", [m] * 2, args=["--loop", "--json"], dirs=[".dos/markers/s1.jsonl"])
    for verb, step in [("pretool", ev["edit_self"]), ("posttool", walk[0]), ("marker", m)]:
        add(f"unreadable-dostoml-{verb}", verb, [step], args=["--loop"] if verb == "marker" else [],
            dirs=["dos.toml"], native_exit=0,
            divergence="the reference raises on an unreadable dos.toml (a traceback, exit 1, nothing on stdout); "
                       "dos-hook prints nothing too and exits 0, as every hook failure does")
    return out


def build(ws, case):
    os.makedirs(os.path.join(ws, "docs"), exist_ok=True)
    with open(os.path.join(ws, "docs", "notes.md"), "w") as f:
        f.write("notes\n")
    if case["runtime"]:
        os.makedirs(os.path.join(ws, "src", "dos"), exist_ok=True)
        for r in RUNTIME:
            with open(os.path.join(ws, "src", "dos", r + ".py"), "w") as f:
                f.write("# runtime\n")
    for rel, text in case["files"].items():
        p = os.path.join(ws, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(fill(text, ws))
    for rel in case.get("dirs", []):
        os.makedirs(os.path.join(ws, rel), exist_ok=True)


def snapshot(ws, before):
    out = {}
    for root, _, files in os.walk(ws):
        for n in files:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, ws)
            data = open(p, "rb").read()
            if before.get(rel) == data:
                continue
            out[rel] = data
    return out


def norm_record(line, ws):
    try:
        obj = json.loads(line)
    except ValueError:
        return {"raw": line}
    prose = {}
    if isinstance(obj, dict):
        if "ts" in obj:
            obj["ts"] = "<ts>"
        for key in ("reason",):
            if isinstance(obj.get(key), str) and obj.get("op") in ("ENFORCE", "MARKER"):
                prose[key] = facts_of(obj[key])
        if isinstance(obj.get("proposal"), dict) and isinstance(obj["proposal"].get("reason"), str):
            prose["proposal.reason"] = facts_of(obj["proposal"]["reason"])
    return {"record": obj, "prose": prose}


def prose_of(doc, path=""):
    out = {}
    if isinstance(doc, dict):
        for k, v in doc.items():
            p = f"{path}.{k}" if path else k
            if k in PROSE_KEYS and isinstance(v, str):
                out[p] = facts_of(v)
            else:
                out.update(prose_of(v, p))
    return out


def run_case(dos, case):
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="hookgen-"))
    ws = os.path.join(tmp, "ws")
    os.makedirs(ws)
    try:
        build(ws, case)
        before = {rel: data for rel, data in snapshot(ws, {}).items()}
        env = {k: v for k, v in os.environ.items()
               if k not in ("DOS_LOOP", "CID_RUN_ID", "DISPATCH_WORKSPACE", "DISPATCH_LOOP_TS",
                            "DISPATCH_HOST_ID", "DISPATCH_LANE_JOURNAL_PATH", "JOB_LANE_JOURNAL_PATH")}
        env.update({k: fill(v, ws) for k, v in case["env"].items()})
        env["DOS_HOOK_NATIVE"] = "0"
        args = [fill(a, ws) for a in case["args"]]
        steps = []
        for stdin in case["steps"]:
            p = subprocess.run([dos, "hook", case["verb"], *(["--workspace", ws] if not any(a in ("-w", "--workspace") for a in args) else []), *args],
                               input=fill(stdin, ws).encode("utf-8", "surrogatepass"), capture_output=True, env=env, cwd=tmp)
            out = p.stdout.decode("utf-8").replace(ws, "{ws}")
            rec = {"exit": p.returncode, "stdout": out}
            if out.strip():
                rec["prose"] = prose_of(json.loads(out))
            steps.append(rec)
        files = {}
        for rel, data in sorted(snapshot(ws, before).items()):
            prior = before.get(rel, b"")
            if prior and data.startswith(prior):
                data = data[len(prior):]
            text = data.decode("utf-8").replace(ws, "{ws}")
            files[rel] = [norm_record(line, ws) for line in text.splitlines()]
        return {**case, "expected": steps, "durable": files}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dos", default=shutil.which("dos") or "/work/main/.venv/bin/dos")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "corpus.jsonl"))
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    rows = [run_case(a.dos, c) for c in cases() if a.only in c["name"]]
    with open(a.out, "w") as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(rows)} cases -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
