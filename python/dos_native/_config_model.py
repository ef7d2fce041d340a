"""The hand-written half of ``dos_native.config`` (the generated module
re-exports it): the workspace configuration loaders.

The loaders return a :class:`Config`, built once on the native side (the
``dos.toml`` read, parsed and layered there) and then shared by every call
that names it: ``dispatch(op, args, config=cfg)``, ``cfg.dispatch(op, args)``
and the typed entry points that take a ``config``. ``cfg.to_dict()`` is the
config as data (the reference ``SubstrateConfig``'s seams, in its field
order); ``cfg.warnings`` lists the tables that were ignored, as
``{"table", "key", "message"}``. The generated module's private
``_from_toml``, ``_load_workspace_config`` and ``_resolve_workspace_root``
run the same builds through the envelope and answer them as data
(``LoadedConfig``).

With ``accelerate()``, ``dos.config.load_workspace_config``,
``default_config`` and ``job_config`` are served from the native build and
return the reference's own ``SubstrateConfig``; an explicit ``base``, a
``[ci]`` table (which may hold TOML date-times), or anything the native side
refuses runs the original instead.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from ._native import Config, resolve_workspace_root as _resolve

if TYPE_CHECKING:
    from ._accelerate import AnyFn, Factory

#: A workspace directory (``os.fspath`` takes it).
_Workspace = Union[str, "os.PathLike[str]", None]
#: Where ignored tables are reported: ``warn(table, message)``.
_Warn = Optional[Callable[[str, str], None]]

__all__ = [
    "Config",
    "ENV_WORKSPACE",
    "LaneTaxonomy",
    "default_config",
    "job_config",
    "load_workspace_config",
    "native_of",
    "reference_tables",
    "resolve_workspace_root",
    "workshop_config",
]

ENV_WORKSPACE = "DISPATCH_WORKSPACE"


def _ws(workspace: _Workspace) -> Optional[str]:
    return None if workspace is None else os.fspath(workspace)


def resolve_workspace_root(workspace: _Workspace = None) -> str:
    """The workspace root: ``workspace`` › ``$DISPATCH_WORKSPACE`` › the
    current directory, absolute, symlinks resolved."""
    return _resolve(_ws(workspace))


def _report(cfg: Config, warn: _Warn) -> None:
    for w in cfg.warnings:
        if warn is not None:
            warn(w["table"], w["message"])
        else:
            print(f"warning: ignoring malformed [{w['table']}] in {cfg.root}/dos.toml: {w['message']}", file=sys.stderr)


def load_workspace_config(workspace: _Workspace = None, *, job: bool = False, preset: Optional[str] = None,
                          overrides: Optional[dict[str, Any]] = None, warn: _Warn = None) -> Config:
    """Build the config for ``workspace`` with its ``dos.toml`` layered over
    the preset (``generic``; ``job`` when ``job=True``; or ``preset=``).
    ``overrides`` are inline tables (the same shapes) applied last. Each
    ignored table is passed to ``warn(table, message)`` (default: stderr)."""
    cfg = Config.load_workspace_config(_ws(workspace), preset or ("job" if job else "generic"), overrides)
    _report(cfg, warn)
    return cfg


def default_config(workspace: _Workspace = None) -> Config:
    """The generic config for ``workspace``: ``main``/``global``, the ``.dos/``
    layout; ``dos.toml`` is not read."""
    return Config.default_config(_ws(workspace))


def job_config(workspace: _Workspace = None, *, warn: _Warn = None) -> Config:
    """The reference application's policy for ``workspace``, ``dos.toml`` layered once."""
    cfg = Config.job_config(_ws(workspace))
    _report(cfg, warn)
    return cfg


def workshop_config(workspace: _Workspace = None) -> Config:
    """The workshop driver's base for ``workspace`` (``dos.toml`` not read)."""
    return Config.workshop_config(_ws(workspace))


