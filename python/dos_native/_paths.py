"""Where the durable files live when the caller names no path: the installed
``dos`` package's active workspace layout when it is importable, else the
generic ``.dos/`` layout under the current directory."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional


def layout(cfg: Any = None) -> Any:
    """The ``paths`` of ``cfg``, of the reference's active config, or None."""
    if cfg is not None:
        return cfg.paths
    try:
        from dos import config as _config  # the reference, when installed
    except ImportError:
        return None
    return _config.active().paths


def dot_dos() -> Path:
    return Path(".dos")


def lane_journal(cfg: Any = None) -> Path:
    p = layout(cfg)
    return Path(p.lane_journal) if p is not None else dot_dos() / "lane-journal.jsonl"


def verdict_journal(cfg: Any = None) -> Path:
    p = layout(cfg)
    vj = getattr(p, "verdict_journal", None) if p is not None else None
    return Path(vj) if vj is not None else lane_journal(cfg).with_name("verdict-journal.jsonl")


def state_home(cfg: Any = None) -> Path:
    p = layout(cfg)
    if p is None:
        return dot_dos()
    return Path(getattr(p, "leases_dir", None) or p.dot_dos)


def runs_dir(cfg: Any = None) -> Path:
    p = layout(cfg)
    return Path(p.fanout_runs) if p is not None else dot_dos() / "runs"


# ---------------------------------------------------------------- resolvers of the generated typed modules
# (`#[describe(py = ..., via = ...)]`: the reference's parameter in, the op's argument out)

def export_cursor_base(path: Any = None) -> str:
    """The export cursor's base file: ``path``, else ``$DISPATCH_EXPORT_CURSOR_PATH``,
    else ``export-cursor`` beside the verdict journal."""
    if path is not None:
        return str(path)
    env = os.environ.get("DISPATCH_EXPORT_CURSOR_PATH")
    return env if env else str(verdict_journal().with_name("export-cursor"))


def path_text(path: Any) -> str:
    """A path parameter (``str`` or ``os.PathLike``) as the text the op reads,
    as the reference's ``Path(path)`` spells it."""
    return str(Path(path))


def as_path(text: str) -> Path:
    """A path the op answers as text, as the reference's ``Path``."""
    return Path(text)


def id_alloc_dir(config: Any = None) -> str:
    """The id counters' directory: ``$DISPATCH_ID_ALLOC_DIR``, else ``id-alloc``
    under ``config``'s state home (the active workspace's when None)."""
    env = os.environ.get("DISPATCH_ID_ALLOC_DIR")
    return env if env else str(state_home(config) / "id-alloc")


def verdict_journal_path(path: Any = None) -> str:
    """The verdict journal: ``path``, else ``$DISPATCH_VERDICT_JOURNAL_PATH``
    (read at each call), else the active config's verdict journal."""
    if path is not None:
        return str(path)
    env = os.environ.get("DISPATCH_VERDICT_JOURNAL_PATH")
    return env if env else str(verdict_journal())


def journal_now(now: Any = None) -> str:
    """``now``, else the current UTC second (``%Y-%m-%dT%H:%M:%SZ``), the
    verdict journal's and the intent ledger's stamp."""
    if now is not None:
        return str(now)
    import datetime as _dt

    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_dict(rec: Any) -> dict[str, Any]:
    """A mapping as a plain ``dict`` (what the op reads)."""
    return dict(rec)


def dict_list(raw: Any) -> list[dict[str, Any]]:
    """An iterable of mappings as a list of plain ``dict``."""
    return [dict(r) for r in raw]


def optional_list(items: Any = None) -> Any:
    """Any iterable as a list (None stays None), as the reference's
    ``[str(x) for x in items]`` walks it."""
    return None if items is None else list(items)


def optional_regions(regions: Any = None) -> Any:
    """A mapping of iterables as a dict of lists (None stays None)."""
    return None if regions is None else {k: list(v) for k, v in regions.items()}


def optional_dict(mapping: Any = None) -> Any:
    """A mapping as a plain ``dict`` (None stays None)."""
    return None if mapping is None else dict(mapping)


def none_as_empty(value: Any) -> Any:
    """``""`` for None (the reference writes ``str(x or "")``), else the value."""
    return "" if value is None else value


def reason_specs(registry: Any = None) -> Any:
    """A reason registry as the list of specs ``config_lint`` takes: the
    ``specs`` of a registry object (the reference's ``ReasonRegistry``, or any
    object carrying them), or a list or tuple of specs given as they are;
    None stays None. A spec that is a mapping or a dataclass record is passed
    as it is; any other object by its ``token`` and ``see_also``, which is all
    the linter reads. Anything else goes to the op unchanged (which refuses it,
    naming the argument)."""
    if registry is None:
        return None
    specs = getattr(registry, "specs", None)
    if specs is None:
        if not isinstance(registry, (list, tuple)):
            return registry
        specs = registry
    out: list[Any] = []
    for s in specs:
        if isinstance(s, dict) or hasattr(s, "__dataclass_fields__"):
            out.append(s)
        else:
            see = getattr(s, "see_also", ())
            out.append({"token": getattr(s, "token", None), "see_also": see if isinstance(see, str) else list(see)})
    return out


def iterable_list(items: Any) -> Any:
    """Any iterable as a list, except a ``str``, ``bytes`` or mapping and None,
    which go to the op as they are (it refuses them, naming the argument)."""
    if items is None or isinstance(items, (list, str, bytes, dict)) or hasattr(items, "keys"):
        return items
    return list(items)


def lease_journal(config: Any) -> Optional[str]:
    """The lane journal a lease verb's ``config`` names: None for a native
    ``Config`` (it travels as the envelope's config, which names its
    journal), its ``paths.lane_journal`` for the reference's
    ``SubstrateConfig``, the one in its ``to_dict()`` for another config
    object, or ``config`` itself as a path. The reference's environment
    overrides still win, natively."""
    from ._native import Config

    if isinstance(config, Config):
        return None
    paths = getattr(config, "paths", None)
    where: Any
    if paths is not None:
        where = paths.lane_journal
    else:
        to_dict = getattr(config, "to_dict", None)
        where = to_dict()["paths"]["lane_journal"] if to_dict is not None else config
    journal: str = os.fspath(where)
    return journal


def lease_config(config: Any) -> Any:
    """The envelope config a lease verb sends: a native ``Config`` as it is
    (it may name a PostgreSQL store, ``[lease_store] url``), else none (the
    journal file, unless ``DOS_LEASE_STORE_URL`` is set)."""
    from ._native import Config

    return config if isinstance(config, Config) else None
