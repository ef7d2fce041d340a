# Stubs for the private native module (python/src/*.rs), written by hand:
# every entry here is a hand-written pyo3 function or class (the typed modules
# generated from the op table carry their own generated stubs). `make
# typecheck` runs stubtest, which fails when a name registered in
# python/src is missing here or its signature differs.
#
# The public, reference-shaped API lives in the typed modules
# (dos_native.liveness, ...), which re-export the verdict classes declared here.
from typing import Any, Callable, Literal, Mapping, Optional, final

from typing_extensions import disjoint_base

from .admission import AdmissionPredicate, AdmissionRequest, AdmissionVerdict

__all__ = [
    "__version__", "ABI_VERSION", "REFERENCE_VERSION",
    "DosError", "BadArgsError", "BusyError", "DosIOError", "InternalError", "_error",
    "_panic_probe", "PanicProbe",
    "call", "dispatch", "ops", "_dispatch_exact", "_is_exact",
    "NativeFunction", "_as_function",
    "digest",
    "bind_fast", "fast_ops",
    "bind_tree", "canonical_bytes", "result_digest", "args_digest",
    "Config", "resolve_workspace_root",
    "LaneDecision", "_bind_arbiter", "arbitrate", "arbitrate_ref", "run_predicates", "run_predicates_ref",
    "bind_arbiter_ref",
    "bind_route", "_route_trace",
    "Record", "RecordLayout", "LazyText", "field_descriptor", "record_rebuild", "is_record_type",
]

__version__: str
ABI_VERSION: int
REFERENCE_VERSION: str

class DosError(Exception):
    """Base of every error libdos raises; ``code`` is the envelope error code."""

    code: str
    message: str

class BadArgsError(DosError, ValueError): ...  # BAD_ARGS, BAD_JSON, BAD_REQUEST, ABI_MISMATCH, UNKNOWN_OP, BAD_CONFIG
class BusyError(DosError, TimeoutError): ...  # BUSY
class DosIOError(DosError, OSError): ...  # IO_ERROR
class InternalError(DosError, RuntimeError): ...  # INTERNAL: a caught panic

def _error(code: str, message: str) -> DosError: ...
def _panic_probe(where: Literal["function", "method", "native"]) -> Any: ...
@final
class PanicProbe:
    """Its method and getter panic on purpose (the boundary tests)."""

    def boom(self) -> bool: ...
    @property
    def value(self) -> int: ...

def call(request: str | bytes) -> str: ...
def dispatch(op: str, args: Optional[Mapping[str, Any]] = None, config: Config | Mapping[str, Any] | None = None) -> Any:
    """``args``: a mapping (dataclass instances, enum members and sets inside
    are read as the reference's ``to_dict()`` writes them); ``config``: a
    :class:`Config` or an inline config mapping."""
def _dispatch_exact(op: str, args: object, config: object = None) -> Any:
    """``dispatch`` on exact built-in types only; ``NotImplemented`` otherwise."""
def _is_exact(obj: object, tuples: bool = True, finite: bool = False) -> bool: ...
def ops() -> list[str]: ...