@dataclass(frozen=True)
class LaneTaxonomy:
    """Which lanes exist and how they may run together (the reference's fields)."""

    concurrent: tuple[str, ...] = ()
    exclusive: tuple[str, ...] = ()
    autopick: tuple[str, ...] = ()
    trees: dict[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def tree_for(self, lane: str) -> list[str]:
        return list(self.trees.get(lane, ()))

    def is_exclusive(self, lane: str) -> bool:
        return lane in self.exclusive

    def is_concurrent(self, lane: str) -> bool:
        return lane in self.concurrent

    @classmethod
    def from_table(cls, table: Any) -> "LaneTaxonomy":
        """Read a ``[lanes]`` table; a malformed one raises ``ValueError``."""
        if not isinstance(table, dict):
            raise ValueError(f"[lanes] has to be a table, not {type(table).__name__}")
        cfg = Config.from_dict({"lanes": table})
        if cfg.warnings:
            raise ValueError(cfg.warnings[0]["message"])
        d = cfg.to_dict()["lanes"]
        return cls(concurrent=tuple(d["concurrent"]), exclusive=tuple(d["exclusive"]),
                   autopick=tuple(d["autopick"]), trees={k: tuple(v) for k, v in d["trees"].items()},
                   aliases=dict(d["aliases"]))

    @classmethod
    def from_config(cls, cfg: Config) -> "LaneTaxonomy":
        d = cfg.to_dict()["lanes"]
        return cls(tuple(d["concurrent"]), tuple(d["exclusive"]), tuple(d["autopick"]),
                   {k: tuple(v) for k, v in d["trees"].items()}, dict(d["aliases"]))


# ---------------------------------------------------------------- from the reference


def reference_tables(cfg: Any) -> dict[str, Any]:
    """A reference ``SubstrateConfig`` as an inline config object (the
    envelope's ``config`` shape): its root, preset and every seam as the
    table that declares it. ``EnumerateGrammar.series`` (set per plan, never
    from ``dos.toml``) and ``env`` are not carried."""
    from dos import intervention, reasons

    p = cfg.paths
    path_keys = ["execution_state", "findings_queue", "fanout_runs", "dispatch_loops", "chained_runs",
                 "next_packets", "replan_dir", "soaks_index", "picker_audits", "archive_lock", "lane_journal",
                 "leases_dir", "project_card", "verdict_journal"]
    paths = {k: str(getattr(p, k)) for k in path_keys if getattr(p, k) is not None}
    paths["plans_glob"] = p.plans_glob
    lanes = cfg.lanes
    out: dict[str, Any] = {
        "preset": "generic" if p.style == "dos" else "workshop",
        "root": str(p.root),
        "workspace_facts": None if cfg.workspace is None else {
            "root": str(cfg.workspace.root), "kernel_runtime_files": list(cfg.workspace.kernel_runtime_files)},
        "lanes": {"concurrent": list(lanes.concurrent), "exclusive": list(lanes.exclusive),
                  "autopick": list(lanes.autopick), "trees": {k: list(v) for k, v in lanes.trees.items()},
                  "aliases": dict(lanes.aliases)},
        "paths": paths,
        "overlap": {"ratio_max": cfg.overlap_ratio_max, "policy": cfg.overlap_policy_name},
        "stamp": {k: v for k, v in cfg.stamp.to_dict().items()},
        "enumerate": {k: v for k, v in cfg.enumerate_grammar.to_dict().items() if k != "series"},
        "cooldown": {"window_ms": cfg.cooldown.window_ms, "error_window_ms": cfg.cooldown.error_window_ms},
        "supervise": {k: v for k, v in cfg.supervise.to_dict().items() if v is not None},
        "lifecycle": cfg.lifecycle.to_dict(),
        "retention": {k: (-1 if v is None else v) for k, v in vars(cfg.retention).items()},
        "data_class": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(cfg.data_class).items()},
        "tool_stream": {"repeat_n": cfg.stream_policy.repeat_n, "stall_n": cfg.stream_policy.stall_n,
                        "ignore_tools": sorted(cfg.stream_policy.ignore_tools)},
        "marker": {"max_streak": cfg.marker.max_streak, "arm_on_env": list(cfg.marker.arm_on_env),
                   "respect_stop_hook_active": cfg.marker.respect_stop_hook_active},
        "precursor": {"requires": {k: list(v) for k, v in cfg.precursors.requires.items()},
                      "aliases": {k: list(v) for k, v in cfg.precursors.aliases.items()}},
        "verify": {"non_git_oracle": cfg.non_git_oracle},
        "concurrency_class": [{"name": c.name, "max_concurrent": c.max_concurrent} for c in cfg.class_budgets.classes],
        "ci": dict(cfg.ci),
    }
    if "projections_compact" in out["retention"]:
        out["retention"]["projections_compact"] = bool(cfg.retention.projections_compact)
    base_tokens = {s.key for s in reasons.BASE_REASONS.specs}
    extra = {s.token: {"category": s.category, "refusal": s.refusal, "fix": s.fix, "see_also": list(s.see_also),
                       "summary": s.summary} for s in cfg.reasons.specs if s.key not in base_tokens}
    out["reasons"] = dict(extra)
    # `morphology` sits inside [reasons] and, as in the reference, a
    # [reasons] table holding it drops the custom reasons: it is layered in a
    # second step by `native_of` (here it rides under a private key).
    out["_morphology"] = cfg.reason_morphology.to_list()
    base_rungs = {s.key for s in intervention.BASE_INTERVENTIONS.specs}
    out["intervention"] = {s.token: {"rank": s.rank, "summary": s.summary, "actuation": s.actuation,
                                     "dispatches": s.dispatches, "returns_synthetic": s.returns_synthetic,
                                     "see_also": list(s.see_also)}
                           for s in cfg.interventions.specs if s.key not in base_rungs}
    for k in [k for k, v in out.items() if v in ({}, None) and k not in ("workspace_facts", "ci")]:
        del out[k]
    return out


