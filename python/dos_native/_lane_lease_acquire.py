"""The hand-written half of ``dos_native.lane_lease`` (the generated module
re-exports it): ``acquire``, which runs the native arbiter over the live set
under the lane-lease mutex (a hand-registered op; its decision is the
arbiter's ``LaneDecision``), and accelerate()'s swaps of ``dos.lane_lease``'s
verbs, which read the reference's own config objects.

``acquire`` uses the config's built-in admission predicates; entry-point
plugin predicates are not consulted natively (accelerate() runs the original
when any is installed).
"""
from __future__ import annotations

import dataclasses
import os
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional

from . import _paths
from ._native import dispatch

if TYPE_CHECKING:
    from .config import Config

__all__ = ["LaneLeaseResult", "acquire"]


def _native_config(config: Any) -> Config:
    """The native config for an acquire: a ``dos_native.config.Config`` as
    is, the reference's ``SubstrateConfig`` through its native twin."""
    from .config import Config, native_of

    if isinstance(config, Config):
        return config
    return native_of(config)


@dataclasses.dataclass(frozen=True)
class LaneLeaseResult:
    decision: object
    journaled: bool
    owner: str


def acquire(config: Any, *, lane: str, kind: str, tree: list[str], owner: str, loop_ts: str = "",
            extra_leases: Optional[list[dict[str, Any]]] = None, run_id: str = "") -> LaneLeaseResult:
    """Arbitrate ``lane`` against the live leases (plus ``extra_leases``) and
    append the ACQUIRE (or a REFUSE record), all under the lane-lease mutex.
    Raises ``BusyError`` (a ``TimeoutError``, code ``BUSY``) when the mutex stays held.
    Under a config with ``[lease_store] strict = true``, a journal with
    mid-file damage is refused (reason class ``WAL_INTEGRITY``, the reason
    naming the damaged line) without arbitrating."""
    from .arbiter import LaneDecision

    args: dict[str, Any] = {"journal": _paths.lease_journal(config), "lane": lane, "kind": kind, "tree": list(tree),
                            "owner": owner, "loop_ts": loop_ts, "run_id": run_id}
    if extra_leases:
        args["extra_leases"] = list(extra_leases)
    out = dispatch("lane_lease.acquire", args, _native_config(config))
    d = out["decision"]
    decision = LaneDecision(d["outcome"], lane=d["lane"], lane_kind=d["lane_kind"], tree=d["tree"],
                            auto_picked=d["auto_picked"], reason=d["reason"], free_clusters=d["free_clusters"],
                            pick_count=d["pick_count"])
    return LaneLeaseResult(decision=decision, journaled=out["journaled"], owner=owner)


