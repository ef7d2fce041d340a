package dos

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"sync"
	"testing"
)

// strictInto decodes raw into out, refusing unknown fields and values the
// Go type cannot hold; false when raw does not fit.
func strictInto(raw []byte, out interface{}) bool {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(out) == nil
}

// policyArg decodes args["policy"] over the default policy, as the
// reference fills absent fields: nil when there is none.
func policyArg[P any](args map[string]json.RawMessage, def P) (*P, bool) {
	raw, ok := args["policy"]
	if !ok {
		return nil, true
	}
	p := def
	if !strictInto(raw, &p) {
		return nil, false
	}
	return &p, true
}

func i64(v int64) *int64 { return &v }

// TestClusterBPlumbing checks the generated loop-economics functions as a
// Go caller uses them: nil policies are the defaults, derived fields sent
// back are recomputed, and the breaker's counts thread from call to call.
func TestClusterBPlumbing(t *testing.T) {
	ev := ProgressEvidence{NowMs: 40 * 60 * 1000, LastHeartbeatAgeMs: i64(1000)}
	a, err1 := LivenessClassify(LivenessClassifyArgs{Ev: ev})
	def := DefaultLivenessPolicy()
	b, err2 := LivenessClassify(LivenessClassifyArgs{Ev: ev, Policy: &def})
	if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a.Evidence, ev) {
		t.Fatalf("%+v %v / %+v %v", a, err1, b, err2)
	}

	p, err := ProductivityClassify(ProductivityClassifyArgs{History: DefaultWorkHistory()})
	if err != nil || p.History.StepCount != 0 || p.History.Deltas == nil || p.History.LastDelta != nil {
		t.Fatalf("%+v %v", p, err)
	}
	dp := DefaultProductivityPolicy()
	// The derived fields a caller sends are recomputed, never read.
	q, err := ProductivityClassify(ProductivityClassifyArgs{History: WorkHistory{Deltas: []int64{9, 4, 7}, StepCount: 99}, Policy: &dp})
	if err != nil || q.History.StepCount != 3 || *q.History.LastDelta != 7 || *q.History.PriorDelta != 4 {
		t.Fatalf("%+v %v", q, err)
	}

	de := DefaultEfficiencyPolicy()
	e, err := EfficiencyClassify(EfficiencyClassifyArgs{Evidence: EfficiencyEvidence{Work: 3, Tokens: 7000, Ratio: 5}, Policy: &de})
	if err != nil || e.Evidence.Ratio != 3.0/7000.0 || e.Verdict != EfficiencyEfficient {
		t.Fatalf("%+v %v", e, err)
	}

	pol := DefaultBreakerPolicy()
	pol.OnTrip = BreakerEscalationJudge
	counts := DefaultBreakerCounts()
	for i := 1; i <= 6; i++ {
		var tr BreakerTransition
		var err error
		if i == 4 {
			tr, err = BreakerRecordSuccess(BreakerRecordSuccessArgs{Counts: counts, Policy: &pol})
		} else {
			tr, err = BreakerRecordFailure(BreakerRecordFailureArgs{Counts: counts, Policy: &pol})
		}
		if err != nil {
			t.Fatal(err)
		}
		peek, err := BreakerClassify(BreakerClassifyArgs{Counts: tr.Counts, Policy: &pol})
		if err != nil || !reflect.DeepEqual(peek, tr.Verdict) {
			t.Fatalf("step %d: %+v / %+v %v", i, peek, tr.Verdict, err)
		}
		wantTotal := counts.Total + 1
		if i == 4 {
			wantTotal = counts.Total
		}
		if tr.Counts.Total != wantTotal {
			t.Fatalf("step %d: total %d after %d", i, tr.Counts.Total, counts.Total)
		}
		open, err := BreakerIsOpen(BreakerIsOpenArgs{Self: tr.Verdict})
		if err != nil || open != (tr.Verdict.State == BreakerStateOpen) || open != (tr.Verdict.Escalation == BreakerEscalationJudge) {
			t.Fatalf("step %d: %+v open=%v %v", i, tr.Verdict, open, err)
		}
		counts = tr.Counts
	}
	if counts.Consecutive != 2 || counts.Total != 5 {
		t.Fatalf("%+v", counts)
	}
}

