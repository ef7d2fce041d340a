"""Issue 9 item 6: the GIL is released while an op touches files (a lock
wait included), no cache keyed on an object's identity serves a decision for
an object that has since been mutated, result instances are filled through
the public API, and the exception hierarchy is one tree picked by code."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

import dos_native
from dos_native import _native, _paths
from dos_native import config as nc
from dos_native import lane_lease as nll

ref_arbiter = pytest.importorskip("dos.arbiter")
ref_config = pytest.importorskip("dos.config")
ref_hook_exit = pytest.importorskip("dos.hook_exit")
from dos.drivers.workshop import workshop_config  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


# -- the GIL is released around file work and lock waits ------------------------

# A reference process holding the lane-lease mutex until killed.
HOLDER = textwrap.dedent("""
    import sys, time
    from dos import config, lane_lease
    cfg = config.load_workspace_config(sys.argv[1])
    with lane_lease._Mutex(cfg, "gil-holder"):
        print("held", flush=True)
        time.sleep(120)
""")


@pytest.fixture(scope="module")
def held_workspace():
    """A workspace whose lane-lease mutex another process holds (alive, so
    libdos waits out its whole budget before answering BUSY)."""
    tmp = Path(tempfile.mkdtemp(prefix="dos-gil-"))
    root = tmp / "ws"
    shutil.copytree(REPO / "examples" / "workspace", root)
    pr = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdout=subprocess.PIPE, text=True)
    try:
        assert pr.stdout.readline().strip() == "held"
        yield root
    finally:
        pr.kill()
        pr.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _acquire_args(cfg):
    return {"journal": _paths.lease_journal(cfg), "lane": "api", "kind": "cluster", "tree": ["src/api/**"],
            "owner": "gil-waiter", "loop_ts": "w-1", "run_id": ""}


def _entry_points(root):
    cfg = nc.load_workspace_config(root)
    return {
        "typed": lambda: nll.acquire(cfg, lane="api", kind="cluster", tree=["src/api/**"], owner="gil-waiter",
                                     loop_ts="w-1"),
        "dispatch": lambda: dos_native.dispatch("lane_lease.acquire", _acquire_args(cfg), cfg),
        "dispatch_exact": lambda: _native._dispatch_exact("lane_lease.acquire", _acquire_args(cfg), cfg),
        "config_dispatch": lambda: cfg.dispatch("lane_lease.acquire", _acquire_args(cfg)),
    }


def _progress_while(call):
    """Run ``call`` (expected to wait on the held mutex, then raise
    BusyError) while another Python thread counts; return how long the call
    took and the counter thread's progress stamps taken well inside it."""
    stop = threading.Event()
    stamps: list[float] = []

    def count():
        n = 0
        while not stop.is_set():
            n += 1
            if n % 100 == 0:
                stamps.append(time.monotonic())

    t = threading.Thread(target=count, daemon=True)
    t.start()
    time.sleep(0.05)
    t0 = time.monotonic()
    try:
        with pytest.raises(dos_native.BusyError) as err:
            call()
    finally:
        t1 = time.monotonic()
        stop.set()
        t.join()
    assert err.value.code == "BUSY"
    inside = [s for s in stamps if t0 + 0.2 < s < t1 - 0.1]
    return t1 - t0, inside


@pytest.mark.parametrize("entry", ["typed", "dispatch", "dispatch_exact", "config_dispatch"])
def test_a_lock_wait_releases_the_gil(held_workspace, entry):
    took, inside = _progress_while(_entry_points(held_workspace)[entry])
    # The wait really happened (the lane-lease budget is about a second) ...
    assert took >= 0.5
    # ... and the other thread kept running all through it (with the GIL
    # held it could not take a single step between entering and leaving).
    assert len(inside) >= 10, (took, len(inside))


def test_pure_ops_still_answer_through_dispatch():
    v = dos_native.dispatch("exec_capability.classify_command", {"command": "sudo make"})
    assert v["capability"] == "GRANTS_ARBITRARY_EXEC"


# -- identity-keyed caches never serve a stale decision -----------------------------

DECISION_FIELDS = ("outcome", "lane", "lane_kind", "tree", "auto_picked", "free_clusters", "pick_count")


def _fields(d):
    return {k: getattr(d, k) for k in DECISION_FIELDS}


