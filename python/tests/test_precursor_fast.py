"""`precursor_gate`'s hand fast paths (python/src/precursor_fast.rs).

`classify_call` reads the call, the grammar's entries for it and the prior
calls' names in place; `precursor_intervention` answers a REFUTED verdict
with the intervention module's own WARN rung. These tests check both
against the reference over every stance and many name shapes, that what
they do not take (subclasses, other sequence types, lone surrogates, a
mutated default, a replaced ladder) is answered as the reference answers
it, and that the typed module's answers equal the envelope's.
"""
import dataclasses
import itertools

import pytest

dos = pytest.importorskip("dos")
import dos.intervention as iv  # noqa: E402
import dos.precursor_gate as pg  # noqa: E402

from dos_native import _native  # noqa: E402
from dos_native import intervention as TI  # noqa: E402
from dos_native import precursor_gate as TG  # noqa: E402

CLASSIFY_ORIGINAL = pg.classify_call
IV_ORIGINAL = pg.precursor_intervention
CLASSIFY = "precursor_gate.classify_call"
IV = "precursor_gate.precursor_intervention"


def _grammars(M):
    return [
        M.PrecursorGrammar(),
        M.PrecursorGrammar(requires={"create_change": ("check_change_authorization",),
                                     "assign_incident": ("get_assignment_group", "check_assignment_permission")},
                           aliases={"check_change_authorization": ("check-auth", "Auth.Check")}),
        # keys and names as a caller may write them (not canonical): only the
        # canonical key is looked up, aliases under the canonical and the raw name
        M.PrecursorGrammar(requires={"create_change": ("Check-Auth", "lookup.user"), "Delete-User": ("who",)},
                           aliases={"check_auth": ("CHECK_AUTH_V2",), "Check-Auth": ("raw_alias",)}),
        M.PrecursorGrammar(requires={"create_change": ()}),
        M.PrecursorGrammar(requires={"straße_ändern": ("Prüfen-STRASSE", " ǅwho "), "create_change": ["a", "b"]},
                           aliases={"prüfen_strasse": ["ﬁx"]}),
    ]


CALL_NAMES = ["create_change", "Create.Change", " create-change ", "assign_incident", "delete_user", "Delete-User",
              "STRASSE_ÄNDERN", "straße.ändern", "", "read_only"]
STREAMS = [
    (),
    ("get_change",),
    ("get_change", "list_users", "get_incident", "check.auth"),
    ("CHECK_AUTH", "check-auth", "Check_Auth"),
    ("Auth.Check", "auth_check"),
    ("check_change_authorization", "get_assignment_group"),
    ("lookup.user", "raw_alias", "CHECK_AUTH_V2", "who"),
    ("prüfen_strasse", "PRÜFEN-STRASSE", "fix", "ﬁx", "ǆwho", "ǅwho"),
    ("a", "B"),
]


def _cases(M):
    policies = [None, M.DEFAULT_POLICY, M.PrecursorPolicy(case_sensitive=True), M.PrecursorPolicy(False)]
    for g, name, mut, names, pol in itertools.product(_grammars(M), CALL_NAMES, (True, False), STREAMS, policies):
        call = M.MutatingCall(name, is_mutating=mut)
        stream = M.CallStream(tuple(M.PriorCall(n, "{}") for n in names))
        args = (call, stream, g) if pol is None else (call, stream, g, pol)
        yield args


def _fields(v):
    return (v.stance, v.mutating_tool, v.required, v.present)


def test_classify_call_matches_the_reference_on_every_shape(traced):
    fn = pg.classify_call
    assert CLASSIFY in _native.fast_ops() and fn.__wrapped__ is CLASSIFY_ORIGINAL
    n = 0
    stances = set()
    for args in _cases(pg):
        got, want = fn(*args), CLASSIFY_ORIGINAL(*args)
        assert type(got) is pg.PrecursorVerdict
        assert _fields(got) == _fields(want), args
        assert got.stance is want.stance and got.mutating_tool is want.mutating_tool
        assert type(got.reason) is str and got.reason
        stances.add(got.stance)
        n += 1
    assert stances == set(pg.PrecursorStance)
    # every call above was served natively
    assert traced.count(CLASSIFY) == n
    # keywords, the default grammar and policy by name
    c, s = pg.MutatingCall("x"), pg.CallStream()
    assert _fields(fn(stream=s, call=c)) == _fields(CLASSIFY_ORIGINAL(c, s))
    assert _fields(fn(c, s, policy=pg.DEFAULT_POLICY, grammar=pg.EMPTY_GRAMMAR)) == _fields(CLASSIFY_ORIGINAL(c, s))