func TestClusterBErrors(t *testing.T) {
	ok := ProgressEvidence{NowMs: 1}
	none := DefaultBreakerCounts()
	refused := map[string]error{}
	_, refused["negative commits"] = LivenessClassify(LivenessClassifyArgs{Ev: ProgressEvidence{CommitsSinceStart: -1}})
	_, refused["negative grace"] = LivenessClassify(LivenessClassifyArgs{Ev: ok, Policy: &LivenessPolicy{GraceMs: -1}})
	_, refused["negative delta"] = ProductivityClassify(ProductivityClassifyArgs{History: WorkHistory{Deltas: []int64{3, -1}}})
	_, refused["negative min_steps"] = ProductivityClassify(ProductivityClassifyArgs{History: DefaultWorkHistory(), Policy: &ProductivityPolicy{MinSteps: -1}})
	_, refused["negative work"] = EfficiencyClassify(EfficiencyClassifyArgs{Evidence: EfficiencyEvidence{Work: -1}})
	_, refused["negative floor"] = EfficiencyClassify(EfficiencyClassifyArgs{Evidence: EfficiencyEvidence{}, Policy: &EfficiencyPolicy{Floor: -0.5}})
	_, refused["negative counts"] = BreakerClassify(BreakerClassifyArgs{Counts: BreakerCounts{Consecutive: -1}})
	_, refused["both rungs off"] = BreakerRecordFailure(BreakerRecordFailureArgs{Counts: none, Policy: &BreakerPolicy{OnTrip: BreakerEscalationNone}})
	_, refused["unknown escalation"] = BreakerRecordSuccess(BreakerRecordSuccessArgs{Counts: none, Policy: &BreakerPolicy{MaxTotal: 2, OnTrip: "SOMETIMES"}})
	for name, err := range refused {
		var e *Error
		if !errors.As(err, &e) || e.Code != "BAD_ARGS" || e.Message == "" {
			t.Errorf("%s: want BAD_ARGS, got %v", name, err)
		}
	}
}

func TestClusterBConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				n := int64(g*50 + i)
				if _, err := LivenessClassify(LivenessClassifyArgs{Ev: ProgressEvidence{NowMs: n, CommitsSinceStart: n % 2}}); err != nil {
					errs <- err
				}
				if _, err := ProductivityClassify(ProductivityClassifyArgs{History: WorkHistory{Deltas: []int64{n, n % 7, 0}}}); err != nil {
					errs <- err
				}
				if _, err := EfficiencyClassify(EfficiencyClassifyArgs{Evidence: EfficiencyEvidence{Work: n % 3, Tokens: n * 10}}); err != nil {
					errs <- err
				}
				if _, err := BreakerRecordFailure(BreakerRecordFailureArgs{Counts: BreakerCounts{Consecutive: n % 4, Total: n}}); err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestFloatFieldsCrossAsFloats: a generated float field reaches libdos as
// the float it holds. Written by encoding/json as 9223372036854776000, a
// 2^63 floor would be that integer to libdos, which the ratio 2^63 is under.
func TestFloatFieldsCrossAsFloats(t *testing.T) {
	got, err := EfficiencyClassify(EfficiencyClassifyArgs{
		Evidence: EfficiencyEvidence{Work: 1<<63 - 1, Tokens: 1},
		Policy:   &EfficiencyPolicy{Floor: 1 << 63},
	})
	if err != nil || got.Verdict != EfficiencyEfficient {
		t.Fatalf("%+v %v", got, err)
	}
	for f, want := range map[Float]string{2: "2.0", 0.5: "0.5", 1 << 63: "9.223372036854776e+18", -0: "0.0"} {
		if b, err := json.Marshal(f); err != nil || string(b) != want {
			t.Errorf("%v: %s %v", f, b, err)
		}
	}
	if _, err := json.Marshal(EfficiencyPolicy{Floor: Float(math.NaN())}); err == nil {
		t.Error("a NaN floor has no JSON form")
	}
}
