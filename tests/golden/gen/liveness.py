"""Golden cases for `dos.liveness`."""
from dos import liveness as lv

from .common import cases, op

MIN = 60_000
I64_MAX = 2**63 - 1
I64_MIN = -(2**63)


def _policy(p):
    return lv.DEFAULT_POLICY if p is None else lv.LivenessPolicy(**p)


def _facts(args, v):
    facts = [v["verdict"]]
    ev = v["evidence"]
    pol = _policy(args.get("policy"))
    age = ev["last_heartbeat_age_ms"]
    run_age = ev["now_ms"] - ev["run_started_ms"]
    if v["verdict"] == "ADVANCING":
        if ev["commits_since_start"] >= 1:
            facts.append(str(ev["commits_since_start"]))
        elif ev["journal_events_since"] >= 1:
            facts.append(str(ev["journal_events_since"]))
        else:
            facts += [str(age), str(run_age), str(pol.grace_ms)]
    elif v["verdict"] == "SPINNING":
        facts += [str(age), str(pol.spin_ms), str(run_age), str(pol.grace_ms)]
    elif age is not None:
        facts.append(str(age))
        if age > pol.spin_ms:
            facts.append(str(pol.spin_ms))
    return {"reason": facts}


@op("liveness.classify", prose=["reason"], facts=_facts)
def _classify(args, config):
    return lv.classify(lv.ProgressEvidence(**args["ev"]), _policy(args.get("policy"))).to_dict()


def _ev(started=0, now=0, commits=0, **kw):
    d = {"run_started_ms": started, "now_ms": now, "commits_since_start": commits}
    d.update(kw)
    return d


TABLE = [
    # forward delta wins over everything
    {"ev": _ev(commits=1)},
    {"ev": _ev(commits=7, last_heartbeat_age_ms=99 * MIN, process_alive=False)},
    {"ev": _ev(commits=0, journal_events_since=1)},
    {"ev": _ev(commits=0, journal_events_since=4, last_heartbeat_age_ms=None, tokens_spent_since=12345)},
    # no heartbeat at all
    {"ev": _ev(0, 99 * MIN)},
    {"ev": _ev(0, 0, last_heartbeat_age_ms=None, process_alive=True)},
    # heartbeat freshness boundary (default spin 15 min)
    {"ev": _ev(0, 40 * MIN, last_heartbeat_age_ms=15 * MIN)},
    {"ev": _ev(0, 40 * MIN, last_heartbeat_age_ms=15 * MIN + 1)},
    {"ev": _ev(0, 40 * MIN, last_heartbeat_age_ms=0)},
    {"ev": _ev(0, 40 * MIN, last_heartbeat_age_ms=-5)},
    # grace boundary (default 30 min)
    {"ev": _ev(0, 30 * MIN, last_heartbeat_age_ms=MIN)},
    {"ev": _ev(0, 30 * MIN - 1, last_heartbeat_age_ms=MIN)},
    {"ev": _ev(1_700_000_000_000, 1_700_000_000_000 + 31 * MIN, last_heartbeat_age_ms=8 * MIN)},
    {"ev": _ev(5_000, 1_000, last_heartbeat_age_ms=MIN)},
    # OS process rung: only a confident False demotes, and only an alive run
    {"ev": _ev(0, 5 * MIN, last_heartbeat_age_ms=MIN, process_alive=False)},
    {"ev": _ev(0, 50 * MIN, last_heartbeat_age_ms=MIN, process_alive=False)},
    {"ev": _ev(0, 50 * MIN, last_heartbeat_age_ms=MIN, process_alive=True)},
    {"ev": _ev(0, 50 * MIN, last_heartbeat_age_ms=MIN, process_alive=None)},
    {"ev": _ev(0, 50 * MIN, last_heartbeat_age_ms=20 * MIN, process_alive=True)},
    {"ev": _ev(0, 50 * MIN, last_heartbeat_age_ms=20 * MIN, process_alive=False)},
    # custom and degenerate policies
    {"ev": _ev(0, 0, last_heartbeat_age_ms=0), "policy": {"grace_ms": 0, "spin_ms": 0}},
    {"ev": _ev(0, 0, last_heartbeat_age_ms=1), "policy": {"grace_ms": 0, "spin_ms": 0}},
    {"ev": _ev(0, 10, last_heartbeat_age_ms=5), "policy": {"grace_ms": 10, "spin_ms": 5}},
    {"ev": _ev(0, 9, last_heartbeat_age_ms=5), "policy": {"grace_ms": 10, "spin_ms": 5}},
    {"ev": _ev(0, 9, last_heartbeat_age_ms=6), "policy": {"grace_ms": 10, "spin_ms": 5}},
    {"ev": _ev(0, 10 * MIN, last_heartbeat_age_ms=MIN), "policy": {"grace_ms": 5 * MIN}},
    {"ev": _ev(0, 10 * MIN, last_heartbeat_age_ms=2 * MIN), "policy": {"spin_ms": MIN}},
    {"ev": _ev(0, 10 * MIN, last_heartbeat_age_ms=2 * MIN), "policy": {}},
    {"ev": _ev(0, 10 * MIN, last_heartbeat_age_ms=2 * MIN), "policy": None},
    # extreme clocks: the run age leaves the 64-bit range
    {"ev": _ev(I64_MIN, I64_MAX, last_heartbeat_age_ms=0)},
    {"ev": _ev(I64_MAX, I64_MIN, last_heartbeat_age_ms=0)},
    {"ev": _ev(I64_MIN, I64_MAX, last_heartbeat_age_ms=I64_MIN), "policy": {"grace_ms": I64_MAX, "spin_ms": I64_MAX}},
    {"ev": _ev(0, 0, commits=I64_MAX, journal_events_since=I64_MAX, tokens_spent_since=I64_MIN)},
    # the reference refuses these
    {"ev": _ev(commits=-1)},
    {"ev": _ev(journal_events_since=-1)},
    {"ev": _ev(journal_events_since=None)},
    {"ev": _ev(commits=None)},
    {"ev": _ev(0, 0), "policy": {"grace_ms": -1}},
    {"ev": _ev(0, 0), "policy": {"spin_ms": -1}},
    {"ev": _ev(0, 0), "policy": {"grace_ms": None}},
    {"ev": _ev(0, 0), "policy": {"grace_ms": 1, "bogus": 2}},
    {"ev": _ev(0, 0, bogus=1)},
    {"ev": {"run_started_ms": 0, "now_ms": 0}},
    {"ev": {"now_ms": 0, "commits_since_start": 0}},
    {},
]


