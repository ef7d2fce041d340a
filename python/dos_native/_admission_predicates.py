"""The hand-written half of ``dos_native.admission`` (the generated module
re-exports it): the predicate objects, the entry-point plugins and the
conjunction over predicate objects.

A request (lane, kind, tree) is checked against each live lease in turn and,
for each, by every predicate in order; the first refusal is the verdict. With
no live lease the predicates still run once against an empty lease, so the
request-only guard (self-modification) always fires. Predicates only refuse:
one that raises, or answers with something else than an ``AdmissionVerdict``,
is a refusal naming it.

``run_predicates`` takes predicate objects, as the reference's does: the
built-ins (``DisjointnessPredicate`` over the prefix policy,
``SelfModifyPredicate``) run in libdos, and any other predicate object (a
plugin) is called from libdos at the point the conjunction reaches it, with
the original request, lease and config objects (the arbiter's native binder,
which the generated op ``admission.run_predicates`` cannot be: it takes
predicate names).
"""
from __future__ import annotations

from typing import Any, Optional, Protocol, TextIO, runtime_checkable

from . import _native
from .admission import AdmissionRequest, AdmissionVerdict
from . import _plugins

__all__ = [
    "AdmissionPredicate",
    "DisjointnessPredicate",
    "PREDICATE_ENTRY_POINT_GROUP",
    "run_predicates",
    "built_in_predicates",
    "active_predicates",
    "active_predicate_names",
]

PREDICATE_ENTRY_POINT_GROUP = "dos.predicates"


@runtime_checkable
class AdmissionPredicate(Protocol):
    """A workspace admission rule: ``name`` and ``__call__(request, live_lease, config)``."""

    name: str

    def __call__(self, request: "AdmissionRequest", live_lease: dict[str, Any], config: object) -> AdmissionVerdict:
        ...


class DisjointnessPredicate:
    """The tree-disjointness rule (predicate name ``disjointness``).

    A lease with no tree never blocks; a request with no tree beside a lease
    with one is refused; two known trees go through ``policy`` held to the
    prefix floor (``dos_native.overlap_policy.admissible_under_floor``).
    """

    name = "disjointness"

    def __init__(self, policy: Any = None) -> None:
        if policy is None:
            from .overlap_policy import PrefixOverlapPolicy

            policy = PrefixOverlapPolicy()
        self._policy = policy

    def __call__(self, request: AdmissionRequest, live_lease: dict[str, Any], config: object) -> AdmissionVerdict:
        from .overlap_policy import admissible_under_floor

        requested_tree = list(request.tree)
        lease_tree = list(live_lease.get("tree") or [])
        if not lease_tree:
            return AdmissionVerdict.admit()
        if not requested_tree:
            return AdmissionVerdict.refuse(
                f"lane {request.lane!r} has an EMPTY tree (unknown blast radius), which is never safe beside "
                f"live lane {live_lease.get('lane')!r}")
        ov = admissible_under_floor(self._policy, requested_tree, lease_tree, config)
        if ov.admissible:
            return AdmissionVerdict.admit()
        return AdmissionVerdict.refuse(
            f"lane {request.lane!r} may not run beside live lane {live_lease.get('lane')!r}: {ov.reason}.")


def run_predicates(predicates: list[AdmissionPredicate], request: AdmissionRequest, live_leases: list[dict[str, Any]],
                   config: object) -> AdmissionVerdict:
    """The conjunction of ``predicates`` over ``live_leases`` (in libdos)."""
    return _native.run_predicates(predicates, request, live_leases, config)


def _discover_entry_point_predicates(*, _stderr: Optional[TextIO] = None) -> list[tuple[str, AdmissionPredicate]]:
    return _plugins.discover(PREDICATE_ENTRY_POINT_GROUP, "admission predicate", stderr=_stderr)


def built_in_predicates(*, workspace: Any = None, config: Any = None) -> list[AdmissionPredicate]:
    """Disjointness under the config's overlap policy, then the self-modification
    guard over the config's probed runtime files (or ``workspace``'s, probed
    now, or the full list)."""
    from .overlap_policy import active_overlap_policy
    from ._self_modify_guard import SelfModifyPredicate, existing_runtime_files

    cached = getattr(config, "kernel_runtime_files", None) if config is not None else None
    if cached is not None:
        guard = SelfModifyPredicate(runtime_files=tuple(cached))
    elif workspace is not None:
        guard = SelfModifyPredicate(runtime_files=existing_runtime_files(workspace))
    else:
        guard = SelfModifyPredicate()
    return [DisjointnessPredicate(policy=active_overlap_policy(config=config)), guard]


def active_predicates(*, workspace: Any = None, config: Any = None,
                      _stderr: Optional[TextIO] = None) -> list[AdmissionPredicate]:
    """The built-ins, then every ``dos.predicates`` plugin (sorted by name)."""
    discovered = [p for _n, p in _discover_entry_point_predicates(_stderr=_stderr)]
    return built_in_predicates(workspace=workspace, config=config) + discovered


def active_predicate_names(*, _stderr: Optional[TextIO] = None) -> list[str]:
    return [getattr(p, "name", type(p).__name__) for p in active_predicates(_stderr=_stderr)]