def test_classify_call_reasons_name_the_facts(traced):
    g = _grammars(pg)[1]
    call = pg.MutatingCall("create_change")
    att = pg.classify_call(call, pg.CallStream((pg.PriorCall("check.auth"),)), g)
    assert att.stance is pg.PrecursorStance.ATTESTED and "['check_auth']" in att.reason and "'create_change'" in att.reason
    ref = pg.classify_call(call, pg.CallStream((pg.PriorCall("x"),)), g)
    assert ref.stance is pg.PrecursorStance.REFUTED
    assert "['auth_check', 'check_auth', 'check_change_authorization']" in ref.reason


def test_what_classify_call_does_not_take_is_answered_as_the_reference_does(traced):
    g = _grammars(pg)[1]
    call = pg.MutatingCall("create_change")
    stream = pg.CallStream((pg.PriorCall("check.auth"),))

    class SubCall(pg.MutatingCall):
        pass

    class SubStream(pg.CallStream):
        pass

    class SubPrior(pg.PriorCall):
        pass

    class SubGrammar(pg.PrecursorGrammar):
        def required_set(self, mutating_tool):
            return frozenset({"check_auth"})

    class SubPolicy(pg.PrecursorPolicy):
        pass

    class S(str):
        pass

    declined = [
        (SubCall("create_change"), stream, g),
        (call, SubStream(stream.calls), g),
        (call, pg.CallStream((SubPrior("check.auth"),)), g),
        (call, stream, SubGrammar(requires={"create_change": ("zzz",)})),
        (call, stream, g, SubPolicy(case_sensitive=True)),
        (call, stream, g, None),
        (pg.MutatingCall("create\udc80change"), stream, g),
        (call, pg.CallStream((pg.PriorCall("check\udc80auth"),)), g),
        (pg.MutatingCall(S("create_change")), stream, g),
        (pg.MutatingCall(None), stream, g),
        (pg.MutatingCall("create_change", is_mutating=1), stream, g),
        (pg.MutatingCall("create_change", is_mutating=0), stream, g),
        (call, pg.CallStream([pg.PriorCall("check.auth")]), g),
        (call, stream, pg.PrecursorGrammar(requires={"create_change": "check_auth"})),
        (call, stream, pg.PrecursorGrammar(requires={"create_change": ("x", None)})),
        (call, stream, pg.PrecursorGrammar(requires={"create_change": ("x",)}, aliases={"x": "check_auth"})),
        (call, stream, pg.PrecursorGrammar(requires={"create_change": ("x",)}, aliases=[("x", ("y",))])),
    ]
    for args in declined:
        try:
            want = ("ok", _fields(CLASSIFY_ORIGINAL(*args)))
        except Exception as e:  # noqa: BLE001 - the reference's own error
            want = ("raised", type(e))
        try:
            got = ("ok", _fields(pg.classify_call(*args)))
        except Exception as e:  # noqa: BLE001
            got = ("raised", type(e))
        assert got == want, args
    assert traced.count(CLASSIFY) == 0
    with pytest.raises(TypeError):
        pg.classify_call(call, stream, g, pg.DEFAULT_POLICY, 5)


def test_a_mutated_default_policy_is_read_again(traced):
    call = pg.MutatingCall("create_change")
    g = pg.PrecursorGrammar(requires={"create_change": ("Check_Auth",)})
    stream = pg.CallStream((pg.PriorCall("check_auth"),))
    assert pg.classify_call(call, stream, g).stance is pg.PrecursorStance.ATTESTED
    object.__setattr__(pg.DEFAULT_POLICY, "case_sensitive", True)
    try:
        got, want = pg.classify_call(call, stream, g), CLASSIFY_ORIGINAL(call, stream, g)
        assert want.stance is pg.PrecursorStance.REFUTED
        assert _fields(got) == _fields(want)
    finally:
        object.__setattr__(pg.DEFAULT_POLICY, "case_sensitive", False)
    assert pg.classify_call(call, stream, g).stance is pg.PrecursorStance.ATTESTED
    # the default grammar is read in place too
    pg.EMPTY_GRAMMAR.requires["create_change"] = ("check_auth",)
    try:
        got, want = pg.classify_call(call, stream), CLASSIFY_ORIGINAL(call, stream)
        assert want.stance is pg.PrecursorStance.ATTESTED and _fields(got) == _fields(want)
    finally:
        del pg.EMPTY_GRAMMAR.requires["create_change"]


