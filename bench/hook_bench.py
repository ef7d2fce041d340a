#!/usr/bin/env python3
"""Whole-process timing of the hook verbs: dos-hook (this repo), the Go
binary bundled in the dos-kernel 0.22.0 wheel, and the reference's Python
verb (`DOS_HOOK_NATIVE=0 dos hook <verb>`), side by side in one run.

Each engine runs the same event against the same workspace state: the
workspace's `.dos/` is restored from a snapshot before every run (outside
the timed region), so journal, stream and tally sizes are identical for all
runs. The timer spawns the process directly (posix_spawn, no shell) with the
event file as stdin and stdout/stderr to /dev/null, and measures spawn to
reap; peak RSS comes from wait4's rusage.

A second table times `pretool` (a deny, so the help tally is read too)
over a journal whose tail is a long stretch of NULs with no newline (what a
crash can leave; --nul-mb, default 400, 0 to skip): the journal is cut
back to that state before every run, and each engine has one untimed run
first.

With --json OUT it also writes, per case, each engine's median and the
ratios `go_ratio` and `python_ratio` (that engine's median over dos-hook's),
which `bench/regress.py` compares with the committed
`bench/baseline/hook.json`: the other engines are the yardstick, so the
ratios cancel most of the machine's speed, as compare.py's do.

Usage: hook_bench.py [--n 30] [--py-n 5] [--quick] [--nul-mb 400] [--markdown out.md] [--json out.json]
"""

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RUNTIME = ["arbiter", "admission", "self_modify", "lane_overlap", "_tree", "gate_classify",
           "loop_decide", "tokens", "wedge_reason", "reasons", "config"]


def find_go():
    for base in [os.path.join(ROOT, ".venv"), "/work/main/.venv"]:
        for root, _, files in os.walk(os.path.join(base, "lib")):
            if "dos-hook" in files and root.endswith(os.path.join("dos", "_bin")):
                return os.path.join(root, "dos-hook")
    p = "/tmp/ref/wheel/dos/_bin/dos-hook"
    return p if os.path.exists(p) else None


def find_dos():
    for p in [os.path.join(ROOT, ".venv/bin/dos"), "/work/main/.venv/bin/dos", shutil.which("dos") or ""]:
        if p and os.path.exists(p):
            return p
    return None


def spawn_time(argv, stdin_path, env, cwd):
    fd_in = os.open(stdin_path, os.O_RDONLY)
    fd_null = os.open(os.devnull, os.O_WRONLY)
    try:
        fa = [(os.POSIX_SPAWN_DUP2, fd_in, 0), (os.POSIX_SPAWN_DUP2, fd_null, 1),
              (os.POSIX_SPAWN_DUP2, fd_null, 2)]
        old = os.getcwd()
        os.chdir(cwd)
        try:
            t0 = time.perf_counter_ns()
            pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
            _, status, ru = os.wait4(pid, 0)
            t1 = time.perf_counter_ns()
        finally:
            os.chdir(old)
        return (t1 - t0) / 1e6, ru.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)
    finally:
        os.close(fd_in)
        os.close(fd_null)


