"""Golden cases for `dos.exec_capability`."""
from dos import exec_capability as xc

from .common import cases, op, rand_text


def _policy(p):
    if p is None:
        return xc.DEFAULT_POLICY
    base = xc.ExecCapabilityPolicy(programs=frozenset(p["programs"])) if "programs" in p else xc.DEFAULT_POLICY
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