def _verdicts(M):
    out = []
    for stance, tool, required in [
        (M.PrecursorStance.REFUTED, "create_change", ("check_change_authorization",)),
        (M.PrecursorStance.REFUTED, "Create.Change", ("a", "b", "ïd")),
        (M.PrecursorStance.REFUTED, "it's \"quoted\"\n", ()),
        (M.PrecursorStance.ATTESTED, "create_change", ("a",)),
        (M.PrecursorStance.NO_SIGNAL, "x", ()),
    ]:
        out.append(M.PrecursorVerdict(stance=stance, mutating_tool=tool, required=required, present=(), reason="r"))
    return out


def test_precursor_intervention_matches_the_reference(traced):
    fn = pg.precursor_intervention
    assert IV in _native.fast_ops() and fn.__wrapped__ is IV_ORIGINAL
    warn = iv.BASE_INTERVENTIONS.get("WARN")
    for v in _verdicts(pg):
        got, want = fn(v), IV_ORIGINAL(v)
        if want is None:
            assert got is None
            continue
        assert type(got) is iv.InterventionDecision
        assert got.intervention is want.intervention is iv.Intervention.WARN
        assert got.confidence is want.confidence is iv.Confidence.NONE
        assert got.rung is want.rung is warn  # the ladder's own rung object
        assert got.disruption_cost == want.disruption_cost and got.unsupported == want.unsupported
        assert got.unsupported[0] is v.mutating_tool
        assert repr(v.mutating_tool) in got.reason
        assert fn(verdict=v).to_dict() == got.to_dict()
    assert traced.count(IV) == 2 * len(_verdicts(pg)) - 2


def test_what_precursor_intervention_does_not_take_is_answered_as_the_reference_does(traced):
    v = _verdicts(pg)[0]

    class Sub(pg.PrecursorVerdict):
        pass

    declined = [
        Sub(**{f.name: getattr(v, f.name) for f in dataclasses.fields(v)}),
        dataclasses.replace(v, required=["a", "b"]),
        dataclasses.replace(v, mutating_tool="bad\udc80"),
        dataclasses.replace(v, required=("a\udc80",)),
    ]
    for d in declined:
        got, want = pg.precursor_intervention(d), IV_ORIGINAL(d)
        assert got.to_dict() == want.to_dict() and got.rung is want.rung
    assert traced.count(IV) == 0
    # a rung mutated in place, a ladder replaced: the reference's answer
    warn = iv.BASE_INTERVENTIONS.get("WARN")
    object.__setattr__(warn, "rank", 11)
    try:
        got, want = pg.precursor_intervention(v), IV_ORIGINAL(v)
        assert got.rung is want.rung and got.rung.rank == 11
    finally:
        object.__setattr__(warn, "rank", 10)
    base = iv.BASE_INTERVENTIONS
    iv.BASE_INTERVENTIONS = iv.InterventionLadder(specs=tuple(
        dataclasses.replace(s, summary="mine") for s in base.specs), default_token="WARN")
    try:
        got, want = pg.precursor_intervention(v), IV_ORIGINAL(v)
        assert got.rung is want.rung and got.rung.summary == "mine"
    finally:
        iv.BASE_INTERVENTIONS = base
    assert traced.count(IV) == 0
    assert pg.precursor_intervention(v).rung is warn
    with pytest.raises(TypeError):
        pg.precursor_intervention(v, 2)


def test_typed_answers_equal_the_envelope():
    n = 0
    for args in _cases(TG):
        got = TG.classify_call(*args)
        wire = {"call": args[0].to_dict(), "stream": args[1].to_dict(), "grammar": args[2].to_dict()}
        if len(args) == 4:
            wire["policy"] = args[3].to_dict()
        assert got.to_dict() == _native.dispatch(CLASSIFY, wire), args
        n += 1
    assert n > 1000
    warn = next(s for s in TI.BASE_INTERVENTIONS.specs if s.token == "WARN")
    for v in _verdicts(TG):
        got = TG.precursor_intervention(v)
        want = _native.dispatch(IV, {"verdict": v.to_dict()})
        if want is None:
            assert got is None
            continue
        assert got.to_dict() == want and got.rung is warn
