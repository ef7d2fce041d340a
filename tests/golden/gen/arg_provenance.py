"""Golden cases for `dos.arg_provenance` (`classify_arg`, `classify_call`).

Args are the reference's records as JSON: `arg` / `call` (a ToolArg / ToolCall
with `args` a list), `prior` (`{"blobs": [{"text", "source"}]}`) and an
optional `policy`. The native op reads them typed before deciding, so a
field of the wrong type is refused (BAD_ARGS) even where the reference would
only trip over it later (or never); the runner refuses the same.
"""
from dos import arg_provenance as ap

from .common import cases, op, rand_text


class _Refused(ValueError):
    envelope_code = "BAD_ARGS"


def _typed(kw):
    """The records, checked the way the native op reads them."""
    def need(cond, what):
        if not cond:
            raise _Refused(what)

    def arg(a):
        need(type(a) is dict and set(a) <= {"name", "value", "is_reference"} and "name" in a and "value" in a, "arg")
        need(type(a["name"]) is str and type(a.get("is_reference", True)) is bool, "arg fields")
        return ap.ToolArg(**a)

    out = {}
    p = kw.get("prior")
    need(type(p) is dict and set(p) <= {"blobs"}, "prior")
    blobs = []
    for b in p.get("blobs", []):
        need(type(b) is dict and set(b) == {"text", "source"} and type(b["text"]) is str, "blob")
        blobs.append(ap.EnvBlob(text=b["text"], source=ap.CorpusSource(b["source"])))
    out["prior"] = ap.PriorResults(blobs=tuple(blobs))
    if "policy" in kw:
        pol = kw["policy"]
        need(type(pol) is dict and set(pol) <= {"min_component_len", "case_sensitive"}, "policy")
        need(type(pol.get("min_component_len", 4)) is int and type(pol.get("case_sensitive", False)) is bool, "policy")
        out["policy"] = ap.ProvenancePolicy(**pol)
    if "arg" in kw:
        out["arg"] = arg(kw["arg"])
    if "call" in kw:
        c = kw["call"]
        need(type(c) is dict and set(c) <= {"tool_name", "args", "is_mutating"}, "call")
        need(type(c["tool_name"]) is str and type(c.get("is_mutating", True)) is bool, "call fields")
        out["call"] = ap.ToolCall(tool_name=c["tool_name"], args=tuple(arg(a) for a in c["args"]),
                                  is_mutating=c.get("is_mutating", True))
    return out


def _plain(facts):
    """Facts the corpus runners can check: none when one holds a lone
    surrogate (the prose then holds one too, and runners read it as no text)."""
    lone = any(0xD800 <= ord(c) <= 0xDFFF for f in facts for c in f)
    return [] if lone else list(facts)


def _arg_facts(v):
    s = v["value_repr"]
    if not v["is_reference"] and v["stance"] == "ABSTAIN" and "new-key" in v["reason"]:
        return ["new-key"]
    if v["stance"] == "UNSUPPORTED" and v["components_unmatched"] and not v["reason"].startswith("at least"):
        return [repr(s), repr(v["components_unmatched"])]
    if v["id_shaped"] and v["components_checked"] == [s]:
        return [repr(s)]
    if v["stance"] == "SUPPORTED" and "every data-bearing" in v["reason"]:
        return [repr(s)]
    return []


def _facts_arg(args, v):
    return {"reason": _arg_facts(v)}


def _facts_call(args, v):
    f = {"reason": []}
    if v["unsupported"]:
        f["reason"] = _plain([str(len(v["unsupported"]))] + list(v["unsupported"]))
    for i, a in enumerate(v["args"]):
        f[f"args.{i}.reason"] = _arg_facts(a)
    return f


@op("arg_provenance.classify_arg", prose=("reason",), facts=_facts_arg)
def _classify_arg(args, config):
    kw = _typed(args)
    return ap.classify_arg(**kw).to_dict()


@op("arg_provenance.classify_call", prose=("reason",), facts=_facts_call, dynamic_prose=True)
def _classify_call(args, config):
    kw = _typed(args)
    return ap.classify_call(**kw).to_dict()


