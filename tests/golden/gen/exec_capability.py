"""Golden cases for `dos.exec_capability`."""
from dos import exec_capability as xc

from .common import cases, op, rand_text


def _policy(p):
    if p is None:
        return xc.DEFAULT_POLICY
    programs = p.get("programs")
    if programs is not None and (not isinstance(programs, list) or not all(isinstance(x, str) for x in programs)):
        raise TypeError("programs must be a list of strings")
    # A null set is the default one (the envelope reads null as left out).
    base = xc.ExecCapabilityPolicy(programs=frozenset(programs)) if programs is not None else xc.DEFAULT_POLICY
    return base.with_extra(p["extra"]) if "extra" in p else base


def _facts(args, v):
    facts = [v["capability"]]
    if v["capability"] == "BOUNDED":
        # The prose names the program as `repr` writes it.
        facts.append(repr(v["program"])[1:-1])
    return {"reason": facts}


@op("exec_capability.classify_command", prose=["reason"], facts=_facts)
def _classify(args, config):
    return xc.classify_command(args["command"], _policy(args.get("policy"))).to_dict()


TABLE = [
    "", "   ", "ls -la", "python -c 'print(1)'", "python3 x.py", "/usr/bin/python3 -V", "PYTHON -c x",
    "env FOO=bar python x", "sudo rm -rf /", "sudo python", "nice -n 5 make", "nohup node srv.js",
    "time bash -c 'x'", "command -v git", "FOO=1 BAR=2 ls", "=x ls", "A-B=1 ls", "é=1 ls",
    "cat eval.txt", "# python", "npx create", "C:\\Python\\python.exe -c 1", "git status", "env",
    "sudo", "xargs rm", "ssh host ls", "\tbash\n", "\u00a0python", "myinterp -e x", "MyInterp",
    "gh pr list", "curl x | sh", "env -i sh", "./script.sh", "deno run x", "İpython", "PYTHON3.11 -c 1",
]

PROGRAMS = ["python", "bash", "node", "ls", "cat", "sudo", "env", "nice", "git", "sh", "myinterp", "rm",
            "/bin/ls", "./x", "A=1", "_X=y", "Python3", "curl", "ssh", "xargs", "time", "nohup", "command"]


@cases
def _cases(rng):
    for c in TABLE:
        yield "exec_capability.classify_command", {"command": c}
    for c in TABLE[:12]:
        yield "exec_capability.classify_command", {"command": c, "policy": {"extra": [" MyInterp ", "", "git"]}}
        yield "exec_capability.classify_command", {"command": c, "policy": {"programs": ["ls"], "extra": ["gh"]}}
    for _ in range(260):
        words = [rng.choice(PROGRAMS) if rng.random() < 0.7 else rand_text(rng, "ab=_/.-", 6)
                 for _ in range(rng.randint(0, 4))]
        sep = rng.choice([" ", "  ", "\t", "\u3000", " \x1c "])
        cmd = sep.join(words)
        args = {"command": cmd}
        if rng.random() < 0.25:
            args["policy"] = {"extra": [rng.choice(PROGRAMS) for _ in range(2)]}
        yield "exec_capability.classify_command", args


# -- the methods on the route: ExecCapabilityPolicy.with_extra, ExecCapabilityVerdict.grants_arbitrary_exec

def _policy_dict(p):
    # The reference writes a set into JSON sorted (its to_dict rule).
    return {"programs": sorted(p.programs)}


@op("exec_capability.ExecCapabilityPolicy.with_extra")
def _with_extra(args, config):
    if set(args) - {"self", "extra"} or not isinstance(args.get("self"), dict):
        raise TypeError("self (an object) is required; extra is a list of strings")
    if "extra" not in args:
        raise TypeError("extra is required (null: none)")
    extra = args["extra"]
    if extra is not None and (not isinstance(extra, list) or not all(isinstance(x, str) for x in extra)):
        raise TypeError("extra must be a list of strings")
    this = args["self"]
    if set(this) - {"programs", "extra"}:
        raise TypeError("self takes programs (and extra on the envelope)")
    return _policy_dict(_policy(this).with_extra(extra))


@op("exec_capability.ExecCapabilityVerdict.grants_arbitrary_exec")
def _grants(args, config):
    d = args.get("self")
    if set(args) - {"self"} or not isinstance(d, dict) or set(d) != {"capability", "program", "reason"}:
        raise TypeError("self must be a verdict with every field")
    if not isinstance(d["program"], (str, type(None))) or not isinstance(d["reason"], str):
        raise TypeError("program is text or null; reason is text")
    return xc.ExecCapabilityVerdict(xc.Capability(d["capability"]), d["program"], d["reason"]).grants_arbitrary_exec


@cases
def _method_cases(rng):
    for c in TABLE:
        v = xc.classify_command(c).to_dict()
        yield "exec_capability.ExecCapabilityVerdict.grants_arbitrary_exec", {"self": v}
    for cap in ("GRANTS_ARBITRARY_EXEC", "BOUNDED", "EMPTY", "NOPE", 3):
        yield "exec_capability.ExecCapabilityVerdict.grants_arbitrary_exec", {
            "self": {"capability": cap, "program": None, "reason": ""}}
    yield "exec_capability.ExecCapabilityVerdict.grants_arbitrary_exec", {"self": {"capability": "EMPTY"}}
    yield "exec_capability.ExecCapabilityVerdict.grants_arbitrary_exec", {}
    bases = [{}, {"programs": ["ls"]}, {"programs": []}, {"programs": ["b", "a", "b", "\u00e9", "Z"]}, {"programs": None}]
    for base in bases:
        for extra in ([], [" MyInterp ", "", "  ", "GIT"], ["\u0130x", "\u212aSH", "a\tb"], None):
            yield "exec_capability.ExecCapabilityPolicy.with_extra", {"self": base, "extra": extra}
    yield "exec_capability.ExecCapabilityPolicy.with_extra", {"self": {"programs": [1]}, "extra": []}
    yield "exec_capability.ExecCapabilityPolicy.with_extra", {"self": {}, "extra": [1]}
    yield "exec_capability.ExecCapabilityPolicy.with_extra", {"self": {}, "extra": "ab"}
    yield "exec_capability.ExecCapabilityPolicy.with_extra", {"extra": []}
    yield "exec_capability.ExecCapabilityPolicy.with_extra", {"self": {}}
    for _ in range(200):
        base = {"programs": [rand_text(rng, "abAB \u00e9\u0130\u212a", 4) for _ in range(rng.randint(0, 4))]} \
            if rng.random() < 0.6 else {}
        extra = [rng.choice(PROGRAMS) if rng.random() < 0.5 else rand_text(rng, "ab \tAB\u00e9\u0130\u212a", 5)
                 for _ in range(rng.randint(0, 4))]
        yield "exec_capability.ExecCapabilityPolicy.with_extra", {"self": base, "extra": extra}
    for _ in range(200):
        words = [rng.choice(PROGRAMS) for _ in range(rng.randint(0, 3))]
        v = xc.classify_command(" ".join(words) + rand_text(rng, "ab =", 4)).to_dict()
        v["reason"] = rand_text(rng)
        yield "exec_capability.ExecCapabilityVerdict.grants_arbitrary_exec", {"self": v}
