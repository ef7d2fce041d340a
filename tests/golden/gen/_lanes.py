"""Shared pieces of the arbiter-cluster generators: building the reference's
SubstrateConfig from an inline config, the random vocabularies, and the facts
a reason must carry.

Facts are read off the reference's own reason text: every Python repr it
quotes (lane names, kinds, loop stamps), every `shared/requested` fraction
and percentage, the typed tokens, the counts and the lists it shows. Our
reasons are worded differently but must carry each of them.
"""
from __future__ import annotations

import re
from pathlib import Path

from dos.concurrency_class import ClassBudgets
from dos.config import LaneTaxonomy, PathLayout, SubstrateConfig, WorkspaceFacts
from dos.self_modify import _DISPATCH_RUNTIME_FILES

RUNTIME_FILES = list(_DISPATCH_RUNTIME_FILES)

GENERIC_LANES = {
    "concurrent": ["main"], "exclusive": ["global"], "autopick": ["main"],
    "trees": {"main": ["**/*"], "global": ["**/*"]},
}

# drivers/workshop.py's WORKSHOP_LANE_TAXONOMY, as a [lanes] table.
WORKSHOP_LANES = {
    "concurrent": ["frontend", "backend"],
    "exclusive": ["release", "global"],
    "autopick": ["frontend", "backend"],
    "trees": {
        "frontend": ["app/**/*", "web/**/*", "ui/**/*", "docs/UI-*"],
        "backend": ["service/**/*", "api/**/*", "worker/**/*", "docs/SVC-*"],
        "release": ["deploy/**/*", ".github/workflows/**/*", "docs/REL-*", "**/VERSION"],
        "global": ["**/*"],
    },
    "aliases": {"ui": "frontend", "web": "frontend", "frontend": "frontend", "svc": "backend", "api": "backend",
                "service": "backend", "backend": "backend", "ship": "release", "deploy": "release",
                "release": "release"},
}

# _job_policy.JOB_LANE_TAXONOMY's shape.
JOB_LANES = {"concurrent": [], "exclusive": ["orchestration", "global"], "autopick": [], "trees": {"global": ["**/*"]}}

FOREIGN = {"root": "/ws", "kernel_runtime_files": []}
KERNEL_REPO = {"root": "/ws", "kernel_runtime_files": RUNTIME_FILES}

_CACHE: dict = {}


def ref_config(config):
    """The reference SubstrateConfig an inline config describes."""
    import json

    key = json.dumps(config, sort_keys=True)
    if key in _CACHE:
        return _CACHE[key]
    c = config or {}
    # An empty [lanes] table keeps the base taxonomy, as in dos.toml.
    lanes = LaneTaxonomy.from_table(c["lanes"] if c.get("lanes") else GENERIC_LANES)
    kw = {}
    ov = c.get("overlap") or {}
    if "ratio_max" in ov:
        kw["overlap_ratio_max"] = float(ov["ratio_max"])
    if "policy" in ov:
        kw["overlap_policy_name"] = str(ov["policy"])
    if "concurrency_class" in c:
        kw["class_budgets"] = ClassBudgets.from_table(c["concurrency_class"])
    wf = c.get("workspace_facts")
    if wf is not None:
        files = tuple(wf.get("kernel_runtime_files", ()))
        kw["workspace"] = WorkspaceFacts(root=Path(wf.get("root", "/ws")), kernel_runtime_files=files,
                                         is_kernel_repo=bool(files))
    cfg = SubstrateConfig(lanes=lanes, paths=PathLayout.for_dos_dir(Path("/ws")), **kw)
    _CACHE[key] = cfg
    return cfg


# ----------------------------------------------------------------- facts

_REPR = re.compile(r"""(?<!\w)('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")(?!\w)""")
_FRACTION = re.compile(r"\b\d+/\d+\b")
_PERCENT = re.compile(r"-?(?:\d+|nan|inf)%")
_TOKENS = ("UNKNOWN_LANE", "CLASS_BUDGET_EXHAUSTED", "SELF_MODIFY", "FORCED", "EMPTY")
_LISTS = [
    re.compile(r"\((\d+: .*?)\) — same write region"),  # exact-glob count and preview
    re.compile(r"running code \((.*?)\) — refusing"),  # self-modify hits
    re.compile(r"Known lanes: (.*?)\. Pass one"),  # UNKNOWN_LANE
    re.compile(r"budget \((.*)\) — admitting"),  # class budgets at their cap
    re.compile(r"(\d+) loop\(s\) already live"),
    re.compile(r"vs all (\d+) live lease"),
    re.compile(r"^auto-picked (\S+) lane"),
]


def reason_facts(text: str) -> list[str]:
    facts: list[str] = []

    def add(f):
        if f and f not in facts:
            facts.append(f)

    for m in _REPR.finditer(text):
        add(m.group(1))
    for rx in (_FRACTION, _PERCENT):
        for m in rx.finditer(text):
            add(m.group(0))
    for t in _TOKENS:
        if t in text:
            add(t)
    for rx in _LISTS:
        for m in rx.finditer(text):
            add(m.group(1))
    return facts


def facts_of(*paths):
    def facts(args, v):
        out = {}
        for p in paths:
            cur = v
            for part in p.split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            out[p] = reason_facts(cur) if isinstance(cur, str) else []
        return out

    return facts


# ----------------------------------------------------------------- vocabularies