def _register() -> None:
    """accelerate(): the live sets and the lease verbs natively, answering
    with the reference's own result types. Each swap binds its arguments as
    the reference's verb does. A call the native side cannot serve exactly
    (lock settings other than the defaults, entry-point plugin predicates, a
    config that cannot cross, an argument that is not of an exact built-in
    type) runs the original; a lock that stays busy raises ``BusyError``, a
    ``TimeoutError`` as the reference raises."""
    from ._accelerate import FALLBACK, AnyFn, Factory, register, same_signature
    from .config import Config
    from . import _native
    from ._native import BadArgsError

    def journal_of(ref_mod: ModuleType, config: Any) -> str:
        journal: str = os.fspath(ref_mod._journal_path(config))
        return journal

    def run(op: str, args: dict[str, Any], config: Any = None) -> Any:
        """The native verb; FALLBACK when it cannot take these values."""
        try:
            out = _native._dispatch_exact(op, args, config)
        except BadArgsError:
            return FALLBACK
        return FALLBACK if out is NotImplemented else out

    def live_factory(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
        def serve(a: dict[str, Any]) -> Any:
            if type(a["expire_dead"]) is not bool:
                return FALLBACK
            try:
                journal = journal_of(ref_mod, a["config"])
            except Exception:
                return FALLBACK
            return run("lane_lease.live_leases", {"journal": journal, "expire_dead": a["expire_dead"]}, store_of(a["config"]))
        return same_signature(original, serve)

    store_seen: dict[str, tuple[tuple[int, int], Optional[dict[str, Any]], Optional[Config]]] = {}
    store_twins: dict[int, tuple[Any, Any, Any]] = {}

    def workspace_store(config: Any) -> tuple[Optional[dict[str, Any]], Optional[Config]]:
        """The ``[lease_store]`` table of the workspace ``config`` was built
        for (its ``paths.root``'s dos.toml: the reference reads no such
        table, so its config cannot carry it) and that workspace's native
        config, when the table names a store or asks for ``strict``; (None,
        None) otherwise. A table libdos refuses raises: a fleet's store
        must not be dropped for a local journal without a word."""
        import tomllib

        from .config import load_workspace_config

        root = os.fspath(config.paths.root)
        path = os.path.join(root, "dos.toml")
        try:
            st = os.stat(path)
        except OSError:
            return None, None
        stamp = (st.st_mtime_ns, st.st_size)
        hit = store_seen.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1], hit[2]
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh).get("lease_store")
        except (OSError, ValueError):
            # Not TOML at all: the reference's own loader says what that means.
            table = None
        if not isinstance(table, dict) or not (table.get("url") or table.get("strict") is True):
            table, native = None, None
        else:
            native = load_workspace_config(root)
        if len(store_seen) >= 64:
            store_seen.clear()
        store_seen[path] = (stamp, table, native)
        return table, native

    def store_twin(config: Any, table: dict[str, Any]) -> Any:
        """The native twin of a reference config, with the workspace's
        ``[lease_store]`` table."""
        from dos import reason_morphology

        from .config import Config, reference_tables

        hit = store_twins.get(id(config))
        if hit is not None and hit[0] is config and hit[1] == table:
            return hit[2]
        tables = reference_tables(config)
        morph = tables.pop("_morphology")
        overrides: dict[str, Any] = {"lease_store": dict(table)}
        if morph != reason_morphology.GENERIC_REASON_MORPHOLOGY.to_list():
            overrides["reasons"] = {"morphology": morph}
        twin = Config.from_dict(tables, overrides)
        if len(store_twins) >= 64:
            store_twins.clear()
        store_twins[id(config)] = (config, dict(table), twin)
        return twin

    def store_of(config: Any) -> Optional[Config]:
        """The config a verb other than acquire sends along: the native one
        of the workspace when its dos.toml names a store, else none."""
        if isinstance(config, Config):
            return config
        return workspace_store(config)[1]

    def acquire_factory(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
        from dos import admission as ref_admission
        from dos.arbiter import LaneDecision as RefDecision

        defaults = (ref_mod.DEFAULT_RETRIES, ref_mod.DEFAULT_RETRY_INTERVAL, ref_mod.DEFAULT_TTL_SECONDS)

        def serve(a: dict[str, Any]) -> Any:
            config = a["config"]
            settings = (a["retries"], a["retry_interval"], a["ttl_seconds"])
            if not all(type(v) is type(d) and v == d for v, d in zip(settings, defaults)):
                return FALLBACK  # non-default lock settings
            try:
                plugins = ref_admission.active_predicates(config=config)
                if len(plugins) != len(ref_admission.built_in_predicates(config=config)):
                    return FALLBACK  # entry-point predicates
                args = {"journal": journal_of(ref_mod, config), "lane": a["lane"], "kind": a["kind"],
                        "tree": a["tree"], "owner": a["owner"], "loop_ts": a["loop_ts"], "run_id": a["run_id"]}
                if a["extra_leases"]:
                    args["extra_leases"] = a["extra_leases"]
                native_cfg = _native_config(config)
            except Exception:
                return FALLBACK
            # `[lease_store]` (the store, `strict`) lives in the workspace's
            # dos.toml only; a table libdos refuses raises here.
            if not isinstance(config, Config):
                table, _ = workspace_store(config)
                if table is not None:
                    native_cfg = store_twin(config, table)
            out = run("lane_lease.acquire", args, native_cfg)
            if out is FALLBACK:
                return out
            d = out["decision"]
            decision = RefDecision(d["outcome"], lane=d["lane"], lane_kind=d["lane_kind"], tree=d["tree"],
                                   auto_picked=d["auto_picked"], reason=d["reason"],
                                   free_clusters=d["free_clusters"], pick_count=d["pick_count"])
            return ref_mod.LaneLeaseResult(decision=decision, journaled=out["journaled"], owner=a["owner"])
        return same_signature(original, serve)

    def simple(op: str, fields: tuple[str, ...], result: Optional[str] = None) -> Factory:
        """A verb whose keyword arguments pass straight through (a None
        value is left out, as the native verb reads an absent one)."""
        def factory(ref_mod: ModuleType, original: AnyFn) -> AnyFn:
            def serve(a: dict[str, Any]) -> Any:
                try:
                    args = {"journal": journal_of(ref_mod, a["config"])}
                except Exception:
                    return FALLBACK
                args.update({k: a[k] for k in fields if a[k] is not None})
                out = run(op, args, store_of(a["config"]))
                if out is FALLBACK or result is None:
                    return out
                return getattr(ref_mod, result)(**out)
            return same_signature(original, serve)
        return factory

    register("dos.lane_lease", "live_leases", live_factory)
    register("dos.lane_lease", "acquire", acquire_factory)
    register("dos.lane_lease", "release", simple("lane_lease.release", ("lane", "owner", "loop_ts")))
    register("dos.lane_lease", "heartbeat",
             simple("lane_lease.heartbeat", ("lane", "owner", "loop_ts", "coalesce_within_s")))
    register("dos.lane_lease", "adopt", simple("lane_lease.adopt", ("lane", "new_owner", "loop_ts", "new_pid")))
    register("dos.lane_lease", "halt", simple("lane_lease.halt", ("handle", "lane", "owner", "loop_ts", "reason",
                                                                  "run_id", "command"), "HaltResult"))
    register("dos.lane_lease", "spawn", simple("lane_lease.spawn", ("lane", "owner", "loop_ts", "run_id", "reason"),
                                               "SpawnResult"))
    register("dos.lane_lease", "compact_journal", simple("lane_lease.compact_journal", ("owner",), "CompactResult"))


_register()
