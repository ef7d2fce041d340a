"""Golden cases for the workspace config: `config.from_toml`.

Each case is a `dos.toml` text, a preset and the kernel runtime files present
in the workspace. The runner writes them into a scratch workspace, runs the
reference's `load_workspace_config` there (with the preset's base), collects
every warning it emits (the sink and, for the `job` preset's inner layering,
stderr), and projects the resulting `SubstrateConfig` to the envelope's JSON
shape. Where the reference fails outright the case expects BAD_CONFIG.
"""
from __future__ import annotations

import contextlib
import datetime
import io
import math
import pathlib
import re
import shutil
import tempfile

from dos import config as dcfg
from dos.drivers import workshop

from .common import cases, op
from .jsonish import fields, rt

WS = pathlib.Path(tempfile.gettempdir()).resolve() / "libdos-golden-ws"
ROOT = str(WS)
N_BASE_REASONS = 10
N_BASE_RUNGS = 4
RUNTIME_FILES = ["src/dos/arbiter.py", "src/dos/admission.py", "src/dos/self_modify.py", "src/dos/lane_overlap.py",
                 "src/dos/_tree.py", "src/dos/gate_classify.py", "src/dos/loop_decide.py", "src/dos/tokens.py",
                 "src/dos/wedge_reason.py", "src/dos/reasons.py", "src/dos/config.py"]


class ConfigCrash(ValueError):
    """The reference failed outright (not a warning): the envelope answers BAD_CONFIG."""
    envelope_code = "BAD_CONFIG"


def jsonable(v):
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return str(v)
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def _opt(p):
    return None if p is None else str(p)


def project(cfg) -> dict:
    """The envelope's projection of a reference `SubstrateConfig`."""
    lanes, p = cfg.lanes, cfg.paths
    path_fields = ["root", "execution_state", "plans_glob", "findings_queue", "fanout_runs", "dispatch_loops",
                   "chained_runs", "next_packets", "replan_dir", "soaks_index", "picker_audits", "archive_lock",
                   "lane_journal", "leases_dir", "project_card", "style", "verdict_journal"]
    ws = cfg.workspace
    r = cfg.retention
    return {
        "lanes": {"concurrent": list(lanes.concurrent), "exclusive": list(lanes.exclusive),
                  "autopick": list(lanes.autopick), "trees": {k: list(v) for k, v in lanes.trees.items()},
                  "aliases": dict(lanes.aliases)},
        "paths": {f: _opt(getattr(p, f)) for f in path_fields},
        "reasons": [{"token": s.token, "category": s.category, "refusal": s.refusal, "fix": s.fix,
                     "see_also": list(s.see_also), "summary": s.summary} for s in cfg.reasons.specs],
        "stamp": cfg.stamp.to_dict(),
        "reason_morphology": cfg.reason_morphology.to_list(),
        "workspace": None if ws is None else {"root": str(ws.root), "kernel_runtime_files": list(ws.kernel_runtime_files),
                                              "is_kernel_repo": ws.is_kernel_repo},
        "overlap_ratio_max": cfg.overlap_ratio_max,
        "overlap_policy_name": cfg.overlap_policy_name,
        "class_budgets": [{"name": c.name, "max_concurrent": c.max_concurrent} for c in cfg.class_budgets.classes],
        "retention": {"journal_max_entries": r.journal_max_entries, "journal_max_age_days": r.journal_max_age_days,
                      "runs_keep_last": r.runs_keep_last, "verdicts_keep_last": r.verdicts_keep_last,
                      "audits_keep_last": r.audits_keep_last, "projections_compact": r.projections_compact},
        "data_class": {"trajectory_patterns": list(cfg.data_class.trajectory_patterns),
                       "audit_patterns": list(cfg.data_class.audit_patterns),
                       "baseline_patterns": list(cfg.data_class.baseline_patterns),
                       "product_patterns": list(cfg.data_class.product_patterns),
                       "default_class": cfg.data_class.default_class},
        "interventions": {"default_token": cfg.interventions.default_token,
                          "specs": [{"token": s.token, "rank": s.rank, "summary": s.summary, "actuation": s.actuation,
                                     "dispatches": s.dispatches, "returns_synthetic": s.returns_synthetic,
                                     "see_also": list(s.see_also)} for s in cfg.interventions.specs]},
        "stream_policy": {"repeat_n": cfg.stream_policy.repeat_n, "stall_n": cfg.stream_policy.stall_n,
                          "ignore_tools": sorted(cfg.stream_policy.ignore_tools)},
        "precursors": {"requires": {k: list(v) for k, v in cfg.precursors.requires.items()},
                       "aliases": {k: list(v) for k, v in cfg.precursors.aliases.items()}},
        "enumerate_grammar": cfg.enumerate_grammar.to_dict(),
        "cooldown": {"window_ms": cfg.cooldown.window_ms, "error_window_ms": cfg.cooldown.error_window_ms},
        "lifecycle": cfg.lifecycle.to_dict(),
        "supervise": cfg.supervise.to_dict(),
        "marker": {"max_streak": cfg.marker.max_streak, "arm_on_env": list(cfg.marker.arm_on_env),
                   "respect_stop_hook_active": cfg.marker.respect_stop_hook_active},
        "non_git_oracle": cfg.non_git_oracle,
        "ci": jsonable(cfg.ci),
    }


