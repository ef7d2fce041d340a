"""Golden cases for `dos.hook_dialect` with the bundled host dialects."""
from dos import hook_dialect as hd

from .common import cases, op

DIALECTS = ["claude-code", "codex", "gemini", "cursor", "antigravity", "hermes", "", None, "bogus", "Gemini"]


@op("hook_dialect.render")
def _render(args, config):
    moment = hd.HookMoment(args["moment"])
    return hd.resolve_dialect(args.get("dialect")).render(hd.parse_cc(args.get("cc"), moment=moment))


TEXTS = ["", "R", " spaced ", "line\nbreak", "\u00e9\u2014x", "\x7f", "  "]


def rand_cc(rng):
    r = rng.random()
    if r < 0.1:
        return rng.choice([None, [], "x", {}, {"hookSpecificOutput": None}])
    hso = {}
    if rng.random() < 0.6:
        hso["permissionDecision"] = rng.choice(["deny", "allow", "ask", None, 1])
    if rng.random() < 0.7:
        hso["permissionDecisionReason"] = rng.choice(TEXTS + [None, 2])
    if rng.random() < 0.7:
        hso["additionalContext"] = rng.choice(TEXTS + [None, 3])
    if rng.random() < 0.3:
        hso["hookEventName"] = rng.choice(["PreToolUse", "PostToolUse"])
    return {"hookSpecificOutput": hso}


@cases
def _cases(rng):
    for _ in range(320):
        yield "hook_dialect.render", {"dialect": rng.choice(DIALECTS), "moment": rng.choice(["pre", "post", "stop"]),
                                      "cc": rand_cc(rng)}
    yield "hook_dialect.render", {"dialect": "claude-code", "moment": "later", "cc": None}
