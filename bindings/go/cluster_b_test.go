package dos

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
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

// lookup reads a dotted path without removing it.
func lookup(v interface{}, path string) interface{} {
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]interface{})
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// sameDecision compares got and want as JSON, except the reason, which is
// libdos's own prose and must name the verdict. It returns the verdict.
func sameDecision(t *testing.T, place string, got, want interface{}, reasonPath, verdictPath string) string {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	gv, wv := decode(t, g), decode(t, w)
	verdict, _ := lookup(gv, verdictPath).(string)
	reason, _ := takePath(gv, reasonPath).(string)
	takePath(wv, reasonPath)
	if verdict == "" || !strings.Contains(reason, verdict) {
		t.Errorf("%s: reason %q does not name the verdict %q", place, reason, verdict)
	}
	if !reflect.DeepEqual(gv, wv) {
		t.Errorf("%s:\n got  %s\n want %s", place, g, w)
	}
	return verdict
}

// replayer runs one golden record's args through a typed function; false
// when the args or the expected verdict do not fit the Go types.
type replayer func(t *testing.T, place string, args map[string]json.RawMessage, want []byte) (verdict string, ok bool)

func replayEfficiency(t *testing.T, place string, args map[string]json.RawMessage, want []byte) (string, bool) {
	var ev EfficiencyEvidence
	var w EfficiencyVerdict
	pol, ok := policyArg(args, DefaultEfficiencyPolicy())
	if !ok || !strictInto(args["evidence"], &ev) || !strictInto(want, &w) || !floatFloor(args["policy"]) {
		return "", false
	}
	got, err := EfficiencyClassify(ev, pol)
	if err != nil {
		t.Errorf("%s: %v", place, err)
		return "", true
	}
	return sameDecision(t, place, got, w, "reason", "verdict"), true
}

// floatFloor reports whether a policy's floor survives the trip through a
// float64: a float, or an integer no larger than 2^53.
func floatFloor(raw json.RawMessage) bool {
	var p struct {
		Floor *json.Number `json:"floor"`
	}
	if raw == nil || json.Unmarshal(raw, &p) != nil || p.Floor == nil {
		return true
	}
	if strings.ContainsAny(p.Floor.String(), ".eE") {
		return true
	}
	n, err := p.Floor.Int64()
	return err == nil && n <= 1<<53 && n >= -(1<<53)
}

func replayBreaker(fn func(BreakerCounts, *BreakerPolicy) (BreakerTransition, error)) replayer {
	return func(t *testing.T, place string, args map[string]json.RawMessage, want []byte) (string, bool) {
		var c BreakerCounts
		var w BreakerTransition
		pol, ok := policyArg(args, DefaultBreakerPolicy())
		if !ok || !strictInto(args["counts"], &c) || !strictInto(want, &w) {
			return "", false
		}
		got, err := fn(c, pol)
		if err != nil {
			t.Errorf("%s: %v", place, err)
			return "", true
		}
		return sameDecision(t, place, got, w, "verdict.reason", "verdict.state"), true
	}
}

func replayBreakerClassify(t *testing.T, place string, args map[string]json.RawMessage, want []byte) (string, bool) {
	var c BreakerCounts
	var w BreakerVerdict
	pol, ok := policyArg(args, DefaultBreakerPolicy())
	if !ok || !strictInto(args["counts"], &c) || !strictInto(want, &w) {
		return "", false
	}
	got, err := BreakerClassify(c, pol)
	if err != nil {
		t.Errorf("%s: %v", place, err)
		return "", true
	}
	if got.IsOpen() != (w.State == BreakerOpen) {
		t.Errorf("%s: IsOpen %v for %s", place, got.IsOpen(), w.State)
	}
	return sameDecision(t, place, got, w, "reason", "state"), true
}

// TestClusterBGolden sends every golden record of these ops whose args fit
// the typed structs through the typed functions; the expected decisions are
// the reference's, read from the corpus.
func TestClusterBGolden(t *testing.T) {
	cases := []struct {
		op       string
		run      replayer
		verdicts []string
	}{
		{"efficiency.classify", replayEfficiency, []string{"EFFICIENT", "COSTLY", "WASTEFUL"}},
		{"breaker.record_failure", replayBreaker(BreakerRecordFailure), []string{"CLOSED", "OPEN"}},
		{"breaker.record_success", replayBreaker(BreakerRecordSuccess), []string{"CLOSED", "OPEN"}},
		{"breaker.classify", replayBreakerClassify, []string{"CLOSED", "OPEN"}},
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			seen := map[string]int{}
			replayed := 0
			for _, rec := range readGolden(t, "../../tests/golden/cases/"+c.op+".jsonl.gz") {
				n := rec.Line
				if rec.Error != nil {
					continue
				}
				var req struct {
					Args map[string]json.RawMessage `json:"args"`
				}
				if json.Unmarshal([]byte(rec.Request), &req) != nil {
					continue // NaN / Infinity: not JSON Go can read
				}
				place := c.op + ":" + strconv.Itoa(n)
				verdict, ok := c.run(t, place, req.Args, []byte(rec.Expected))
				if ok {
					replayed++
					seen[verdict]++
				}
			}
			if replayed < 100 {
				t.Errorf("only %d records replayed", replayed)
			}
			for _, v := range c.verdicts {
				if seen[v] == 0 {
					t.Errorf("no replayed record gave %s (%v)", v, seen)
				}
			}
		})
	}
}

func i64(v int64) *int64 { return &v }

