package dos

import (
	"errors"
	"reflect"
	"testing"
)

// The generated hook_exit functions (zz_generated_hook_exit.go) beyond the
// corpus replay: the default policy spelt three ways, with_mapping copying,
// and refused verbs.
func TestHookExitPolicy(t *testing.T) {
	def := DefaultHookExitPolicy()
	classify := func(code int64, p *HookExitPolicy) ExitVerdict {
		t.Helper()
		v, err := HookExitClassifyExit(HookExitClassifyExitArgs{Code: code, Policy: p})
		if err != nil {
			t.Fatalf("code %d: %v", code, err)
		}
		return v
	}
	for _, code := range []int64{-1, 0, 1, 2, 3, 255} {
		a, b, c := classify(code, nil), classify(code, &def), classify(code, &HookExitDefaultPolicy)
		if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, c) {
			t.Fatalf("code %d: %+v / %+v / %+v", code, a, b, c)
		}
	}
	if v := classify(2, nil); v.Intervention == nil || *v.Intervention != InterventionBlock || !v.Matched || v.Code != 2 {
		t.Fatalf("%+v", v)
	}
	if v := classify(7, nil); *v.Intervention != InterventionWarn || v.Matched {
		t.Fatalf("%+v", v)
	}
	if passed, err := HookExitPassed(HookExitPassedArgs{Self: classify(0, nil)}); err != nil || !passed {
		t.Fatalf("exit 0 passes: %v %v", passed, err)
	}

	// with_mapping copies: the receiver keeps its entries.
	more, err := HookExitWithMapping(HookExitWithMappingArgs{Self: def, More: map[int64]Intervention{3: InterventionDefer, 2: InterventionObserve}})
	if err != nil {
		t.Fatal(err)
	}
	if len(def.Mapping) != 1 || *def.Mapping[2] != InterventionBlock {
		t.Fatalf("receiver changed: %+v", def.Mapping)
	}
	if v := classify(3, &more); *v.Intervention != InterventionDefer || !v.Matched {
		t.Fatalf("%+v", v)
	}
	if v := classify(2, &more); *v.Intervention != InterventionObserve {
		t.Fatalf("%+v", v)
	}

	// A nil entry is another approving code; an empty mapping drops 2 -> BLOCK;
	// a nil mapping keeps the default entries.
	custom := HookExitPolicy{PassCode: 1, Mapping: map[int64]*Intervention{9: nil}, Fallback: InterventionDefer}
	for _, code := range []int64{1, 9} {
		if v := classify(code, &custom); v.Intervention != nil || !v.Matched {
			t.Fatalf("code %d: %+v", code, v)
		}
	}
	for _, code := range []int64{0, 2} {
		if v := classify(code, &custom); *v.Intervention != InterventionDefer || v.Matched {
			t.Fatalf("code %d: %+v", code, v)
		}
	}
	if v := classify(2, &HookExitPolicy{Mapping: map[int64]*Intervention{}, Fallback: InterventionWarn}); *v.Intervention != InterventionWarn || v.Matched {
		t.Fatalf("%+v", v)
	}
	if v := classify(2, &HookExitPolicy{Fallback: InterventionWarn}); *v.Intervention != InterventionBlock {
		t.Fatalf("a nil mapping keeps 2 -> BLOCK: %+v", v)
	}

	var e *Error
	for _, p := range []HookExitPolicy{{Fallback: "warn"}, {Fallback: InterventionWarn, Mapping: map[int64]*Intervention{1: ptrTo(Intervention("STOP"))}}} {
		if _, err := HookExitClassifyExit(HookExitClassifyExitArgs{Code: 1, Policy: &p}); !errors.As(err, &e) || e.Code != "BAD_ARGS" {
			t.Fatalf("%+v: %v", p, err)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