_STDERR_WARNING = re.compile(r"^warning: ignoring malformed \[(.+?)\] in .*?dos\.toml: (.*)$")


def _prepare(text, files):
    shutil.rmtree(WS, ignore_errors=True)
    WS.mkdir(parents=True)
    for f in files:
        path = WS / f
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    if text is not None:
        (WS / "dos.toml").write_bytes(text.encode("utf-8"))


def load_reference(preset: str, warnings: list):
    sink = lambda label, msg: warnings.append((label, msg))  # noqa: E731
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            if preset == "generic":
                cfg = dcfg.load_workspace_config(WS, gather_env=False, warn=sink)
            elif preset == "job":
                cfg = dcfg.load_workspace_config(WS, job=True, gather_env=False, warn=sink)
            elif preset == "workshop":
                cfg = dcfg.load_workspace_config(WS, base=workshop.workshop_config(WS), gather_env=False, warn=sink)
            else:
                raise TypeError("unknown preset")
    except ValueError:
        raise
    except (TypeError, AttributeError, ArithmeticError, KeyError) as e:
        raise ConfigCrash(f"{type(e).__name__}: {e}") from e
    # The job preset layers twice; the inner layering warns on stderr.
    inner = []
    for line in err.getvalue().splitlines():
        m = _STDERR_WARNING.match(line)
        if m:
            inner.append((m.group(1), m.group(2)))
    warnings[:0] = inner
    return cfg


def _warning_facts(text_tables, label, message):
    """Keys of the warned table that the reference's message names: ours must too."""
    table = text_tables.get(label.split(".")[0]) if isinstance(text_tables, dict) else None
    if label == "reasons.morphology" or not isinstance(table, dict):
        return []
    out = []
    for k in table:
        if isinstance(k, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) and re.search(rf"(?<![A-Za-z0-9_]){re.escape(k)}(?![A-Za-z0-9_])", message):
            out.append(k)
    return out


