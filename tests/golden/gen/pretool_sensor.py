"""Golden cases for the pure half of `dos.pretool_sensor`."""
from dos import pretool_sensor as ps

from .common import cases, op

TOOLS = ["Read", "Grep", "Glob", "LS", "NotebookRead", "WebFetch", "WebSearch", "Write", "Edit", "MultiEdit",
         "NotebookEdit", "Bash", "mcp__fs__write", "Task", "", "read", "BASH"]
PATHS = ["src/dos/arbiter.py", "/w/src/dos/arbiter.py", "/w/docs/a.md", "C:\\w\\x.py", " /w/ ", "",
         "   ", "/etc/hosts", "docs/é.md", "/w", "/w/", "//w/x.y", "\\\\w\\a.b", "a/*.py", "./x/y.z"]
CMDS = ["git status", "echo x > src/dos/arbiter.py", "cat 'a/b.txt' | wc -l; rm -rf ./build/out.o",
        "sed -i s/a/b/ docs/notes.md && touch lib/x.py", "ls -la /tmp/", "curl https://x/a.js", "--opt/x.y",
        "(cd a/b.c)", "<in/x.txt >out/y.txt", "a/b a/b.c a/b.c", "x&y/z.w|q/r.s;t/u.v", "", "  ",
        "python -m pkg.mod path/to/file.py\tother/f.rs", "\"quoted dir/file.txt\"", "a/b.\u00e9 \u3000c/d.e"]
CWDS = ["/w", "/w/", "", None, "/", "C:\\w", 5]


@op("pretool_sensor.is_pre_event")
def _is_pre(args, config):
    return ps.is_pre_event(args["event"])


@op("pretool_sensor._tree_from_event")
def _tree(args, config):
    ev = args["event"]
    if not isinstance(ev, dict):
        raise TypeError("event must be an object")
    tree, known = ps._tree_from_event(ev)
    return [list(tree), known]


@op("pretool_sensor._paths_from_command")
def _paths(args, config):
    if not isinstance(args.get("cmd"), str):
        raise TypeError("cmd must be a string")
    return list(ps._paths_from_command(args["cmd"]))


@op("pretool_sensor.is_mutating_tool")
def _mutating(args, config):
    if not isinstance(args.get("event"), dict):
        raise TypeError("event must be an object")
    return ps.is_mutating_tool(args["event"])


@op("pretool_sensor.deny_payload")
def _deny(args, config):
    if not isinstance(args.get("reason"), str) or set(args) - {"reason", "additional_context"}:
        raise TypeError("reason must be a string")
    if not isinstance(args.get("additional_context", ""), str):
        raise TypeError("additional_context must be a string")
    return ps.deny_payload(args["reason"], **({"additional_context": args["additional_context"]}
                                              if "additional_context" in args else {}))


@op("pretool_sensor.warn_payload")
def _warn(args, config):
    if not isinstance(args.get("text"), str) or set(args) - {"text"}:
        raise TypeError("text must be a string")
    return ps.warn_payload(args["text"])


def rand_event(rng):
    ev = {}
    if rng.random() < 0.9:
        ev["tool_name"] = rng.choice(TOOLS + [None, 3])
    if rng.random() < 0.5:
        ev["hook_event_name"] = rng.choice(["PreToolUse", "PostToolUse", "", None, "pretooluse", 1])
    if rng.random() < 0.2:
        ev[rng.choice(["tool_response", "tool_output"])] = rng.choice([None, "", {}, "x", 0])
    if rng.random() < 0.8:
        c = rng.choice(CWDS)
        if c is not None:
            ev["cwd"] = c
    r = rng.random()
    if r < 0.7:
        ti = {}
        for k in ("file_path", "path", "notebook_path"):
            if rng.random() < 0.35:
                ti[k] = rng.choice(PATHS + [None, 7, ["x"]])
        if rng.random() < 0.5:
            ti["command"] = rng.choice(CMDS + [None, 1])
        ev["tool_input"] = ti
    elif r < 0.8:
        ev["tool_input"] = rng.choice([None, [], "src/a.py", 3])
    return ev


@cases
def _cases(rng):
    for _ in range(260):
        e = rand_event(rng)
        yield "pretool_sensor.is_pre_event", {"event": e}
        yield "pretool_sensor._tree_from_event", {"event": e}
    yield "pretool_sensor.is_pre_event", {"event": []}
    # The event is a required argument, as in the reference.
    yield "pretool_sensor.is_pre_event", {}
    yield "pretool_sensor._tree_from_event", {"event": "x"}
    for c in CMDS:
        yield "pretool_sensor._paths_from_command", {"cmd": c}
    for _ in range(300):
        yield "pretool_sensor._paths_from_command", {"cmd": " ".join(rng.choice(CMDS + PATHS) for _ in range(rng.randint(1, 5)))}
    yield "pretool_sensor._paths_from_command", {"cmd": 3}
    for _ in range(240):
        yield "pretool_sensor.is_mutating_tool", {"event": rand_event(rng)}
    yield "pretool_sensor.is_mutating_tool", {"event": "x"}
    texts = ["", "lane busy", " spaced ", "line\nbreak", "\u00e9\u2014x", "\x7f\x00", "\U0001f600", "  "]
    for _ in range(240):
        a = {"reason": rng.choice(texts) + rng.choice(texts) + str(rng.randint(0, 999))}
        if rng.random() < 0.6:
            a["additional_context"] = rng.choice(texts) + rng.choice(texts)
        yield "pretool_sensor.deny_payload", a
        yield "pretool_sensor.warn_payload", {"text": rng.choice(texts) + str(rng.randint(0, 9999))}
    yield "pretool_sensor.deny_payload", {"reason": None}
    yield "pretool_sensor.deny_payload", {"reason": "r", "additional_context": 3}
    yield "pretool_sensor.warn_payload", {"text": 1}