@final
class NativeFunction:
    """A callable served natively when it can, by ``fallback`` otherwise
    (the ``__self__`` of the callables ``_as_function`` makes)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def native_only(self, *args: Any, **kwargs: Any) -> Any: ...
    @property
    def fallback(self) -> Callable[..., Any]: ...
    @property
    def native_op(self) -> str: ...

class NativeCallable:
    """What ``_as_function`` makes: called through vectorcall, with a
    ``__dict__`` (``functools.update_wrapper`` fills it)."""

    __self__: NativeFunction
    __wrapped__: Callable[..., Any]
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

def _as_function(nf: NativeFunction, name: str, doc: str, module: str) -> NativeCallable: ...

def bind_route(
    op: str, fallback: Callable[..., Any], params: Any, empty: Any, resolve: Callable[[str], Any], module: Any,
    result: Optional[Callable[..., Any]], decline: type, finish: Optional[Callable[..., Any]] = None,
) -> NativeFunction: ...
def _route_trace(hook: Optional[Callable[[str], Any]]) -> None: ...

# -- tool_stream / posttool_sensor -----------------------------------------------------

def digest(data: bytes) -> str: ...
def canonical_bytes(value: Any) -> bytes: ...
def result_digest(value: Any) -> str: ...
def args_digest(tool_name: str, tool_input: Any) -> str: ...

# -- fast paths (fastpath.rs) --------------------------------------------------------------------------

def bind_fast(op: str, module: Any, fallback: Callable[..., Any]) -> Optional[NativeFunction]: ...
def fast_ops() -> list[str]: ...

# -- _tree --------------------------------------------------------------------------

def bind_tree(
    name: str, fallback: Callable[..., Any], slow: Optional[Callable[[Any, Any], Any]] = None,
) -> NativeFunction: ...

# -- config ---------------------------------------------------------------------------

@final
class Config:
    """A workspace config built once on the native side (immutable)."""

    @staticmethod
    def from_toml(
        text: Optional[str | bytes] = None, preset: str = "generic", root: str = ".",
        kernel_runtime_files: Optional[list[str]] = None, overrides: Optional[dict[str, Any]] = None,
    ) -> Config: ...
    @staticmethod
    def load_workspace_config(
        workspace: Optional[str] = None, preset: str = "generic", overrides: Optional[dict[str, Any]] = None,
    ) -> Config: ...
    @staticmethod
    def default_config(workspace: Optional[str] = None) -> Config: ...
    @staticmethod
    def job_config(workspace: Optional[str] = None) -> Config: ...
    @staticmethod
    def workshop_config(workspace: Optional[str] = None) -> Config: ...
    @staticmethod
    def from_dict(config: dict[str, Any], overrides: Optional[dict[str, Any]] = None) -> Config: ...
    @property
    def warnings(self) -> list[dict[str, str]]: ...
    @property
    def root(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def dispatch(self, op: str, args: Optional[Mapping[str, Any]] = None) -> Any: ...
    def call(self, request: str | bytes) -> str: ...

def resolve_workspace_root(workspace: Optional[str] = None) -> str: ...

# -- arbiter --------------------------------------------------------------------------

@final
class LaneDecision:
    """The reference's ``LaneDecision`` (same constructor, attributes, ``to_dict()``)."""

    outcome: str
    lane: str
    lane_kind: str
    tree: list[str]
    auto_picked: bool
    reason: str
    free_clusters: list[str]
    pick_count: Optional[int]
    def __new__(
        cls, outcome: str, *, lane: Optional[str] = None, lane_kind: Optional[str] = None,
        tree: Optional[list[str]] = None, auto_picked: Optional[bool] = None, reason: Optional[str] = None,
        free_clusters: Optional[list[str]] = None, pick_count: Optional[int] = None,
    ) -> LaneDecision: ...
    def to_dict(self) -> dict[str, Any]: ...

def _bind_arbiter(flavour: Literal["native", "reference"], spec: dict[str, Any]) -> None: ...
def arbitrate(
    *,
    requested_lane: str,
    requested_kind: str,
    requested_tree: list[str],
    live_leases: list[dict[str, Any]],
    config: Any = None,
    auto_pick_order: Optional[list[tuple[str, str, list[str]]]] = None,
    named_lanes: Optional[tuple[tuple[str, tuple[str, ...]], ...]] = None,
    derived_lanes: Optional[list[tuple[str, list[str]]]] = None,
    force: Optional[bool] = None,
    pick_oracle: Optional[Callable[[str, str, list[str]], Optional[int]]] = None,
    rank_key: Optional[Callable[[str, str, list[str]], Optional[float]]] = None,
    predicates: Optional[list[AdmissionPredicate]] = None,
    class_budgets: Optional[dict[str, int]] = None,
    live_siblings: Optional[list[dict[str, Any]]] = None,
    sibling_tree_lookup: Optional[Callable[[str], Optional[list[str]]]] = None,
) -> LaneDecision:
    """``dos_native.arbiter.arbitrate``: ``config`` is a ``SubstrateConfig``
    (or any object with its lane fields), an inline config mapping, or None."""
def arbitrate_ref(
    *, requested_lane: Any, requested_kind: Any, requested_tree: Any, live_leases: Any, config: Any = None,
    auto_pick_order: Any = None, named_lanes: Any = None, derived_lanes: Any = None, force: Any = None,
    pick_oracle: Any = None, rank_key: Any = None, predicates: Any = None, class_budgets: Any = None,
    live_siblings: Any = None, sibling_tree_lookup: Any = None,
) -> Any:
    """``dos.arbiter.arbitrate`` on dos-kernel's classes (its ``LaneDecision``)."""
def run_predicates(
    predicates: list[AdmissionPredicate], request: AdmissionRequest, live_leases: list[dict[str, Any]], config: object,
) -> AdmissionVerdict: ...
def run_predicates_ref(predicates: Any, request: Any, live_leases: Any, config: Any) -> Any:
    """``dos.admission.run_predicates`` on dos-kernel's classes."""
def bind_arbiter_ref(name: str, fallback: Callable[..., Any]) -> NativeFunction: ...


# -- records (python/src/record.rs) ----------------------------------------------

@disjoint_base
class Record:
    """The native base of the typed modules' records (one slot per field)."""

@final
class RecordLayout:
    def __new__(cls, names: list[str], defaults: list[Optional[tuple[Any]]]) -> RecordLayout: ...
    @property
    def names(self) -> tuple[str, ...]: ...

# The field descriptor's class is not exported: declared here, stubtest
# would read every record field of the typed modules' stubs as one.
def field_descriptor(index: int, name: str) -> Any: ...

@final
class LazyText: ...

def record_rebuild(cls: type, values: tuple[Any, ...]) -> Any: ...
def is_record_type(x: Any) -> bool: ...