_FROM_REF: dict[int, tuple[Any, Config]] = {}


def native_of(cfg: Any) -> Config:
    """The native twin of a reference ``SubstrateConfig`` (or a ``Config``,
    returned as is), built once per object: the typed entry points and
    accelerated functions that receive the reference's config use this."""
    if isinstance(cfg, Config):
        return cfg
    hit = _FROM_REF.get(id(cfg))
    if hit is not None and hit[0] is cfg:
        return hit[1]
    from dos import reason_morphology

    tables = reference_tables(cfg)
    morph = tables.pop("_morphology")
    overrides = None
    if morph != reason_morphology.GENERIC_REASON_MORPHOLOGY.to_list():
        overrides = {"reasons": {"morphology": morph}}
    native = Config.from_dict(tables, overrides)
    # The second step's own [reasons] warning is the quirk above, expected.
    problems = [w for w in native.warnings if not (overrides and w["table"] == "reasons" and w["key"] == "morphology")]
    if problems:
        raise ValueError(f"the config cannot cross to libdos: {problems[0]['message']}")
    if len(_FROM_REF) >= 64:
        _FROM_REF.clear()
    _FROM_REF[id(cfg)] = (cfg, native)
    return native


# ---------------------------------------------------------------- accelerate


def _reference_config(ref: ModuleType, d: dict[str, Any], env: Any) -> Any:
    """The reference's ``SubstrateConfig`` for a native projection ``d``."""
    from pathlib import Path

    from dos import (concurrency_class, cooldown, data_class, enumerate as enum_, intervention, lifecycle,
                     marker_gate, precursor_gate, reason_morphology, reasons, retention, stamp, supervise,
                     tool_stream)

    lanes = d["lanes"]
    taxonomy = ref.LaneTaxonomy(concurrent=tuple(lanes["concurrent"]), exclusive=tuple(lanes["exclusive"]),
                                autopick=tuple(lanes["autopick"]),
                                trees={k: tuple(v) for k, v in lanes["trees"].items()}, aliases=dict(lanes["aliases"]))
    p = d["paths"]

    def opt(v: Optional[str]) -> Optional[Path]:
        return None if v is None else Path(v)

    paths = ref.PathLayout(
        root=Path(p["root"]), execution_state=Path(p["execution_state"]), plans_glob=p["plans_glob"],
        findings_queue=Path(p["findings_queue"]), fanout_runs=Path(p["fanout_runs"]),
        dispatch_loops=Path(p["dispatch_loops"]), chained_runs=Path(p["chained_runs"]),
        next_packets=Path(p["next_packets"]), replan_dir=Path(p["replan_dir"]), soaks_index=Path(p["soaks_index"]),
        picker_audits=Path(p["picker_audits"]), archive_lock=Path(p["archive_lock"]),
        lane_journal=Path(p["lane_journal"]), leases_dir=opt(p["leases_dir"]), project_card=opt(p["project_card"]),
        style=p["style"], verdict_journal=opt(p["verdict_journal"]))
    base_specs = reasons.BASE_REASONS.specs
    extra = d["reasons"][len(base_specs):]
    registry = reasons.BASE_REASONS if not extra else reasons.ReasonRegistry(specs=tuple(base_specs) + tuple(
        reasons.ReasonSpec(token=s["token"], category=s["category"], refusal=s["refusal"], fix=s["fix"],
                           see_also=tuple(s["see_also"]), summary=s["summary"]) for s in extra))
    morph = reason_morphology.MorphologyRuleset(tuple(
        reason_morphology.MorphologyRule(r["substring"], r["category"]) for r in d["reason_morphology"]))
    if morph == reason_morphology.GENERIC_REASON_MORPHOLOGY:
        morph = reason_morphology.GENERIC_REASON_MORPHOLOGY
    st = d["stamp"]
    st_fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in st.items()}
    conv = stamp.StampConvention(**st_fields)
    for named in (stamp.GENERIC_STAMP_CONVENTION, stamp.JOB_STAMP_CONVENTION):
        if conv == named:
            conv = named
    ws = d["workspace"]
    facts = None if ws is None else ref.WorkspaceFacts(root=Path(ws["root"]),
                                                       kernel_runtime_files=tuple(ws["kernel_runtime_files"]),
                                                       is_kernel_repo=ws["is_kernel_repo"])
    budgets = concurrency_class.ClassBudgets(tuple(
        concurrency_class.ConcurrencyClass(name=c["name"], max_concurrent=c["max_concurrent"])
        for c in d["class_budgets"]))
    rungs = d["interventions"]["specs"]
    base_rungs = intervention.BASE_INTERVENTIONS.specs
    ladder = intervention.BASE_INTERVENTIONS if len(rungs) == len(base_rungs) else intervention.InterventionLadder(
        default_token=d["interventions"]["default_token"], specs=tuple(base_rungs) + tuple(
            intervention.InterventionSpec(token=s["token"], rank=s["rank"], summary=s["summary"],
                                          actuation=s["actuation"], dispatches=s["dispatches"],
                                          returns_synthetic=s["returns_synthetic"], see_also=tuple(s["see_also"]))
            for s in rungs[len(base_rungs):]))
    sp = d["stream_policy"]
    dc_fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in d["data_class"].items()}
    lc = d["lifecycle"]
    eg = d["enumerate_grammar"]
    return ref.SubstrateConfig(**_shared(
        lanes=taxonomy, paths=paths, reasons=registry, stamp=conv, reason_morphology=morph, workspace=facts, env=env,
        overlap_ratio_max=d["overlap_ratio_max"], overlap_policy_name=d["overlap_policy_name"], class_budgets=budgets,
        retention=retention.RetentionPolicy(**d["retention"]),
        data_class=data_class.DataClassPolicy(**dc_fields),
        interventions=ladder,
        stream_policy=tool_stream.StreamPolicy(repeat_n=sp["repeat_n"], stall_n=sp["stall_n"],
                                               ignore_tools=frozenset(sp["ignore_tools"])),
        precursors=precursor_gate.PrecursorGrammar(
            requires={k: tuple(v) for k, v in d["precursors"]["requires"].items()},
            aliases={k: tuple(v) for k, v in d["precursors"]["aliases"].items()}),
        enumerate_grammar=enum_.EnumerateGrammar(series=eg["series"], heading_levels=tuple(eg["heading_levels"]),
                                                 scan_tables=eg["scan_tables"],
                                                 generic_numeric_table=eg["generic_numeric_table"],
                                                 bare_phase_fallback=eg["bare_phase_fallback"],
                                                 rollup_parents=eg["rollup_parents"], style=eg["style"]),
        cooldown=cooldown.CooldownPolicy(**d["cooldown"]),
        lifecycle=lifecycle.LifecyclePolicy(
            classes=tuple(lc["classes"]),
            transitions=tuple(lifecycle.LifecycleTransition(t["from"], t["to"], t["trigger"], t["auto"])
                              for t in lc["transitions"]),
            veto_class=lc["veto_class"], max_transitions_per_cycle=lc["max_transitions_per_cycle"],
            per_plan_cooldown_hours=lc["per_plan_cooldown_hours"]),
        supervise=supervise.SupervisePolicy(**d["supervise"]),
        marker=marker_gate.MarkerPolicy(max_streak=d["marker"]["max_streak"],
                                        arm_on_env=tuple(d["marker"]["arm_on_env"]),
                                        respect_stop_hook_active=d["marker"]["respect_stop_hook_active"]),
        non_git_oracle=d["non_git_oracle"], ci={},
    ))