def _kw(cfg, lane="frontend", tree=()):
    be = list(cfg.lanes.tree_for("backend"))
    return dict(requested_lane=lane, requested_kind="cluster", requested_tree=list(tree),
                live_leases=[{"lane": "backend", "lane_kind": "cluster", "tree": be}], config=cfg)


def _mutations():
    """(name, make a config, mutate it in place) cases; each mutation changes
    the reference's decision for _kw(cfg)."""

    def trees_item(cfg):
        cfg.lanes.trees["frontend"] = ("service/**/*",)

    def trees_list_in_place(cfg):
        cfg.lanes.trees["frontend"].append("service/**/*")

    def trees_del(cfg):
        del cfg.lanes.trees["frontend"]

    def exclusive_list(cfg):
        cfg.lanes.exclusive.append("frontend")

    def lanes_swapped(cfg):
        object.__setattr__(cfg, "lanes", dataclasses.replace(cfg.lanes, trees={"frontend": ("service/**/*",)}))

    # Changes that leave every container's identity and size as they were.
    def trees_list_item_same_size(cfg):
        cfg.lanes.trees["frontend"][0] = "service/**/*"

    def exclusive_item_same_size(cfg):
        cfg.lanes.exclusive[0] = "frontend"

    def trees_key_swapped_same_size(cfg):
        del cfg.lanes.trees["frontend"]
        cfg.lanes.trees["elsewhere"] = ("x/**",)

    def trees_reassigned(cfg):
        object.__setattr__(cfg.lanes, "trees", {**cfg.lanes.trees, "frontend": ("service/**/*",)})

    def trees_through_vars(cfg):
        vars(cfg.lanes)["trees"] = {**cfg.lanes.trees, "frontend": ("service/**/*",)}

    def lanes_dict_replaced(cfg):
        object.__setattr__(cfg.lanes, "__dict__", {**vars(cfg.lanes), "trees": {"frontend": ("service/**/*",)}})

    def unrelated_field_then_trees(cfg):
        # The config's own dict changes (a field the arbiter does not read)
        # and is found still holding what was read; then a tree changes.
        object.__setattr__(cfg, "_unread", 1)
        _ours_and_reference_agree(cfg)
        cfg.lanes.trees["frontend"][0] = "service/**/*"

    def runtime_files(cfg):
        object.__setattr__(cfg.workspace, "kernel_runtime_files", ("app/main.py",))

    def workspace_swapped(cfg):
        object.__setattr__(cfg, "workspace", dataclasses.replace(cfg.workspace, kernel_runtime_files=("app/main.py",)))

    def fresh(listed=False):
        """A workshop config with a taxonomy of its own (the driver shares
        its dicts between the configs it builds)."""
        cfg = workshop_config(tempfile.mkdtemp())
        lanes = cfg.lanes
        seq = list if listed else tuple
        own = dataclasses.replace(
            lanes,
            exclusive=seq(lanes.exclusive),
            trees={k: seq(v) for k, v in lanes.trees.items()},
            aliases=dict(lanes.aliases),
        )
        return dataclasses.replace(cfg, lanes=own)

    plain, listy = fresh, (lambda: fresh(listed=True))
    main = ("app/main.py",)
    return [
        ("trees_item", plain, trees_item, ()),
        ("trees_list_in_place", listy, trees_list_in_place, ()),
        ("trees_del", plain, trees_del, ()),
        ("exclusive_list", listy, exclusive_list, ()),
        ("lanes_swapped", plain, lanes_swapped, ()),
        ("trees_list_item_same_size", listy, trees_list_item_same_size, ()),
        ("exclusive_item_same_size", listy, exclusive_item_same_size, ()),
        ("trees_key_swapped_same_size", plain, trees_key_swapped_same_size, ()),
        ("trees_reassigned", plain, trees_reassigned, ()),
        ("trees_through_vars", plain, trees_through_vars, ()),
        ("lanes_dict_replaced", plain, lanes_dict_replaced, ()),
        ("unrelated_field_then_trees", listy, unrelated_field_then_trees, ()),
        ("runtime_files", plain, runtime_files, main),
        ("workspace_swapped", plain, workspace_swapped, main),
    ]


_CURRENT = {}


