"""Golden cases for `dos.hook_dialect` with the bundled host dialects."""
from dos import hook_dialect as hd

from .common import cases, op

DIALECTS = ["claude-code", "codex", "gemini", "cursor", "antigravity", "hermes", "", None, "bogus", "Gemini"]


@op("hook_dialect.render")
def _render(args, config):
    moment = hd.HookMoment(args["moment"])
    return hd.resolve_dialect(args.get("dialect")).render(hd.parse_cc(args.get("cc"), moment=moment))


@op("hook_dialect.parse_cc")
def _parse_cc(args, config):
    if set(args) - {"cc_dict", "moment"} or "cc_dict" not in args:
        raise TypeError("parse_cc takes cc_dict and moment")
    v = hd.parse_cc(args["cc_dict"], moment=hd.HookMoment(args["moment"]))
    return {"moment": v.moment.value, "action": v.action.value, "reason": v.reason, "context": v.context}


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
    for _ in range(300):
        yield "hook_dialect.parse_cc", {"cc_dict": rand_cc(rng), "moment": rng.choice(["pre", "post", "stop"])}
    for cc in (None, 0, "deny", ["hookSpecificOutput"], {"hookSpecificOutput": {"permissionDecision": "deny"}},
               {"hookSpecificOutput": {"additionalContext": "\u2028x\x00"}}, {"other": 1}):
        yield "hook_dialect.parse_cc", {"cc_dict": cc, "moment": "pre"}
    yield "hook_dialect.parse_cc", {"cc_dict": None, "moment": "later"}
    yield "hook_dialect.parse_cc", {"cc_dict": None, "moment": None}
    yield "hook_dialect.parse_cc", {"moment": "pre"}