def enforce_line(i):
    return json.dumps({
        "dispatch_call": False, "handler": "admission", "holder": f"other-{i % 97}", "host_id": "",
        "intervention": "BLOCK", "lane": "Edit", "loop_ts": "", "op": "ENFORCE",
        "proposal": {"decision": "deny", "dispatch_call": False, "handler": "admission", "intervention": "BLOCK",
                     "reason": "lane 'Edit' would edit kernel code (src/dos/arbiter.py) " + "x" * 500,
                     "reason_class": "SELF_MODIFY", "rung": "admission"},
        "reason": "lane 'Edit' would edit kernel code (src/dos/arbiter.py) " + "x" * 200,
        "reason_class": "SELF_MODIFY", "run_id": "", "seq": i + 1, "tool": "Edit",
        "ts": "2026-01-01T00:00:00Z", "withheld": True}, sort_keys=True, ensure_ascii=False)


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="hookbench-"))
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(os.path.join(self.ws, "src", "dos"))
        os.makedirs(os.path.join(self.ws, "docs"))
        for r in RUNTIME:
            open(os.path.join(self.ws, "src", "dos", r + ".py"), "w").write("# runtime\n")
        open(os.path.join(self.ws, "docs", "notes.md"), "w").write("notes\n")
        self.ev = {}
        base = {"session_id": "bench-1", "cwd": self.ws}
        self.event("read", dict(base, hook_event_name="PreToolUse", tool_name="Read",
                                tool_input={"file_path": self.ws + "/docs/notes.md"}))
        self.event("edit", dict(base, hook_event_name="PreToolUse", tool_name="Edit",
                                tool_input={"file_path": self.ws + "/docs/notes.md"}))
        self.event("deny", dict(base, hook_event_name="PreToolUse", tool_name="Edit",
                                tool_input={"file_path": self.ws + "/src/dos/arbiter.py"}))
        self.event("post", dict(base, hook_event_name="PostToolUse", tool_name="Read",
                                tool_input={"file_path": "docs/notes.md"}, tool_response="same bytes"))
        self.event("marker", dict(base))
        self.snaps = {}
        self.engines = {}
        hook = os.path.abspath(args.hook) if args.hook else os.path.join(ROOT, "target", "release", "dos-hook")
        self.engines["dos-hook (Rust)"] = ([hook], {})
        go = find_go()
        if go:
            self.engines["Go dos-hook"] = ([go], {"DOS_HOOK_NATIVE": "1"})
        dos = find_dos()
        if dos and not args.no_python:
            self.engines["Python dos hook"] = ([dos, "hook"], {"DOS_HOOK_NATIVE": "0"})

    def event(self, name, ev):
        p = os.path.join(self.tmp, name + ".json")
        open(p, "w").write(json.dumps(ev))
        self.ev[name] = p

    def snapshot(self, name, build):
        d = os.path.join(self.ws, ".dos")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        build(d)
        snap = os.path.join(self.tmp, "snap-" + name)
        shutil.rmtree(snap, ignore_errors=True)
        shutil.copytree(d, snap)
        self.snaps[name] = snap

    def restore(self, name):
        # In place: files keep their inodes, as a journal does between hook
        # calls (dos-hook's caches beside the journal are keyed on it).
        d = os.path.join(self.ws, ".dos")
        snap = self.snaps[name]
        want = set()
        for root, _, files in os.walk(snap):
            for f in files:
                src = os.path.join(root, f)
                rel = os.path.relpath(src, snap)
                want.add(rel)
                if f.endswith(".fold"):
                    continue  # dos-hook's own caches stay as its last run left them
                dst = os.path.join(d, rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                data = open(src, "rb").read()
                try:
                    if os.path.getsize(dst) == len(data) and open(dst, "rb").read() == data:
                        continue
                except OSError:
                    pass
                with open(dst, "r+b" if os.path.exists(dst) else "wb") as fh:
                    fh.write(data)
                    fh.truncate()
        for root, dirs, files in os.walk(d, topdown=False):
            for f in files:
                p = os.path.join(root, f)
                if os.path.relpath(p, d) not in want and not f.endswith(".fold"):
                    os.remove(p)

    def time(self, engine, verb, event, snap, extra_env=None, n=30, flags=(), restore_each=True):
        prefix, env_add = self.engines[engine]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOS_", "CID_", "DISPATCH_"))}
        env.update(env_add)
        env.update(extra_env or {})
        env["DOS_HOOK_METRICS"] = "0"
        argv = prefix + [verb, "--workspace", self.ws, *flags]
        times, rss, codes = [], [], set()
        self.restore(snap)
        for i in range(n + 2):
            if restore_each:
                self.restore(snap)
            ms, r, code = spawn_time(argv, self.ev[event], env, self.tmp)
            codes.add(code)
            if i >= 2:
                times.append(ms)
                rss.append(r)
        # Peak RSS from a separate run under GNU time (a fork of the Python
        # timer would report the timer's own size).
        if restore_each:
            self.restore(snap)
        rss_kb = 0
        if shutil.which("/usr/bin/time"):
            fd = os.open(self.ev[event], os.O_RDONLY)
            p = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdin=fd, env=env, cwd=self.tmp,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            os.close(fd)
            try:
                rss_kb = int(p.stderr.decode().strip().splitlines()[-1])
            except (ValueError, IndexError):
                rss_kb = 0
        return statistics.median(times), rss_kb / 1024.0, codes

    def time_nul_tail(self, engine, path, size, n):
        """pretool deny over `path` cut back to `size` bytes (a NUL tail with
        no newline) before each run; (median ms, peak RSS MB)."""
        prefix, env_add = self.engines[engine]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOS_", "CID_", "DISPATCH_"))}
        env.update(env_add)
        env["DOS_HOOK_METRICS"] = "0"
        argv = prefix + ["pretool", "--workspace", self.ws]
        times = []
        for i in range(n + 1):
            os.truncate(path, size)
            ms, _, _ = spawn_time(argv, self.ev["deny"], env, self.tmp)
            if i >= 1:
                times.append(ms)
        os.truncate(path, size)
        rss_kb = 0
        if shutil.which("/usr/bin/time"):
            fd = os.open(self.ev["deny"], os.O_RDONLY)
            p = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdin=fd, env=env, cwd=self.tmp,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            os.close(fd)
            try:
                rss_kb = int(p.stderr.decode().strip().splitlines()[-1])
            except (ValueError, IndexError):
                rss_kb = 0
        return statistics.median(times), rss_kb / 1024.0

    def floor(self, argv, n):
        env = dict(os.environ)
        times = [spawn_time(argv, self.ev["read"], env, self.tmp)[0] for _ in range(n + 2)][2:]
        return statistics.median(times)


RATIO_OF = {"Go dos-hook": "go_ratio", "Python dos hook": "python_ratio"}


def write_json(path, results, engines, floors):
    """The table as bench/regress.py reads it: one row per case with each
    engine's median ms and its ratio over dos-hook's."""
    rows = {}
    for line in results:
        ours = line["dos-hook (Rust)"][0]
        row = {"dos_hook_ms": ours}
        for e in engines:
            if e in RATIO_OF and ours > 0:
                row[RATIO_OF[e]] = line[e][0] / ours
        rows["hook " + line["case"]] = row
    data = {"machine": f"{platform.machine()} {os.cpu_count()} cpus", "load": os.getloadavg()[0],
            "floors_ms": floors, "rows": rows}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--py-n", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="skip the 57,853-record journal")
    ap.add_argument("--no-python", action="store_true")
    ap.add_argument("--nul-mb", type=int, default=400, help="MB of NULs with no newline at the journal's tail (0: skip)")
    ap.add_argument("--markdown", default="")
    ap.add_argument("--json", default="", help="also write the medians and ratios here (bench/regress.py reads them)")
    ap.add_argument("--hook", default="", help="the dos-hook binary (default target/release/dos-hook)")
    a = ap.parse_args()
    b = Bench(a)
    hook = b.engines["dos-hook (Rust)"][0][0]
    if not os.path.exists(hook):
        sys.exit("build it first: cargo build --release -p dos-hook")

    b.snapshot("idle", lambda d: None)
    b.snapshot("deny", lambda d: open(os.path.join(d, "lane-journal.jsonl"), "w").write(
        json.dumps({"op": "ENFORCE", "seq": 1, "ts": "2026-01-01T00:00:00Z", "holder": "bench-1",
                    "intervention": "BLOCK", "tool": "Edit", "lane": "Edit"}) + "\n"))

    def post(d):
        os.makedirs(os.path.join(d, "streams"))
        env = dict(os.environ, DOS_HOOK_METRICS="0")
        for _ in range(3):
            subprocess.run([hook, "posttool", "--workspace", b.ws], stdin=open(b.ev["post"]), env=env,
                           stdout=subprocess.DEVNULL)
    b.snapshot("post", post)

    def marker(d):
        os.makedirs(os.path.join(d, "markers"))
        open(os.path.join(d, "markers", "bench-1.jsonl"), "w").write(
            '{"op": "MARKER", "schema": {"family": "wait-marker", "version": 1}, "ts": "2026-01-01T00:00:00Z"}\n')
    b.snapshot("marker", marker)

    sizes = [1000, 10000] + ([] if a.quick else [57853])
    for n in sizes:
        def wal(d, n=n):
            with open(os.path.join(d, "lane-journal.jsonl"), "w") as f:
                for i in range(n):
                    f.write(enforce_line(i) + "\n")
            # dos-hook keeps its fold sidecar and the session's help tally
            # next to the journal between calls; one earlier deny of this
            # session builds both (as in steady state), and makes the timed
            # deny help #2 for every engine (no nudge).
            subprocess.run([hook, "pretool", "--workspace", b.ws], stdin=open(b.ev["deny"]),
                           env=dict(os.environ, DOS_HOOK_METRICS="0"), stdout=subprocess.DEVNULL)
        b.snapshot(f"wal{n}", wal)

    rows = [
        ("pretool passthrough Read", "pretool", "read", "idle", {}, ()),
        ("pretool disjoint Edit", "pretool", "edit", "idle", {}, ()),
        ("pretool SELF_MODIFY deny", "pretool", "deny", "deny", {}, ()),
        ("posttool REPEATING (step 4)", "posttool", "post", "post", {}, ()),
        ("marker allow (DOS_LOOP=1)", "marker", "marker", "marker", {"DOS_LOOP": "1"}, ()),
    ]
    for n in sizes:
        rows.append((f"pretool Read, journal {n:,}", "pretool", "read", f"wal{n}", {}, ()))
        rows.append((f"pretool deny, journal {n:,}", "pretool", "deny", f"wal{n}", {}, ()))

    # Let the snapshots' writeback finish before anything is timed.
    os.sync()
    time.sleep(2)
    floors = {"/bin/true": b.floor(["/bin/true"], a.n), "cat (reads stdin)": b.floor(["/bin/cat"], a.n)}
    engines = list(b.engines)
    results = []
    for label, verb, ev, snap, env, flags in rows:
        line = {"case": label}
        for e in engines:
            n = a.py_n if e.startswith("Python") else a.n
            if e.startswith("Python") and "journal 57" in label:
                n = max(2, a.py_n // 2)
            if e.startswith("Go") and "journal" in label and "1,000" not in label:
                n = max(5, a.n // 4)  # seconds per run at this size
            # Over a large journal the runs follow one another without a
            # restore (each deny adds one record to thousands), as in use.
            med, rss, codes = b.time(e, verb, ev, snap, env, n, flags, restore_each=not snap.startswith("wal"))
            line[e] = (med, rss, sorted(codes))
        results.append(line)
        print(label, {e: f"{line[e][0]:.2f} ms / {line[e][1]:.1f} MB rc={line[e][2]}" for e in engines}, flush=True)

    out = []
    out.append(f"Floors (median ms): " + ", ".join(f"{k} {v:.2f}" for k, v in floors.items()))
    out.append("")
    out.append("| case | " + " | ".join(f"{e} ms" for e in engines) + " | " + " | ".join(f"{e} RSS MB" for e in engines) + " |")
    out.append("|---|" + "---:|" * (2 * len(engines)))
    for line in results:
        out.append(f"| {line['case']} | " + " | ".join(f"{line[e][0]:.2f}" for e in engines) + " | "
                   + " | ".join(f"{line[e][1]:.1f}" for e in engines) + " |")
    if a.nul_mb > 0:
        # One deny of this session, then the NULs, written out (not sparse).
        b.restore("deny")
        path = os.path.join(b.ws, ".dos", "lane-journal.jsonl")
        with open(path, "ab") as f:
            block = b"\0" * (1 << 20)
            for _ in range(a.nul_mb):
                f.write(block)
        size = os.path.getsize(path)
        os.sync()
        out.append("")
        out.append(f"pretool deny over a journal ending in {a.nul_mb} MB of NULs with no newline "
                   f"(median of n runs after one untimed run):")
        out.append("")
        out.append("| engine | n | ms | peak RSS MB |")
        out.append("|---|---:|---:|---:|")
        for e in engines:
            n = 5 if e.startswith("dos-hook") else 2
            med, rss = b.time_nul_tail(e, path, size, n)
            print(f"NUL tail {a.nul_mb} MB", e, f"{med:.0f} ms / {rss:.0f} MB", flush=True)
            out.append(f"| {e} | {n} | {med:.0f} | {rss:.0f} |")
        os.remove(path)
    if a.json:
        write_json(a.json, results, engines, floors)
    text = "\n".join(out)
    print()
    print(text)
    if a.markdown:
        open(a.markdown, "w").write(text + "\n")
    shutil.rmtree(b.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