def _ours_and_reference_agree(cfg):
    """Inside a mutation: the function under test agrees with the reference
    on the config as it stands now."""
    ours, tree = _CURRENT["ours"], _CURRENT["tree"]
    assert _fields(ours(**_kw(cfg, tree=tree))) == _fields(ref_arbiter.arbitrate(**_kw(cfg, tree=tree)))


MUTATIONS = _mutations()


@pytest.mark.parametrize("flavour", ["native", "accelerated"])
@pytest.mark.parametrize("case", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_mutated_config_is_read_again(case, flavour):
    _, make, mutate, tree = case
    reference = ref_arbiter.arbitrate
    cfg = make()
    if flavour == "native":
        from dos_native import arbiter as na

        ours = na.arbitrate
    else:
        dos_native.accelerate()
        ours = ref_arbiter.arbitrate
        assert ours is not reference
    _CURRENT.update(ours=ours, tree=tree)
    try:
        for _ in range(2):  # a first call (which fills any cache), then a repeat
            assert _fields(ours(**_kw(cfg, tree=tree))) == _fields(reference(**_kw(cfg, tree=tree)))
        before = _fields(reference(**_kw(cfg, tree=tree)))
        mutate(cfg)
        after = _fields(reference(**_kw(cfg, tree=tree)))
        assert after != before, "the mutation must change the reference's decision"
        assert _fields(ours(**_kw(cfg, tree=tree))) == after
    finally:
        if flavour == "accelerated":
            dos_native.restore()


@pytest.mark.parametrize("flavour", ["native", "accelerated"])
def test_a_mutated_default_exit_policy_is_read_again(flavour):
    from dos_native import hook_exit as nh

    mod = nh if flavour == "native" else ref_hook_exit
    original = ref_hook_exit.classify_exit
    if flavour == "accelerated":
        dos_native.accelerate()
        assert ref_hook_exit.classify_exit is not original
    fn = mod.classify_exit
    verb = mod.Intervention
    saved = dict(mod.DEFAULT_POLICY.mapping)
    try:
        assert fn(3).intervention is verb.WARN and fn(3, mod.DEFAULT_POLICY).intervention is verb.WARN
        mod.DEFAULT_POLICY.mapping[3] = verb.BLOCK
        # The reference reads its default's mapping on every call.
        if flavour == "accelerated":
            assert original(3).intervention is verb.BLOCK
        assert fn(3).intervention is verb.BLOCK
        assert fn(3, mod.DEFAULT_POLICY).intervention is verb.BLOCK
        assert fn(3).matched is True
    finally:
        mod.DEFAULT_POLICY.mapping.clear()
        mod.DEFAULT_POLICY.mapping.update(saved)
        if flavour == "accelerated":
            dos_native.restore()
    assert mod.classify_exit(3).intervention is verb.WARN


def _exit_policy_changes():
    """(name, change DEFAULT_POLICY so that exit 2 warns): each leaves the
    policy object, and all but the last its mapping's identity and size, as
    they were."""

    def item_same_size(mod):
        mod.DEFAULT_POLICY.mapping[2] = mod.Intervention.WARN

    def key_swapped_same_size(mod):
        del mod.DEFAULT_POLICY.mapping[2]
        mod.DEFAULT_POLICY.mapping[9] = mod.Intervention.BLOCK

    def reassigned(mod):
        object.__setattr__(mod.DEFAULT_POLICY, "mapping", {2: mod.Intervention.WARN})

    def through_vars(mod):
        vars(mod.DEFAULT_POLICY)["mapping"] = {2: mod.Intervention.WARN}

    return [("item_same_size", item_same_size), ("key_swapped_same_size", key_swapped_same_size),
            ("reassigned", reassigned), ("through_vars", through_vars)]


EXIT_CHANGES = _exit_policy_changes()


@pytest.mark.parametrize("flavour", ["native", "accelerated"])
@pytest.mark.parametrize("change", EXIT_CHANGES, ids=[c[0] for c in EXIT_CHANGES])
def test_a_default_exit_policy_changed_without_resizing_is_read_again(change, flavour):
    from dos_native import hook_exit as nh

    mod = nh if flavour == "native" else ref_hook_exit
    if change[0] == "through_vars" and not hasattr(mod.DEFAULT_POLICY, "__dict__"):
        # A typed module's record keeps its fields in native slots: there is
        # no instance dict to write through.
        with pytest.raises(TypeError):
            vars(mod.DEFAULT_POLICY)
        return
    if flavour == "accelerated":
        dos_native.accelerate()
    policy = mod.DEFAULT_POLICY
    saved_mapping, saved_items = policy.mapping, dict(policy.mapping)
    try:
        for _ in range(2):
            assert mod.classify_exit(2).intervention is mod.Intervention.BLOCK
        change[1](mod)
        assert mod.classify_exit(2).intervention is mod.Intervention.WARN
        assert mod.classify_exit(2, policy).intervention is mod.Intervention.WARN
    finally:
        object.__setattr__(policy, "mapping", saved_mapping)
        saved_mapping.clear()
        saved_mapping.update(saved_items)
        if flavour == "accelerated":
            dos_native.restore()
    assert mod.classify_exit(2).intervention is mod.Intervention.BLOCK


def _frozen_default_cases():
    """(module, function, an argument, field, new value) for the defaults that
    are frozen dataclasses: a field reassigned with object.__setattr__ is read."""
    import dos.breaker as rb
    import dos.efficiency as re_
    import dos.liveness as rl
    import dos.productivity as rp
    import dos.tool_stream as rt
    import dos.exec_capability as rx

    return [
        ("liveness", rl, lambda m: m.classify(m.ProgressEvidence(run_started_ms=0, now_ms=100_000, commits_since_start=0,
                                                         last_heartbeat_age_ms=1000)), "grace_ms", 1000),
        ("productivity", rp, lambda m: m.classify(m.WorkHistory(deltas=(0, 0, 0, 0, 0, 0))), "min_steps", 100),
        ("efficiency", re_, lambda m: m.classify(m.EfficiencyEvidence(work=1, tokens=100_000)), "floor", 0.5),
        ("breaker", rb, lambda m: m.classify(m.BreakerCounts(consecutive=4, total=4)), "max_consecutive", 10),
        ("tool_stream", rt,
         lambda m: m.classify_stream(m.ToolStream(steps=tuple(m.StreamStep("Read", "a", "r") for _ in range(4)))),
         "repeat_n", 10),
        ("exec_capability", rx, lambda m: m.classify_command("make"), "programs", frozenset({"make"})),
    ]


FROZEN = _frozen_default_cases()


@pytest.mark.parametrize("case", FROZEN, ids=[c[0] for c in FROZEN])
def test_a_reassigned_default_policy_field_is_read_again(case):
    _, mod, run, field, value = case
    strip = lambda v: {k: x for k, x in v.to_dict().items() if k != "reason"}  # noqa: E731
    saved = getattr(mod.DEFAULT_POLICY, field)
    want_before = strip(run(mod))
    dos_native.accelerate()
    try:
        assert strip(run(mod)) == want_before  # bound, and any default read once
        object.__setattr__(mod.DEFAULT_POLICY, field, value)
        got = strip(run(mod))
        dos_native.restore()
        want_after = strip(run(mod))
    finally:
        dos_native.restore()
        object.__setattr__(mod.DEFAULT_POLICY, field, saved)
    assert want_after != want_before, "the change must matter to the reference"
    assert got == want_after


def test_an_exec_policy_whose_programs_change_is_read_again():
    from dos_native import exec_capability as nx

    @dataclasses.dataclass
    class Policy:
        programs: object

    p = Policy(frozenset({"make"}))
    assert nx.classify_command("make", p).capability.name == "GRANTS_ARBITRARY_EXEC"
    p.programs = frozenset()
    assert nx.classify_command("make", p).capability.name != "GRANTS_ARBITRARY_EXEC"
    p.programs = ["make"]
    assert nx.classify_command("make", p).capability.name == "GRANTS_ARBITRARY_EXEC"
    p.programs.clear()
    assert nx.classify_command("make", p).capability.name != "GRANTS_ARBITRARY_EXEC"


# -- result instances are filled through the public API ------------------------------


def _rebind_reference(decision_cls):
    from dos_native import _accelerate_arbiter as aa

    orig = ref_arbiter.LaneDecision
    ref_arbiter.LaneDecision = decision_cls
    try:
        aa._bind_reference()
    finally:
        ref_arbiter.LaneDecision = orig


class SlotsSub(ref_arbiter.LaneDecision):
    __slots__ = ()


class DictSub(ref_arbiter.LaneDecision):
    pass


class Unslotted:
    def __init__(self, outcome, **kw):
        self.outcome = outcome
        self.__dict__.update(kw)


class GuardedSetattr(ref_arbiter.LaneDecision):
    __slots__ = ("seen",)

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        try:
            self.seen.append(name)
        except AttributeError:
            object.__setattr__(self, "seen", [name])


@pytest.mark.parametrize("cls", [ref_arbiter.LaneDecision, SlotsSub, DictSub, Unslotted, GuardedSetattr],
                         ids=lambda c: c.__name__)
def test_the_decision_class_is_filled_by_its_own_attributes(cls):
    cfg = workshop_config(tempfile.mkdtemp())
    want = ref_arbiter.arbitrate(**_kw(cfg))
    _rebind_reference(cls)
    try:
        got = _native.arbitrate_ref(**_kw(cfg))
    finally:
        _rebind_reference(ref_arbiter.LaneDecision)
    assert type(got) is cls
    assert _fields(got) == _fields(want) and isinstance(got.reason, str) and got.reason
    if cls is GuardedSetattr:
        # A class with its own __setattr__ sees every field set through it.
        assert set(got.seen) >= {"outcome", "lane", "tree", "reason", "pick_count"}
    if cls is DictSub:
        assert got.__dict__ == {}


def test_the_reference_decision_is_built_natively_and_complete():
    cfg = workshop_config(tempfile.mkdtemp())
    dos_native.accelerate()
    try:
        got = ref_arbiter.arbitrate(**_kw(cfg))
    finally:
        dos_native.restore()
    want = ref_arbiter.arbitrate(**_kw(cfg))
    assert type(got) is ref_arbiter.LaneDecision
    assert _fields(got) == _fields(want)
    assert got.to_dict().keys() == want.to_dict().keys()


# -- one exception hierarchy ---------------------------------------------------------

MRO = {
    "DosError": ("DosError", "Exception", "BaseException", "object"),
    "BadArgsError": ("BadArgsError", "DosError", "ValueError", "Exception", "BaseException", "object"),
    "BusyError": ("BusyError", "DosError", "TimeoutError", "OSError", "Exception", "BaseException", "object"),
    "DosIOError": ("DosIOError", "DosError", "OSError", "Exception", "BaseException", "object"),
    "InternalError": ("InternalError", "DosError", "RuntimeError", "Exception", "BaseException", "object"),
}


@pytest.mark.parametrize("name", sorted(MRO))
def test_the_mro(name):
    cls = getattr(dos_native, name)
    assert tuple(c.__name__ for c in cls.__mro__) == MRO[name]
    assert cls is getattr(_native, name) and cls.__module__ == "dos_native"


def _raises(code, tmp_path):
    """Make libdos itself raise for ``code`` through a real entry point."""
    if code == "BAD_ARGS":
        dos_native.dispatch("exec_capability.classify_command", {})
    elif code == "UNKNOWN_OP":
        dos_native.dispatch("no.such_op", {})
    elif code == "BAD_CONFIG":
        dos_native.dispatch("exec_capability.classify_command", {"command": "x"}, 3)
    elif code == "IO_ERROR":
        (tmp_path / "file").write_text("")
        dos_native.dispatch("lane_lease.live_leases", {"journal": str(tmp_path / "file" / "lanes.jsonl")})
    elif code == "INTERNAL":
        _native._panic_probe("function")
    else:
        raise AssertionError(code)


@pytest.mark.parametrize("code,cls,builtin", [
    ("BAD_ARGS", "BadArgsError", ValueError),
    ("UNKNOWN_OP", "BadArgsError", ValueError),
    ("BAD_CONFIG", "BadArgsError", ValueError),
    ("IO_ERROR", "DosIOError", OSError),
    ("INTERNAL", "InternalError", RuntimeError),
])
def test_each_code_raises_its_class(code, cls, builtin, tmp_path):
    with pytest.raises(dos_native.DosError) as e:
        _raises(code, tmp_path)
    assert type(e.value) is getattr(dos_native, cls)
    assert isinstance(e.value, builtin) and e.value.code == code


def test_busy_raises_busy_error(held_workspace):
    cfg = nc.load_workspace_config(held_workspace)
    with pytest.raises(dos_native.BusyError) as e:
        dos_native.dispatch("lane_lease.acquire", _acquire_args(cfg), cfg)
    assert isinstance(e.value, TimeoutError) and e.value.code == "BUSY"