def _rand_case(rng):
    started = rng.choice([0, 1_700_000_000_000, rng.randint(0, 2**41)])
    run_age = rng.choice([0, 1, 29 * MIN, 30 * MIN - 1, 30 * MIN, 30 * MIN + 1, 2 * 3600_000,
                          rng.randint(0, 4 * 3600_000), -rng.randint(1, MIN)])
    ev = _ev(started, started + run_age,
             commits=rng.choice([0, 0, 0, 0, 1, 2, rng.randint(0, 50)]))
    if rng.random() < 0.6:
        ev["journal_events_since"] = rng.choice([0, 0, 0, 1, rng.randint(0, 9)])
    if rng.random() < 0.85:
        ev["last_heartbeat_age_ms"] = rng.choice([
            None, 0, 15 * MIN, 15 * MIN + 1, rng.randint(0, 40 * MIN), rng.randint(0, 40 * MIN), -rng.randint(1, 999),
        ])
    if rng.random() < 0.3:
        ev["tokens_spent_since"] = rng.choice([None, 0, rng.randint(0, 10**7)])
    if rng.random() < 0.6:
        ev["process_alive"] = rng.choice([None, True, False])
    args = {"ev": ev}
    if rng.random() < 0.4:
        pol = {}
        if rng.random() < 0.7:
            pol["grace_ms"] = rng.choice([0, MIN, 10 * MIN, 30 * MIN, rng.randint(0, 3600_000)])
        if rng.random() < 0.7:
            pol["spin_ms"] = rng.choice([0, MIN, 15 * MIN, rng.randint(0, 3600_000)])
        if rng.random() < 0.05:
            pol[rng.choice(["grace_ms", "spin_ms"])] = -rng.randint(1, 9)
        args["policy"] = pol
    return args


@cases
def _cases(rng):
    for args in TABLE:
        yield "liveness.classify", args
    for _ in range(320):
        yield "liveness.classify", _rand_case(rng)