// TestClusterBPlumbing checks what the typed layer adds: nil policies are
// the defaults, nil deltas are an empty history, and the breaker's counts
// thread from call to call.
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
	e, err := EfficiencyClassify(EfficiencyEvidence{Work: 3, Tokens: 7000}, &de)
	if err != nil || e.Evidence.Ratio != 3.0/7000.0 {
		t.Fatalf("%+v %v", e, err)
	}

	pol := DefaultBreakerPolicy()
	pol.OnTrip = EscalationJudge
	var counts BreakerCounts
	for i := 1; i <= 6; i++ {
		var tr BreakerTransition
		var err error
		if i == 4 {
			tr, err = BreakerRecordSuccess(counts, &pol)
		} else {
			tr, err = BreakerRecordFailure(counts, &pol)
		}
		if err != nil {
			t.Fatal(err)
		}
		peek, err := BreakerClassify(tr.Counts, &pol)
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
		if tr.Verdict.IsOpen() != (tr.Verdict.Escalation == EscalationJudge) {
			t.Fatalf("step %d: %+v", i, tr.Verdict)
		}
		counts = tr.Counts
	}
	if counts.Consecutive != 2 || counts.Total != 5 {
		t.Fatalf("%+v", counts)
	}
}

func TestClusterBErrors(t *testing.T) {
	ok := ProgressEvidence{NowMs: 1}
	refused := map[string]error{}
	_, refused["negative commits"] = LivenessClassify(LivenessClassifyArgs{Ev: ProgressEvidence{CommitsSinceStart: -1}})
	_, refused["negative grace"] = LivenessClassify(LivenessClassifyArgs{Ev: ok, Policy: &LivenessPolicy{GraceMs: -1}})
	_, refused["negative delta"] = ProductivityClassify(ProductivityClassifyArgs{History: WorkHistory{Deltas: []int64{3, -1}}})
	_, refused["negative min_steps"] = ProductivityClassify(ProductivityClassifyArgs{History: DefaultWorkHistory(), Policy: &ProductivityPolicy{MinSteps: -1}})
	_, refused["negative work"] = EfficiencyClassify(EfficiencyEvidence{Work: -1}, nil)
	_, refused["negative floor"] = EfficiencyClassify(EfficiencyEvidence{}, &EfficiencyPolicy{Floor: -0.5})
	_, refused["negative counts"] = BreakerClassify(BreakerCounts{Consecutive: -1}, nil)
	_, refused["both rungs off"] = BreakerRecordFailure(BreakerCounts{}, &BreakerPolicy{})
	_, refused["unknown escalation"] = BreakerRecordSuccess(BreakerCounts{}, &BreakerPolicy{MaxTotal: 2, OnTrip: "SOMETIMES"})
	for name, err := range refused {
		var e *Error
		if !errors.As(err, &e) || e.Code != "BAD_ARGS" || e.Message == "" {
			t.Errorf("%s: want BAD_ARGS, got %v", name, err)
		}
	}

	// A count past int64 cannot be decoded: an error, but not libdos's.
	var e *Error
	if _, err := BreakerRecordFailure(BreakerCounts{Consecutive: math.MaxInt64}, nil); err == nil || errors.As(err, &e) {
		t.Errorf("count overflow: want a decoding error, got %v", err)
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
				if _, err := EfficiencyClassify(EfficiencyEvidence{Work: n % 3, Tokens: n * 10}, nil); err != nil {
					errs <- err
				}
				if _, err := BreakerRecordFailure(BreakerCounts{Consecutive: n % 4, Total: n}, nil); err != nil {
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

// TestEfficiencyFloatFloors covers floors encoding/json cannot write:
// NaN and infinity (the corpus's non-standard records, whose requests Go
// cannot parse, so they are matched by text here) and 2^63, which must
// reach libdos as a float.
func TestEfficiencyFloatFloors(t *testing.T) {
	floors := map[string]float64{`"floor":NaN}`: math.NaN(), `"floor":Infinity}`: math.Inf(1)}
	found := 0
	for _, rec := range readGolden(t, "../../tests/golden/cases/efficiency.classify.jsonl.gz") {
		if rec.Error != nil {
			continue
		}
		for text, floor := range floors {
			if !strings.Contains(rec.Request, `{"evidence":{"work":7,"tokens":7000},"policy":{`+text) {
				continue
			}
			var want EfficiencyVerdict
			if err := json.Unmarshal([]byte(rec.Expected), &want); err != nil {
				t.Fatal(err)
			}
			got, err := EfficiencyClassify(EfficiencyEvidence{Work: 7, Tokens: 7000}, &EfficiencyPolicy{MinTokens: defaultMinTokens, Floor: floor})
			if err != nil {
				t.Fatalf("%s: %v", text, err)
			}
			sameDecision(t, text, got, want, "reason", "verdict")
			found++
		}
	}
	if found != len(floors) {
		t.Fatalf("found %d of the %d NaN/Infinity records", found, len(floors))
	}

	// ratio 2^63 (a float) is not under a 2^63 float floor; sent as the
	// integer 9223372036854776000 it would be.
	got, err := EfficiencyClassify(EfficiencyEvidence{Work: math.MaxInt64, Tokens: 1}, &EfficiencyPolicy{Floor: 1 << 63})
	if err != nil || got.Verdict != EfficiencyEfficient {
		t.Fatalf("%+v %v", got, err)
	}
	if b, _ := json.Marshal(EfficiencyPolicy{MinTokens: 5, Floor: 2}); string(b) != `{"min_tokens":5,"floor":2.0}` {
		t.Fatalf("%s", b)
	}
	if _, err := json.Marshal(EfficiencyPolicy{Floor: math.NaN()}); err == nil {
		t.Fatal("json.Marshal of a NaN floor should fail")
	}
}