TREE_ENTRIES = [
    "app/**/*", "web/**/*", "ui/**/*", "docs/UI-*", "docs/ui-x.md", "docs/SVC-*", "docs/svc-y.md", "service/**/*",
    "api/**/*", "API/v1/", "worker/**/*", "deploy/**/*", ".github/workflows/**/*", "docs/REL-*", "**/VERSION",
    "**/*", "*.py", "src/dos/arbiter.py", "src/dos/", "SRC/Dos/", "src/", "src/dos/config.py", "src\\dos\\tokens.py",
    "docs/", "tests/", "", "  ", " docs/UI-* ", "Straße/", "strasse/x", "ﬁle/", "FILE/", "agents/apply_*.py",
    "agents/apply_x.py", "agents/tailor_*.py", "job_search/scoring.py", "go/internal/ui/",
]

LANE_NAMES = [
    "frontend", "backend", "release", "global", "main", "api", "ui", "docs", "Frontend", "BACKEND", "Release",
    "GLOBAL", "orchestration", "Orchestration", "priority", "apply", "tailor", "Straße", "STRASSE", "strasse",
    "İnfra", "ﬁx", "FIX", "Σx", "it's", "",
]

UNKNOWN_NAMES = ["playbooks", "typo-lane", "Playbooks", "zz"]

KINDS = ["cluster", "keyword", "global", "named", "derived", "priority", "apply", "release", "orchestration",
         "Release", "GLOBAL", "", "Cluster"]


ZONES = [f"z{i}/" for i in range(8)] + [f"Z{i}/**/*" for i in range(3)] + ["z1/deep/", "z2/x.py"]


def rand_tree(rng, n=4):
    if rng.random() < 0.5:
        return [rng.choice(ZONES) for _ in range(rng.randint(1, max(1, n - 1)))]
    return [rng.choice(TREE_ENTRIES) for _ in range(rng.randint(0, n))]


LEASE_KINDS = ["cluster"] * 8 + ["keyword"] * 4 + ["priority"] * 2 + ["apply"] * 2 + \
    ["named", "derived", "", "Cluster"] + ["global", "release", "orchestration", "GLOBAL", "Release"]


def rand_taxonomy(rng):
    pick = rng.random()
    if pick < 0.15:
        return None  # the generic preset
    if pick < 0.35:
        return WORKSHOP_LANES
    if pick < 0.42:
        return JOB_LANES
    names = [n for n in LANE_NAMES if n]
    pool = rng.sample(names, rng.randint(2, 7))
    conc = pool[: rng.randint(0, min(3, len(pool)))]
    rest = [p for p in pool if p not in conc]
    excl = rest[: rng.randint(0, min(2, len(rest)))]
    auto = [n for n in conc if rng.random() < 0.8]
    if rng.random() < 0.3:
        auto.append(rng.choice(names))
    if rng.random() < 0.2 and auto:
        auto[0] = auto[0].upper() if rng.random() < 0.5 else auto[0].lower()
    rng.shuffle(auto)
    trees = {}
    for n in pool + [rng.choice(names)]:
        if rng.random() < 0.8:
            key = n if rng.random() < 0.8 else (n.lower() if rng.random() < 0.5 else n.upper())
            trees[key] = rand_tree(rng, 4) if rng.random() < 0.9 else []
    aliases = {}
    for _ in range(rng.randint(0, 3)):
        aliases[rng.choice(names + UNKNOWN_NAMES).lower()] = rng.choice(pool)
    out = {"concurrent": conc, "exclusive": excl, "autopick": auto, "trees": trees}
    if aliases:
        out["aliases"] = aliases
    return out


def rand_config(rng):
    cfg = {}
    lanes = rand_taxonomy(rng)
    if lanes is not None:
        cfg["lanes"] = lanes
    r = rng.random()
    if r < 0.45:
        cfg["workspace_facts"] = FOREIGN
    elif r < 0.6:
        cfg["workspace_facts"] = KERNEL_REPO
    elif r < 0.7:
        cfg["workspace_facts"] = {"root": "/ws", "kernel_runtime_files": rng.sample(RUNTIME_FILES, 3)}
    if rng.random() < 0.3:
        ov = {}
        if rng.random() < 0.8:
            ov["ratio_max"] = rng.choice([0.1, 0.25, 0.3, 0.5, 0.75, 1.0, 1e-9, 1 / 3])
        if rng.random() < 0.3:
            ov["policy"] = rng.choice(["prefix", "prefix", ""])
        cfg["overlap"] = ov
    return cfg or None


def rand_lease(rng, lanes_cfg):
    names = LANE_NAMES + list((lanes_cfg or {}).get("trees", {}).keys())
    lease = {}
    if rng.random() < 0.95:
        lease["lane"] = rng.choice(names)
    if rng.random() < 0.95:
        lease["lane_kind"] = rng.choice(LEASE_KINDS)
    elif rng.random() < 0.5:
        lease["lane_kind"] = None
    t = rng.random()
    if t < 0.75:
        tree = rand_tree(rng, 4)
        if rng.random() < 0.4 and lanes_cfg and lanes_cfg.get("trees"):
            tree = list(rng.choice(list(lanes_cfg["trees"].values())))
        lease["tree"] = tree
    elif t < 0.85:
        lease["tree"] = None
    if rng.random() < 0.4:
        lease["loop_ts"] = rng.choice(["2026-01-01T00:00Z", "", "t1", None])
    return lease
