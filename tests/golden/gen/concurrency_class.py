"""Golden cases for `dos.concurrency_class.parse_cli_budgets`."""
from dos import concurrency_class as cc

from .common import cases, op, rand_text


@op("concurrency_class.parse_cli_budgets")
def _parse(args, config):
    return cc.parse_cli_budgets(args.get("pairs"))


TABLE = [None, [], ["priority=3"], ["priority=3", "apply=1"], [" priority = 3 "], ["priority=3", "priority=1"],
         ["a=1", "b=2", "a=3"], ["x"], ["=1"], [" =1"], ["a="], ["a=-1"], ["a=-0"], ["a=+2"], ["a=1_000"],
         ["a=1__0"], ["a=0x10"], ["a=1.5"], ["a=٣"], ["a=\u00a07\u3000"], ["a=\x1c7"], ["a=b=3"], ["a==3"],
         ["k=99999999999999999999999"], ["k=-99999999999999999999999"], ["a=007"], ["é=1"], ["a=1", "bad"],
         ["a b=2"], ["\ta\t=\t4\t"]]


@cases
def _cases(rng):
    for t in TABLE:
        yield "concurrency_class.parse_cli_budgets", ({} if t is None else {"pairs": t})
    for _ in range(260):
        pairs = []
        for _ in range(rng.randint(0, 4)):
            kind = rng.choice(["priority", "apply", " Cluster ", "", "k", rand_text(rng, "abc _", 5)])
            val = rng.choice(["1", "0", "3", "-2", " 4 ", "x", "", "1_0", "+5", "2.0", "٣", str(rng.randint(0, 999))])
            sep = rng.choice(["=", "=", "=", " = ", "", "=="])
            pairs.append(kind + sep + val)
        yield "concurrency_class.parse_cli_budgets", {"pairs": pairs}
    # Well-formed flag lists (the typed hosts replay at least 50 answered
    # records per op).
    for _ in range(60):
        pairs = []
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(["priority", "apply", " Cluster ", "k", "é", rand_text(rng, "abc_", 5) or "z"])
            val = rng.choice(["1", "0", "3", " 4 ", "+5", "1_0", "007", str(rng.randint(0, 10**rng.randint(1, 25)))])
            pairs.append(kind + rng.choice(["=", " = ", "=\t"]) + val)
        yield "concurrency_class.parse_cli_budgets", {"pairs": pairs}