def _parsed(text):
    import tomllib
    try:
        return tomllib.loads(text.encode("utf-8").decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n"))
    except Exception:
        return {}


def _facts(args, verdict):
    facts = {}
    tables = _parsed(args.get("text") or "")
    for i, w in enumerate(verdict["warnings"]):
        facts[f"warnings.{i}.message"] = _warning_facts(tables, w["table"], w["message"])
        facts[f"warnings.{i}.key"] = []
    return facts


def _prose_paths():
    paths = []
    for i in range(N_BASE_REASONS):
        paths += [f"config.reasons.{i}.summary", f"config.reasons.{i}.fix"]
    for i in range(N_BASE_RUNGS):
        paths += [f"config.interventions.specs.{i}.summary", f"config.interventions.specs.{i}.actuation"]
    return paths


@op("config.from_toml", prose=_prose_paths(), facts=_facts, dynamic_prose=True)
def _from_toml(args, config):
    args = fields(rt(args), ("text", "preset", "root", "kernel_runtime_files"), "args")
    text = args.get("text")
    if text is not None and not isinstance(text, str):
        raise TypeError("text must be a string")
    preset = args.get("preset", "generic")
    if preset not in ("generic", "job", "workshop"):
        raise TypeError("unknown preset")
    if args.get("root") != ROOT:
        raise TypeError("the golden workspace root is fixed")
    files = args.get("kernel_runtime_files")
    if not isinstance(files, list) or not all(f in RUNTIME_FILES for f in files):
        raise TypeError("kernel_runtime_files must list runtime files")
    _prepare(text, files)
    warnings: list = []
    try:
        cfg = load_reference(preset, warnings)
    finally:
        shutil.rmtree(WS, ignore_errors=True)
    out = {"config": project(cfg),
           "warnings": [{"table": label, "key": "", "message": msg} for label, msg in warnings]}
    return out


# ---------------------------------------------------------------- TOML text


def tstr(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def tkey(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else tstr(k)


def tval(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return tstr(v)
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(tval(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{tkey(k)} = {tval(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def section(name: str, body: dict) -> str:
    lines = [f"[{name}]"]
    for k, v in body.items():
        lines.append(f"{tkey(k)} = {tval(v)}")
    return "\n".join(lines) + "\n"


DT = datetime.datetime(1979, 5, 27, 7, 32, tzinfo=datetime.timezone.utc)
DT_OFF = datetime.datetime(1979, 5, 27, 0, 32, 0, 999999, tzinfo=datetime.timezone(datetime.timedelta(hours=-7)))
DATE = datetime.date(2020, 1, 2)
TIME = datetime.time(7, 32, 5)
NAN, INF = float("nan"), float("inf")

# Values tried in place of a well-formed one.
ODD = [True, False, 0, 1, -1, 7, 1.5, -2.5, 0.0, NAN, INF, -INF, "", "x", "none", " 3 ", "\u0663", [], [1], ["a", 1],
       ["a"], {}, {"a": 1}, DT, DATE, TIME, 2**62]


# (table name, body) pairs: good and malformed declarations of every table.
def table_cases():
    yield "reasons", {"MY_REASON": {"category": "MISROUTE"}}
    yield "reasons", {"custom_gate": {"category": "OPERATOR_GATE", "refusal": False, "summary": "s", "fix": "f",
                                      "see_also": "lane main"}}
    yield "reasons", {"A": {"category": "TRUE_DRAIN", "see_also": ["lane x", "oracle y"]}, "B": {"category": "STALE_CLAIM"}}
    yield "reasons", {"A": {"category": "TRUE_DRAIN"}, "a": {"category": "TRUE_DRAIN"}}
    yield "reasons", {"lane_drained": {"category": "TRUE_DRAIN"}}
    yield "reasons", {"X": 1}
    yield "reasons", {"X": {"summary": "no category"}}
    yield "reasons", {"X": {"category": "NOPE"}}
    yield "reasons", {"X": {"category": "misroute"}}
    yield "reasons", {"X": {"category": 5}}
    yield "reasons", {"": {"category": "MISROUTE"}}
    yield "reasons", {" ": {"category": "MISROUTE"}}
    for v in ODD:
        yield "reasons", {"R": {"category": "MISROUTE", "see_also": v}}
        yield "reasons", {"R": {"category": "MISROUTE", "fix": v, "refusal": v}}
    yield "reasons", {"R": {"category": "MISROUTE", "summary": [1, "a'b", 2.5, True, {"k": DT}]}}

    yield "stamp", {"style": "grep", "subject_dirs": ["src", "lib"]}
    yield "stamp", {"subject_dirs": "src", "trailer_stamp": True, "sub_phase_parent_fallback": True}
    yield "stamp", {"code_dirs": [], "infra_basenames": ["a.py"], "infra_doc_basenames": "x.md",
                    "progress_markers": ["wip"], "bookkeeping_prefixes": ["docs/x:"], "summary_bundle_prefixes": []}
    yield "stamp", {"styel": "grep"}
    for v in ODD:
        yield "stamp", {"subject_dirs": v}
        yield "stamp", {"style": v}
        yield "stamp", {"trailer_stamp": v}

    yield "enumerate", {"heading_levels": [2, 3], "scan_tables": False, "style": "series"}
    yield "enumerate", {"generic_numeric_table": True, "bare_phase_fallback": False, "rollup_parents": True}
    yield "enumerate", {"series": "AUTH"}
    yield "enumerate", {"heading_levels": []}
    for v in ODD:
        yield "enumerate", {"heading_levels": v}
        yield "enumerate", {"scan_tables": v}

    yield "cooldown", {"window_ms": 1000, "error_window_ms": 5}
    yield "cooldown", {"window_hours": 2, "error_window_minutes": 5}
    yield "cooldown", {"window_ms": 10, "window_hours": "not checked"}
    yield "cooldown", {"window_hours": 1.5, "error_window_minutes": 0.5}
    yield "cooldown", {"window_hours": 1e300}
    yield "cooldown", {"window_ms": -5}
    yield "cooldown", {"windows": 1}
    for v in ODD:
        yield "cooldown", {"window_ms": v}
        yield "cooldown", {"error_window_minutes": v}

    yield "supervise", {"target": 3, "count_spinning_as_alive": False, "reap_stalled": False}
    yield "supervise", {"spin_halt_after_minutes": 1.5, "max_concurrency": 2}
    yield "supervise", {"spin_halt_after_ms": 0, "worker_launch_template": "run {lane} now"}
    yield "supervise", {"spin_halt_after_ms": 1, "spin_halt_after_minutes": 1}
    yield "supervise", {"worker_launch_template": "no placeholder"}
    yield "supervise", {"max_concurrency": 0}
    yield "supervise", {"target": -1}
    yield "supervise", {"spin_halt_after_ms": -1}
    yield "supervise", {"tagret": 1}
    for v in ODD:
        yield "supervise", {"target": v}
        yield "supervise", {"spin_halt_after_minutes": v}
        yield "supervise", {"spin_halt_after_ms": v}
        yield "supervise", {"reap_stalled": v}
        yield "supervise", {"max_concurrency": v}

    yield "lifecycle", {"classes": ["active", "parked", "done"],
                        "transitions": [{"from": "active", "to": "parked", "trigger": "idle_30d"},
                                        {"from": "parked", "to": "done", "trigger": "t", "auto": True}],
                        "veto_class": "parked", "max_transitions_per_cycle": 2, "per_plan_cooldown_hours": 1}
    yield "lifecycle", {"classes": ["a"]}
    yield "lifecycle", {"transitions": []}
    yield "lifecycle", {"transitions": [{"from": "active", "to": "gone", "trigger": "t"}]}
    yield "lifecycle", {"transitions": [{"from": "active", "to": "done"}]}
    yield "lifecycle", {"transitions": [{"from": "active", "to": "done", "trigger": "t", "auto": "yes"}]}
    yield "lifecycle", {"transitions": [1]}
    yield "lifecycle", {"veto_class": "nope"}
    yield "lifecycle", {"veto_class": ""}
    yield "lifecycle", {"klasses": []}
    for v in ODD:
        yield "lifecycle", {"classes": v}
        yield "lifecycle", {"transitions": v}
        yield "lifecycle", {"veto_class": v}
        yield "lifecycle", {"max_transitions_per_cycle": v}

    yield "lanes", {"concurrent": ["api", "web"], "exclusive": ["infra"], "autopick": ["api"],
                    "trees": {"api": ["src/api/**"], "web": ["web/**/*"], "infra": ["**/*"]}, "aliases": {"a": "api"}}
    yield "lanes", {"exclusive": ["solo"]}
    yield "lanes", {"concurrent": "main"}
    yield "lanes", {"concurrent": ["a"], "other": 5}
    for v in ODD:
        yield "lanes", {"concurrent": v}
        yield "lanes", {"trees": v}
        yield "lanes", {"trees": {"a": v}}
        yield "lanes", {"aliases": v}
        yield "lanes", {"aliases": {"k": v}}

    yield "paths", {"lane_journal": "state/lj.jsonl", "plans_glob": "planning/*.md"}
    yield "paths", {"execution_state": "/abs/state.yaml", "project_card": "card.json", "verdict_journal": "../up.jsonl"}
    yield "paths", {"leases_dir": "./a//b/", "archive_lock": "", "soaks_index": "x/./y"}
    yield "paths", {"root": "/elsewhere"}
    yield "paths", {"style": "dos"}
    yield "paths", {"plnas_glob": "x"}
    for v in ODD:
        yield "paths", {"lane_journal": v}
        yield "paths", {"plans_glob": v}

    yield "overlap", {"ratio_max": 0.5, "policy": "custom"}
    yield "overlap", {"ratio_max": 1}
    yield "overlap", {"ratio_max": "0.25"}
    yield "overlap", {"ratio_max": " 1_0e-1 "}
    yield "overlap", {"policy": 5}
    yield "overlap", {"policy": [1, "a"]}
    yield "overlap", {"policy": DT}
    yield "overlap", {"polcy": "x"}
    for v in ODD:
        yield "overlap", {"ratio_max": v}

    yield "retention", {"journal_max_entries": 10, "journal_max_age_days": 1.5, "runs_keep_last": 0,
                        "verdicts_keep_last": -1, "audits_keep_last": "none", "projections_compact": False}
    yield "retention", {"runs_keep_last": " NONE "}
    yield "retention", {"journal_max_age_days": 7}
    yield "retention", {"journal_max_age_days": -1.0}
    yield "retention", {"keep": 1}
    for v in ODD:
        yield "retention", {"runs_keep_last": v}
        yield "retention", {"journal_max_age_days": v}
        yield "retention", {"projections_compact": v}

    yield "data_class", {"trajectory_patterns": ["runs/**"], "default_class": "AUDIT"}
    yield "data_class", {"product_patterns": "dist", "audit_patterns": []}
    yield "data_class", {"default_class": "product"}
    yield "data_class", {"classes": 1}
    for v in ODD:
        yield "data_class", {"baseline_patterns": v}
        yield "data_class", {"default_class": v}

    yield "intervention", {"NUDGE": {"rank": 15, "summary": "s", "actuation": "a", "see_also": "x"}}
    yield "intervention", {"HALT": {"rank": 40, "dispatches": False, "returns_synthetic": True}}
    yield "intervention", {"X": {"rank": 10}}
    yield "intervention", {"warn": {"rank": 11}}
    yield "intervention", {"X": {"rank": 12, "returns_synthetic": True}}
    yield "intervention", {"X": {"summary": "no rank"}}
    yield "intervention", {"X": 3}
    yield "intervention", {"X": {"rank": "99999999999999999999999"}}
    yield "intervention", {"X": {"rank": 50}, "Y": {"rank": 50}}
    for v in ODD:
        yield "intervention", {"X": {"rank": v}}
        yield "intervention", {"X": {"rank": 41, "see_also": v, "dispatches": v}}

    yield "tool_stream", {"repeat_n": 2, "stall_n": 4, "ignore_tools": ["Poll", "poll"]}
    yield "tool_stream", {"ignore_tools": "Read"}
    yield "tool_stream", {"repeat_n": 6}
    yield "tool_stream", {"stall_n": 2}
    yield "tool_stream", {"unknown": 1}
    for v in ODD:
        yield "tool_stream", {"repeat_n": v}
        yield "tool_stream", {"stall_n": v}
        yield "tool_stream", {"ignore_tools": v}

    yield "marker", {"max_streak": 2, "arm_on_env": ["MY_LOOP", " SPACED ", "", 5], "respect_stop_hook_active": False}
    yield "marker", {"arm_on_env": "ONE"}
    yield "marker", {"other": 1}
    for v in ODD:
        yield "marker", {"max_streak": v}
        yield "marker", {"arm_on_env": v}
        yield "marker", {"respect_stop_hook_active": v}

    yield "precursor", {"requires": {"Write-File": "Check.Access", "edit": ["read", "Look-Up"]},
                        "aliases": {"check_access": ["verify", "CHECK-ACCESS"]}}
    yield "precursor", {"requires": {"A": "x", "a": "y"}, "case_sensitive": True}
    yield "precursor", {"other": 1}
    for v in ODD:
        yield "precursor", {"requires": v}
        yield "precursor", {"requires": {"w": v}}
        yield "precursor", {"aliases": {"w": [v]}}

    yield "verify", {"non_git_oracle": "  ci_status  "}
    yield "verify", {"other": 1}
    for v in ODD:
        yield "verify", {"non_git_oracle": v}
    yield "ci", {"provider": "github", "required": ["build", "test"], "when": DT, "ratio": NAN, "n": {"x": [1, 2.5]}}


def toml_of(name, body) -> str:
    """The TOML text declaring `[name]` with `body` (nested tables inline)."""
    if name in ("reasons", "intervention"):
        parts = []
        for tok, b in body.items():
            if isinstance(b, dict):
                parts.append(section(f"{name}.{tkey(tok)}", b))
            else:
                parts.append(f"[{name}]\n{tkey(tok)} = {tval(b)}\n")
        return "".join(parts)
    return section(name, body)


BUDGETS = [
    "[[concurrency_class]]\nname = \"batch\"\nmax_concurrent = 2\n[[concurrency_class]]\nname = \"io\"\nmax_concurrent = 0\n",
    "[[concurrency_class]]\nname = \"a\"\nmax_concurrent = 1\n[[concurrency_class]]\nname = \"a\"\nmax_concurrent = 3\n",
    "[concurrency_class]\nname = \"a\"\nmax_concurrent = 1\n",
    "concurrency_class = []\n",
    "concurrency_class = 0\n",
    "concurrency_class = 5\n",
    "concurrency_class = [1]\n",
    "concurrency_class = [{name = \"a\"}]\n",
    "concurrency_class = [{name = 5, max_concurrent = 1}]\n",
    "concurrency_class = [{name = \"\", max_concurrent = 1}]\n",
    "concurrency_class = [{name = \"a\", max_concurrent = -1}]\n",
    "concurrency_class = [{name = \"a\", max_concurrent = 1.5}]\n",
    "concurrency_class = [{name = \"a\", max_concurrent = true}]\n",
    "concurrency_class = [{name = [1, 2], max_concurrent = 4}]\n",
    "concurrency_class = [{name = 1979-05-27, max_concurrent = 4}]\n",
]

MORPHOLOGY = [
    "[[reasons.morphology]]\nsubstring = \"FLAKY\"\ncategory = \"MISROUTE\"\n",
    "[[reasons.morphology]]\nsubstring = \"a\"\ncategory = \"TRUE_DRAIN\"\n[reasons.MINE]\ncategory = \"MISROUTE\"\n",
    "[reasons]\nmorphology = []\n",
    "[reasons]\nmorphology = [[\"STUCK\", \"OPERATOR_GATE\"], {substring = \"x\", category = \"STALE_CLAIM\"}]\n",
    "[reasons]\nmorphology = [[\"STUCK\"]]\n",
    "[reasons]\nmorphology = [{substring = \"x\"}]\n",
    "[reasons]\nmorphology = [{category = \"MISROUTE\"}]\n",
    "[reasons]\nmorphology = [{substring = \" \", category = \"MISROUTE\"}]\n",
    "[reasons]\nmorphology = [{substring = \"x\", category = \"BAD\"}]\n",
    "[reasons]\nmorphology = [[1, \"MISROUTE\"]]\n",
    "[reasons]\nmorphology = \"x\"\n",
    "[reasons]\nmorphology = 0\n",
    "[reasons]\nmorphology = {a = 1}\n",
    "[reasons]\nmorphology = {}\n",
    "[reasons]\nmorphology = [[\"A\", \"MISROUTE\"], 5]\n",
]

RAW = [
    "",
    "# only a comment\n",
    "workspace = \".\"\n",
    "[lanes]\n",
    "lanes = 5\n[paths]\n",
    "[lanes\n",
    "a = \n",
    "a = 1\na = 2\n",
    "[lanes]\nconcurrent = [\"a\",]\n[lanes]\n",
    "x = {a = 1,\n b = 2}\n",
    "x = {a = 1, }\n",
    "x = \"\\e\"\n",
    "x = \"\\x41\"\n",
    "x = 07:32\n",
    "x = 1979-05-27T07:32Z\n",
    "\ufeff[lanes]\nexclusive = [\"bom\"]\n",
    "[lanes]\r\nexclusive = [\"crlf\"]\r\n",
    "[lanes]\rexclusive = [\"cr\"]\r",
    "[lanes]\nexclusive = [\"a\"]\n[lanes.trees]\na = [\"x/**\"]\n[lanes.aliases]\nb = \"a\"\n",
    "[lanes]\nconcurrent = ['lit', \"\"\"multi\nline\"\"\"]\nexclusive = [\"\\u00e9\\U0001F600\"]\n",
    "[ci]\n",
    "[verify]\nnon_git_oracle = \"x\"\n[ci]\nprovider = \"github\"\n",
    "[paths]\nlane_journal = 1979-05-27T07:32:00.123456789Z\n",
    "[reasons.\"lane drained\"]\ncategory = \"TRUE_DRAIN\"\n",
    "[supervise]\ntarget = 0x10\n[cooldown]\nwindow_ms = 1_000\n",
    "[retention]\njournal_max_age_days = 3e2\nruns_keep_last = -0\n",
    "[tool_stream]\nrepeat_n = \"  4  \"\nstall_n = \"1_0\"\n",
]

PRESETS = ["generic", "job", "workshop"]


def _args(text, rng=None, preset=None, files=None):
    return {"text": text, "preset": preset or "generic", "root": ROOT, "kernel_runtime_files": files or []}


@cases
def _cases(rng):
    name = "config.from_toml"
    for preset in PRESETS:
        yield name, _args(None, preset=preset)
        yield name, _args("", preset=preset, files=RUNTIME_FILES)
        yield name, _args("", preset=preset, files=["src/dos/config.py"])
    for t in RAW + BUDGETS + MORPHOLOGY:
        yield name, _args(t)
    tabs = list(table_cases())
    for tname, body in tabs:
        try:
            text = toml_of(tname, body)
        except TypeError:
            continue
        yield name, _args(text)
    # Every preset over a sample of the single-table cases.
    for tname, body in rng.sample(tabs, 60):
        yield name, _args(toml_of(tname, body), preset=rng.choice(["job", "workshop"]))
    for t in rng.sample(RAW + BUDGETS + MORPHOLOGY, 20):
        yield name, _args(t, preset=rng.choice(["job", "workshop"]))
    # Several tables in one file, good and bad mixed.
    for _ in range(250):
        picked = {}
        for tname, body in rng.sample(tabs, rng.randint(2, 6)):
            if tname in picked:
                continue
            picked[tname] = body
        text = "".join(toml_of(k, v) for k, v in picked.items())
        if rng.random() < 0.3:
            text += rng.choice(BUDGETS)
        if rng.random() < 0.2 and "reasons" not in picked:
            text += rng.choice(MORPHOLOGY)
        files = rng.sample(RUNTIME_FILES, rng.choice([0, 0, 1, 3, 11]))
        yield name, _args(text, preset=rng.choice(PRESETS), files=files)
    # Malformed requests.
    yield name, {"text": "", "preset": "nope", "root": ROOT, "kernel_runtime_files": []}
    yield name, {"text": 5, "root": ROOT, "kernel_runtime_files": []}
    yield name, {"text": "", "root": ROOT, "kernel_runtime_files": [], "extra": 1}