# The reference's own table (tests/test_arg_provenance.py), as (name, value, is_reference, corpus texts, source).
UUID = "3fc71c6d-bfa1-4339-b089-7a6c1e2f9d10"
SYS = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
TABLE = [
    ("incident_id", "INC0010023", True, ['{"number":"INC0010023"}'], "TOOL_RESULT"),
    ("incident_id", "INC9999999", True, ['{"number":"INC0010023"}'], "TOOL_RESULT"),
    ("caller_id", "INC0010023", True, ['{"sys_number": 10023}'], "TOOL_RESULT"),
    ("incident", "INC0010023", True, ["the record 0010023 was opened"], "TOOL_RESULT"),
    ("number", "INC0010023", True, ['{"number":"inc0010023"}'], "TOOL_RESULT"),
    ("id", "INC0010023", True, ["close incident INC0010023 today"], "TASK_TEXT"),
    ("assignee", "user_42@acme.com", True, ['{"uid": 42, "company": "acme.com"}'], "TOOL_RESULT"),
    ("assignee", "user_42@evil.com", True, ['{"uid": 42, "company": "acme.com"}'], "TOOL_RESULT"),
    ("email", "jane.doe@acme.com", False, ['{"existing":"bob@acme.com"}'], "TOOL_RESULT"),
    ("email", "jason.smith10@servicenow.com", True, ['{"assignee":"jason.smith10@servicenow.com"}'], "TOOL_RESULT"),
    ("group_id", 54, True, ['{"group_id": 54, "name": "ops"}'], "TOOL_RESULT"),
    ("group_id", 81, True, ['{"group_id": 54}'], "TOOL_RESULT"),
    ("parent", "INC9999999", True, ['{"a":"INC0010023","b":"INC0010024"}'], "TOOL_RESULT"),
    ("parent", "REF12345", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("recipients", ["INC0010023", "INC0010024"], True, ['{"a":"INC0010023","b":"INC0010024"}'], "TOOL_RESULT"),
    ("recipients", ["INC0010023", "INC9999999"], True, ['{"a":"INC0010023","b":"INC0010024"}'], "TOOL_RESULT"),
    ("short_description", "broken", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("short_description", "the printer on floor 2 is broken", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("incident_id", "INC_9999", True, ['[{"id":"INC_004"},{"id":"INC_005"}]'], "TOOL_RESULT"),
    ("incident_id", "INC_004", True, ['[{"id":"INC_004"},{"id":"INC_005"}]'], "TOOL_RESULT"),
    ("addLabelIds", UUID, True, [f'{{"labels":[{{"id":"{UUID}"}}]}}'], "TOOL_RESULT"),
    ("sys_id", SYS, True, [f'{{"sys_id":"{SYS}"}}'], "TOOL_RESULT"),
    ("startTime", "2025-08-23T00:00:00Z", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("contract_price", 33414, True, ['{"existing_price": 100}'], "TOOL_RESULT"),
    ("order_total", "112345.00", True, ['{"order_total": "112345.00 USD"}'], "TOOL_RESULT"),
    ("state", "in_progress", True, ['{"number": "INC0010023", "state": "new"}'], "TOOL_RESULT"),
    ("role", "itil_admin", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("due_date", "2025-01-01", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("phone", "+1 (555) 123-4567", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("version", "v1.2.3", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("region", "US", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("created", "1700000000000", True, ['{"x": 1}'], "TOOL_RESULT"),
    ("flag", True, True, ['{"x": 1}'], "TOOL_RESULT"),
    ("nothing", None, True, ['{"x": 1}'], "TOOL_RESULT"),
]

NAMES = ["incident_id", "caller_id", "group_id", "sys_id", "user_ref", "api_key", "owner_email", "id", "parent",
         "number", "unit_price", "maxResults", "page", "total_count", "phone_number", "due-date", "x", "name",
         "assignee", "recipients", "labelIds", "org-key", "İD_ID", "ﬁle_id", "Ω_ref", "grou\u0130p_id", "\u00e9_num"]
DIGITS = "0123456789"
UNI_DIGITS = ["٤", "٢", "۳", "५", "²", "³", "①", "𝟘", "０", "１"]


def _id(rng):
    k = rng.randrange(16)
    n = lambda a, b: str(rng.randint(a, b))  # noqa: E731
    if k == 0:
        return "INC%07d" % rng.randint(0, 10**7 - 1)
    if k == 1:
        return "%032x" % rng.getrandbits(128)
    if k == 2:
        h = "%032x" % rng.getrandbits(128)
        u = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        return u.upper() if rng.random() < 0.3 else u
    if k == 3:
        return f"{rng.choice(['user', 'jane.doe', 'j.smith' + n(1, 99), 'ops'])}_{n(1, 999)}@{rng.choice(['acme', 'evil', 'servicenow', 'a'])}.{rng.choice(['com', 'io', 'co.uk', 'example'])}"
    if k == 4:
        return n(0, 10**rng.randint(1, 8))
    if k == 5:
        return rng.choice(["2025-08-23", "2025-08-23T00:00:00Z", "2025-08-23 10:11", "2025-08-23T10:11:12.5+0530",
                           "10:30", "1:05:09", "3.14", "v2.0.1", "1.2.3", "(555) 123-4567", "+1-555-0100",
                           "1700000000000", "true", "None", "null", "2025-08-23\n", "12:30\n"])
    if k == 6:
        return rng.choice(["acme99", "p0001", "a1b2c3d4", "INC_004", "msg_001", "ab12-cd34", "x:12:y", "org/123/team#7",
                           "REF-2024-0007", "itil_admin", "in_progress", "CHG0030001", "KB0010001", "RITM-77"])
    if k == 7:
        return "".join(rng.choice(UNI_DIGITS + list(DIGITS)) for _ in range(rng.randint(1, 6)))
    if k == 8:
        return rand_text(rng, "abcXYZ019_-.@:#/ ", 14, 0.15)
    if k == 9:
        return rng.choice([" INC0010023 ", "\tINC0010023\n", "\u3000acme99\u00a0", "INC0010023\x00", "a\u2028b1",
                           "\ud800INC1", "INC1\udfff", "\x1cINC00123\x1f", "inc0010023", "İNC0010023", "ß1234"])
    if k == 10:
        return rng.choice([3.5, 1e16, -0.0, 2.0, float("nan"), float("inf"), 12345.0, 10**20, -42, 0, 7])
    if k == 11:
        return rng.choice([True, False, None])
    if k == 12:
        return [_id(rng) for _ in range(rng.randint(0, 3))]
    if k == 13:
        return {rng.choice(["a", "id", "k"]): _id(rng) for _ in range(rng.randint(0, 3))}
    if k == 14:
        return "the printer " + rng.choice(["on floor two", "is broken", "at a@b.c now", "ticket 42"])
    return rng.choice(["abcdefgh", "ABCDEFGH", "opaqueKEY", "ok", "x", "", " ", "zzzz"])


def _blob_text(rng, ids):
    parts = []
    for _ in range(rng.randint(0, 8)):
        r = rng.random()
        if r < 0.45 and ids:
            v = rng.choice(ids)
            if isinstance(v, str) and rng.random() < 0.3:
                v = v.upper() if rng.random() < 0.5 else v.lower()
            if isinstance(v, str) and v.isdigit() and rng.random() < 0.3:
                v = "00" + v if rng.random() < 0.5 else v.lstrip("0")
            if isinstance(v, str) and rng.random() < 0.2 and len(v) > 3:
                v = v[1:-1]
            parts.append('{"%s": %s}' % (rng.choice(["id", "number", "sys_id", "k"]),
                                         ('"%s"' % v) if isinstance(v, str) else str(v)))
        elif r < 0.7:
            parts.append(str(_id(rng)))
        else:
            parts.append(rand_text(rng, "abc xyz{}[]\"',()=;<>|@._:#/-0123456789", 30, 0.1))
    return rng.choice([" ", "", "\n", ", ", "|"]).join(parts)


def _random_arg(rng):
    a = {"name": rng.choice(NAMES), "value": _id(rng)}
    if rng.random() < 0.15:
        a["is_reference"] = rng.random() < 0.5
    return a


def _random_prior(rng, values):
    ids = [v for v in values if isinstance(v, (str, int)) and not isinstance(v, bool)]
    blobs = [{"text": _blob_text(rng, ids), "source": rng.choice(["TOOL_RESULT", "TOOL_RESULT", "TASK_TEXT"])}
             for _ in range(rng.choice([0, 1, 1, 2, 3, 5]))]
    return {"blobs": blobs}


def _random_policy(rng):
    r = rng.random()
    if r < 0.6:
        return None
    p = {}
    if rng.random() < 0.7:
        p["min_component_len"] = rng.choice([1, 2, 3, 4, 5, 6, 8, 40])
    if rng.random() < 0.5:
        p["case_sensitive"] = rng.random() < 0.5
    return p


@cases
def _provenance_cases(rng):
    for name, value, ref, texts, source in TABLE:
        prior = {"blobs": [{"text": t, "source": source} for t in texts]}
        arg = {"name": name, "value": value, "is_reference": ref}
        yield "arg_provenance.classify_arg", {"arg": arg, "prior": prior}
        yield "arg_provenance.classify_call", {"call": {"tool_name": "create_incident", "args": [arg]}, "prior": prior}
    # The call-level guards.
    a = [{"name": "incident_id", "value": "INC9999999"}, {"name": "flag", "value": None}]
    yield "arg_provenance.classify_call", {"call": {"tool_name": "get", "args": a, "is_mutating": False},
                                           "prior": {"blobs": [{"text": "x", "source": "TOOL_RESULT"}]}}
    yield "arg_provenance.classify_call", {"call": {"tool_name": "t", "args": a}, "prior": {}}
    yield "arg_provenance.classify_call", {"call": {"tool_name": "t", "args": a}, "prior": {"blobs": []},
                                           "policy": {"min_component_len": 2}}
    # Refused: a bad policy, wrong types.
    for bad in ({"min_component_len": 0}, {"min_component_len": -3}, {"min_component_len": "4"},
                {"case_sensitive": 1}, {"bogus": 1}):
        yield "arg_provenance.classify_arg", {"arg": {"name": "id", "value": "INC1"}, "prior": {}, "policy": bad}
    yield "arg_provenance.classify_arg", {"arg": {"name": 3, "value": "INC1"}, "prior": {}}
    yield "arg_provenance.classify_arg", {"arg": {"name": "id"}, "prior": {}}
    yield "arg_provenance.classify_arg", {"arg": {"name": "id", "value": "x"}, "prior": {"blobs": [{"text": 5, "source": "TOOL_RESULT"}]}}
    yield "arg_provenance.classify_arg", {"arg": {"name": "id", "value": "x"}, "prior": {"blobs": [{"text": "a", "source": "AGENT"}]}}
    yield "arg_provenance.classify_call", {"call": {"tool_name": "t", "args": [{"name": "id", "value": 1, "is_reference": "yes"}]}, "prior": {}}
    for _ in range(420):
        policy = _random_policy(rng)
        if rng.random() < 0.5:
            arg = _random_arg(rng)
            args = {"arg": arg, "prior": _random_prior(rng, [arg["value"]] + [_id(rng) for _ in range(3)])}
            if policy is not None:
                args["policy"] = policy
            yield "arg_provenance.classify_arg", args
        else:
            call_args = [_random_arg(rng) for _ in range(rng.randint(0, 6))]
            prior = _random_prior(rng, [a["value"] for a in call_args if rng.random() < 0.6])
            call = {"tool_name": rng.choice(["create_incident", "update", "t", "é"]), "args": call_args}
            if rng.random() < 0.1:
                call["is_mutating"] = False
            args = {"call": call, "prior": prior}
            if policy is not None:
                args["policy"] = policy
            yield "arg_provenance.classify_call", args
