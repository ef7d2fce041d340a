package dos

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// hookExitPolicyArg builds the typed policy a record's policy object
// describes: fields absent (or null) keep the defaults, "mapping" replaces
// the default entries, "more" is merged in with WithMapping.
func hookExitPolicyArg(args map[string]json.RawMessage) (*HookExitPolicy, bool) {
	raw, ok := args["policy"]
	if !ok || string(raw) == "null" {
		return nil, true
	}
	var p struct {
		PassCode *int64                  `json:"pass_code"`
		Mapping  map[int64]*Intervention `json:"mapping"`
		Fallback *Intervention           `json:"fallback"`
		More     map[int64]Intervention  `json:"more"`
	}
	if !strictInto(raw, &p) {
		return nil, false
	}
	var pol HookExitPolicy
	if p.PassCode != nil {
		pol.PassCode = *p.PassCode
	}
	pol.Mapping = p.Mapping
	if p.Fallback != nil {
		pol.Fallback = *p.Fallback
	}
	if p.More != nil {
		pol = pol.WithMapping(p.More)
	}
	return &pol, true
}

func replayClassifyExit(t *testing.T, place string, args map[string]json.RawMessage, rec goldenRecord) (string, bool) {
	var code int64
	var want ExitVerdict
	pol, ok := hookExitPolicyArg(args)
	if !ok || !strictInto(args["code"], &code) || !strictInto([]byte(rec.Expected), &want) {
		return "", false
	}
	got, err := ClassifyExit(code, pol)
	if err != nil {
		t.Errorf("%s: %v", place, err)
		return "", true
	}
	sameAsGolden(t, place, got, []byte(rec.Expected), rec.Prose)
	if got.Passed() != (want.Intervention == nil) {
		t.Errorf("%s: Passed %v", place, got.Passed())
	}
	if got.Passed() {
		return "PASS", true
	}
	return string(*got.Intervention), true
}

func TestHookExitGolden(t *testing.T) {
	replayTyped(t, "hook_exit.classify_exit", replayClassifyExit, 300, []string{"PASS", "OBSERVE", "WARN", "DEFER", "BLOCK"})
}

func TestHookExitPolicy(t *testing.T) {
	def := DefaultHookExitPolicy()
	for _, code := range []int64{-1, 0, 1, 2, 3, 255} {
		a, err1 := ClassifyExit(code, nil)
		b, err2 := ClassifyExit(code, &HookExitPolicy{})
		c, err3 := ClassifyExit(code, &def)
		if err1 != nil || err2 != nil || err3 != nil || !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, c) {
			t.Fatalf("code %d: %+v / %+v / %+v", code, a, b, c)
		}
	}
	v, _ := ClassifyExit(2, nil)
	if v.Passed() || *v.Intervention != InterventionBlock || !v.Matched || v.Code != 2 {
		t.Fatalf("%+v", v)
	}
	v, _ = ClassifyExit(7, nil)
	if *v.Intervention != InterventionWarn || v.Matched {
		t.Fatalf("%+v", v)
	}

	// WithMapping copies: the receiver keeps its entries.
	more := def.WithMapping(map[int64]Intervention{3: InterventionDefer, 2: InterventionObserve})
	if len(def.Mapping) != 1 || *def.Mapping[2] != InterventionBlock {
		t.Fatalf("receiver changed: %+v", def.Mapping)
	}
	if v, _ := ClassifyExit(3, &more); *v.Intervention != InterventionDefer || !v.Matched {
		t.Fatalf("%+v", v)
	}
	if v, _ := ClassifyExit(2, &more); *v.Intervention != InterventionObserve {
		t.Fatalf("%+v", v)
	}
	// From a nil mapping, WithMapping starts at the default entries.
	fromNil := HookExitPolicy{}.WithMapping(map[int64]Intervention{4: InterventionDefer})
	if v, _ := ClassifyExit(2, &fromNil); *v.Intervention != InterventionBlock {
		t.Fatalf("%+v", v)
	}

	// A nil entry is another approving code; an empty mapping drops 2 -> BLOCK;
	// the pass code and fallback are the policy's.
	custom := HookExitPolicy{PassCode: 1, Mapping: map[int64]*Intervention{9: nil}, Fallback: InterventionDefer}
	for code, want := range map[int64]*Intervention{1: nil, 9: nil} {
		if v, err := ClassifyExit(code, &custom); err != nil || v.Intervention != want || !v.Passed() || !v.Matched {
			t.Fatalf("code %d: %+v %v", code, v, err)
		}
	}
	for _, code := range []int64{0, 2} {
		if v, err := ClassifyExit(code, &custom); err != nil || *v.Intervention != InterventionDefer || v.Matched {
			t.Fatalf("code %d: %+v %v", code, v, err)
		}
	}
	empty := HookExitPolicy{Mapping: map[int64]*Intervention{}}
	if v, _ := ClassifyExit(2, &empty); *v.Intervention != InterventionWarn || v.Matched {
		t.Fatalf("%+v", v)
	}

	var e *Error
	if _, err := ClassifyExit(1, &HookExitPolicy{Fallback: "warn"}); !errors.As(err, &e) || e.Code != "BAD_ARGS" {
		t.Fatalf("lower-case verb: %v", err)
	}
	bad := Intervention("STOP")
	if _, err := ClassifyExit(1, &HookExitPolicy{Mapping: map[int64]*Intervention{1: &bad}}); !errors.As(err, &e) || e.Code != "BAD_ARGS" {
		t.Fatalf("unknown verb: %v", err)
	}
}
