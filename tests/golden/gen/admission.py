"""Golden cases for `dos.admission.run_predicates` and `dos.self_modify`."""
from dos import admission, self_modify

from . import _lanes as L
from .arbiter import predicate_objects
from .common import cases, op


def _verdict(v):
    return {"admitted": v.admitted, "reason": v.reason, "reason_class": v.reason_class}


def _request(r):
    return admission.AdmissionRequest(lane=r["lane"], kind=r["kind"], tree=tuple(r["tree"]))


@op("admission.run_predicates", prose=["reason"], facts=L.facts_of("reason"))
def _run(args, config):
    cfg = L.ref_config(config)
    names = args.get("predicates")
    preds = predicate_objects(names, cfg) if names is not None else admission.built_in_predicates(config=cfg)
    return _verdict(admission.run_predicates(preds, _request(args["request"]), args["live_leases"], cfg))


@op("self_modify._tree_touches_runtime")
def _touches(args, config):
    if args.get("runtime_files") is None:
        return self_modify._tree_touches_runtime(args["requested_tree"])
    return self_modify._tree_touches_runtime(args["requested_tree"], tuple(args["runtime_files"]))


@op("self_modify.SelfModifyPredicate", prose=["reason"], facts=L.facts_of("reason"))
def _guard(args, config):
    rf = args.get("runtime_files")
    pred = self_modify.SelfModifyPredicate() if rf is None else self_modify.SelfModifyPredicate(tuple(rf))
    return _verdict(pred(_request(args["request"]), args.get("live_lease") or {}, None))


def _rand_request(rng):
    return {"lane": rng.choice(L.LANE_NAMES + L.UNKNOWN_NAMES), "kind": rng.choice(L.KINDS),
            "tree": L.rand_tree(rng, 5)}


RUNTIME_SETS = [None, [], L.RUNTIME_FILES, L.RUNTIME_FILES[:3], ["src/dos/x.py", "**/VERSION"], ["SRC/DOS/Arbiter.py"]]


@cases
def _cases(rng):
    for tree in (["**/*"], ["src/"], ["src/dos/arbiter.py"], ["SRC\\DOS\\Tokens.py"], ["src/dos/a"], [""], [],
                 ["docs/"], ["src/dos/*.py", "x/"], ["*"], ["src/dos/con"]):
        for rf in RUNTIME_SETS:
            args = {"requested_tree": tree}
            if rf is not None:
                args["runtime_files"] = rf
            yield "self_modify._tree_touches_runtime", args
            sargs = {"request": {"lane": "k", "kind": "keyword", "tree": tree}}
            if rf is not None:
                sargs["runtime_files"] = rf
            yield "self_modify.SelfModifyPredicate", sargs
    for _ in range(250):
        args = {"requested_tree": L.rand_tree(rng, 5)}
        rf = rng.choice(RUNTIME_SETS)
        if rf is not None:
            args["runtime_files"] = rf
        yield "self_modify._tree_touches_runtime", args
        sargs = {"request": _rand_request(rng)}
        if rf is not None:
            sargs["runtime_files"] = rf
        if rng.random() < 0.3:
            sargs["live_lease"] = {"lane": "x", "tree": ["a/"]}
        yield "self_modify.SelfModifyPredicate", sargs
    for _ in range(450):
        config = L.rand_config(rng)
        lanes_cfg = (config or {}).get("lanes")
        args = {"request": _rand_request(rng),
                "live_leases": [L.rand_lease(rng, lanes_cfg) for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))]}
        if rng.random() < 0.3:
            args["predicates"] = rng.choice([[], ["disjointness"], ["self-modify"], ["self-modify", "disjointness"]])
        if rng.random() < 0.03:
            config = dict(config or {}, overlap={"policy": "import-graph"})
        yield "admission.run_predicates", args, config


@op("admission.admit", min_cases=1)
def _admit(args, config):
    return _verdict(admission.AdmissionVerdict.admit())


@op("admission.refuse")
def _refuse(args, config):
    if "reason_class" in args:
        return _verdict(admission.AdmissionVerdict.refuse(args["reason"], reason_class=args["reason_class"]))
    return _verdict(admission.AdmissionVerdict.refuse(args["reason"]))


@cases
def _verdict_cases(rng):
    from .common import rand_text

    yield "admission.admit", {}
    for reason, rc in [("", None), ("", ""), ("frozen", "FROZEN"), ("x", "SELF_MODIFY"), ("é\u2028\x00", "ß")]:
        yield "admission.refuse", ({"reason": reason} if rc is None else {"reason": reason, "reason_class": rc})
    for _ in range(220):
        args = {"reason": rand_text(rng, n=30, non_ascii=0.2)}
        if rng.random() < 0.6:
            args["reason_class"] = rng.choice(["", "SELF_MODIFY", "FROZEN", rand_text(rng, n=8, non_ascii=0.2)])
        yield "admission.refuse", args