# The reference's module-level policies that its configs hold as they are
# when no table changes them (callers compare them with `is`).
_SHARED = (
    ("lanes", "dos._job_policy", "JOB_LANE_TAXONOMY"),
    ("class_budgets", "dos.concurrency_class", "NO_CLASS_BUDGETS"),
    ("retention", "dos.retention", "GENERIC_RETENTION"),
    ("data_class", "dos.data_class", "GENERIC_DATA_CLASS"),
    ("stream_policy", "dos.tool_stream", "DEFAULT_POLICY"),
    ("precursors", "dos.precursor_gate", "EMPTY_GRAMMAR"),
    ("enumerate_grammar", "dos.enumerate", "GENERIC_GRAMMAR"),
    ("cooldown", "dos.cooldown", "DEFAULT_COOLDOWN_POLICY"),
    ("lifecycle", "dos.lifecycle", "GENERIC_LIFECYCLE"),
    ("supervise", "dos.supervise", "DEFAULT_POLICY"),
    ("marker", "dos.marker_gate", "DEFAULT_POLICY"),
)


def _shared(**fields: Any) -> dict[str, Any]:
    """``fields`` with each value equal to one of the reference's shared
    policies replaced by that policy object."""
    import importlib

    for name, module, attr in _SHARED:
        value = getattr(importlib.import_module(module), attr, None)
        if value is not None and fields[name] == value:
            fields[name] = value
    return fields


def _env(gather_env: Any) -> Any:
    if not gather_env:
        return None
    from dos.env_print import gather_env_print
    return gather_env_print()


def _reference_warnings(cfg: Config) -> list[dict[str, Any]]:
    """The warnings the reference's loader gives: not those about libdos's
    own ``[lease_store]`` table, which the reference ignores."""
    return [w for w in cfg.warnings if w["table"] != "lease_store"]


def _accelerated_loader(kind: str) -> Factory:
    def factory(ref: ModuleType, original: AnyFn) -> AnyFn:
        import functools

        @functools.wraps(original)
        def swapped(workspace: _Workspace = None, *args: Any, **kwargs: Any) -> Any:
            try:
                if args:
                    raise TypeError
                gather_env = kwargs.get("gather_env", True)
                warn = kwargs.get("warn")
                if kind == "load":
                    if set(kwargs) - {"job", "gather_env", "warn"} or kwargs.get("base") is not None:
                        raise TypeError
                    cfg = Config.load_workspace_config(_ws(workspace), "job" if kwargs.get("job") else "generic")
                elif kind == "job":
                    if set(kwargs) - {"gather_env"}:
                        raise TypeError
                    cfg = Config.job_config(_ws(workspace))
                else:
                    if set(kwargs) - {"gather_env"}:
                        raise TypeError
                    cfg = Config.default_config(_ws(workspace))
                d = cfg.to_dict()
                if d["ci"]:
                    raise TypeError  # may hold TOML date-times the projection spells as text
                out = _reference_config(ref, d, _env(gather_env))
            except Exception:
                return original(workspace, *args, **kwargs)
            path = out.paths.root / "dos.toml"
            warnings = _reference_warnings(cfg)
            # As in the reference: the job preset's first layering (inside
            # job_config) always reports on stderr; the rest goes to `warn`.
            inner = len(_reference_warnings(Config.job_config(_ws(workspace)))) if warnings and kind == "load" and kwargs.get("job") else 0
            if kind == "job":
                inner = len(warnings)
            for i, w in enumerate(warnings):
                if i >= inner and warn is not None:
                    warn(w["table"], w["message"])
                else:
                    print(f"warning: ignoring malformed [{w['table']}] in {path}: {w['message']}", file=sys.stderr)
            return out

        return swapped

    return factory


def _register() -> None:
    from ._accelerate import register

    register("dos.config", "load_workspace_config", _accelerated_loader("load"))
    register("dos.config", "job_config", _accelerated_loader("job"))
    register("dos.config", "default_config", _accelerated_loader("default"))


_register()
