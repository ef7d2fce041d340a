package dos

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// arbArgs is arbitrate's golden args in the shapes the typed API can state;
// a record whose args do not fit (a null lane_kind, a bool pick, a string
// budget...) is left to the envelope replay.
type arbArgs struct {
	RequestedLane     string                     `json:"requested_lane"`
	RequestedKind     string                     `json:"requested_kind"`
	RequestedTree     []string                   `json:"requested_tree"`
	LiveLeases        []map[string]any           `json:"live_leases"`
	AutoPickOrder     *[][3]any                  `json:"auto_pick_order"`
	NamedLanes        *[][2]json.RawMessage      `json:"named_lanes"`
	DerivedLanes      *[][2]json.RawMessage      `json:"derived_lanes"`
	Force             bool                       `json:"force"`
	PickOracle        map[string]json.RawMessage `json:"pick_oracle"`
	RankKey           map[string]*float64        `json:"rank_key"`
	Predicates        []string                   `json:"predicates"`
	ClassBudgets      map[string]json.RawMessage `json:"class_budgets"`
	LiveSiblings      []map[string]any           `json:"live_siblings"`
	SiblingTreeLookup map[string][]string        `json:"sibling_tree_lookup"`
}

func strs(v any) ([]string, bool) {
	if v == nil {
		return nil, true
	}
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func optStr(m map[string]any, k string) (string, bool) {
	v, present := m[k]
	if !present {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}

func named(raw *[][2]json.RawMessage) ([]NamedLane, bool) {
	if raw == nil {
		return nil, true
	}
	out := []NamedLane{}
	for _, p := range *raw {
		var n NamedLane
		if json.Unmarshal(p[0], &n.Name) != nil || json.Unmarshal(p[1], &n.Tree) != nil || n.Tree == nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// typedRequest turns golden args into an ArbitrateRequest; false when they
// do not fit the typed API.
func typedRequest(raw json.RawMessage) (ArbitrateRequest, bool) {
	var a arbArgs
	if !strictInto(raw, &a) || a.RequestedTree == nil {
		return ArbitrateRequest{}, false
	}
	r := ArbitrateRequest{RequestedLane: a.RequestedLane, RequestedKind: a.RequestedKind,
		RequestedTree: a.RequestedTree, Force: a.Force, Predicates: a.Predicates,
		SiblingTreeLookup: a.SiblingTreeLookup, RankKey: a.RankKey, LiveLeases: []Lease{}}
	for _, m := range a.LiveLeases {
		var l Lease
		var ok1, ok2, ok3 bool
		l.Lane, ok1 = optStr(m, "lane")
		l.LaneKind, ok2 = optStr(m, "lane_kind")
		l.Tree, ok3 = strs(m["tree"])
		if !ok1 || !ok2 || !ok3 {
			return r, false
		}
		if ts, present := m["loop_ts"]; present && ts != nil {
			s, ok := ts.(string)
			if !ok {
				return r, false
			}
			l.LoopTS = &s
		}
		r.LiveLeases = append(r.LiveLeases, l)
	}
	if a.AutoPickOrder != nil {
		r.AutoPickOrder = []Candidate{}
		for _, c := range *a.AutoPickOrder {
			name, ok1 := c[0].(string)
			kind, ok2 := c[1].(string)
			if c[1] == nil {
				ok2 = true
			}
			tree, ok3 := strs(c[2])
			if !ok1 || !ok2 || !ok3 {
				return r, false
			}
			r.AutoPickOrder = append(r.AutoPickOrder, Candidate{Name: name, Kind: kind, Tree: tree})
		}
	}
	var ok bool
	if r.NamedLanes, ok = named(a.NamedLanes); !ok {
		return r, false
	}
	if r.DerivedLanes, ok = named(a.DerivedLanes); !ok {
		return r, false
	}
	if a.PickOracle != nil {
		r.PickOracle = map[string]*int64{}
		for k, v := range a.PickOracle {
			if string(v) == "null" {
				r.PickOracle[k] = nil
				continue
			}
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return r, false
			}
			r.PickOracle[k] = &n
		}
	}
	if a.ClassBudgets != nil {
		r.ClassBudgets = map[string]int64{}
		for k, v := range a.ClassBudgets {
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return r, false
			}
			r.ClassBudgets[k] = n
		}
	}
	if a.LiveSiblings != nil {
		r.LiveSiblings = []string{}
		for _, s := range a.LiveSiblings {
			l, ok := optStr(s, "lane")
			if !ok {
				return r, false
			}
			r.LiveSiblings = append(r.LiveSiblings, l)
		}
	}
	return r, true
}

// TestArbitrateGolden replays the arbitrate records that fit the typed API
// through Arbitrate, with the record's inline config.
func TestArbitrateGolden(t *testing.T) {
	replayed, acquired := 0, 0
	for _, rec := range readGolden(t, "../../tests/golden/cases/arbiter.arbitrate.jsonl.gz") {
		n := rec.Line
		var req struct {
			Args   json.RawMessage `json:"args"`
			Config json.RawMessage `json:"config"`
		}
		if rec.Error != nil || json.Unmarshal([]byte(rec.Request), &req) != nil {
			continue
		}
		r, ok := typedRequest(req.Args)
		var want LaneDecision
		if !ok || !strictInto([]byte(rec.Expected), &want) {
			continue
		}
		var config any
		if string(req.Config) != "null" {
			config = req.Config
		}
		place := "arbiter.arbitrate:" + strconv.Itoa(n)
		got, err := Arbitrate(r, config)
		if err != nil {
			t.Errorf("%s: %v", place, err)
			continue
		}
		for _, fact := range rec.Prose["reason"] {
			if !strings.Contains(got.Reason, fact) {
				t.Errorf("%s: reason %q lacks %q", place, got.Reason, fact)
			}
		}
		got.Reason, want.Reason = "", ""
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got  %+v\n want %+v", place, got, want)
		}
		replayed++
		if got.Acquired() {
			acquired++
		}
	}
	if replayed < 1500 || acquired < 300 {
		t.Errorf("only %d records replayed (%d acquired)", replayed, acquired)
	}
}

func workshopConfig() map[string]any {
	return map[string]any{
		"lanes": map[string]any{
			"concurrent": []string{"frontend", "backend"},
			"exclusive":  []string{"release", "global"},
			"autopick":   []string{"frontend", "backend"},
			"trees": map[string][]string{
				"frontend": {"app/**/*", "web/**/*", "ui/**/*", "docs/UI-*"},
				"backend":  {"service/**/*", "api/**/*", "worker/**/*", "docs/SVC-*"},
				"release":  {"deploy/**/*", ".github/workflows/**/*", "docs/REL-*", "**/VERSION"},
				"global":   {"**/*"},
			},
		},
		"workspace_facts": map[string]any{"root": "/ws", "kernel_runtime_files": []string{}},
	}
}

func TestArbitrateWorkshop(t *testing.T) {
	be := []string{"service/**/*", "api/**/*", "worker/**/*", "docs/SVC-*"}
	d, err := Arbitrate(ArbitrateRequest{RequestedLane: "frontend", RequestedKind: "cluster",
		LiveLeases: []Lease{{Lane: "backend", LaneKind: "cluster", Tree: be}}}, workshopConfig())
	if err != nil || !d.Acquired() || d.Lane != "frontend" || len(d.Tree) != 4 {
		t.Fatalf("%+v %v", d, err)
	}
	// force never passes a live exclusive lane
	d, err = Arbitrate(ArbitrateRequest{RequestedLane: "frontend", RequestedKind: "cluster", Force: true,
		LiveLeases: []Lease{{Lane: "release", LaneKind: "release", Tree: []string{"deploy/**/*"}}}}, workshopConfig())
	if err != nil || d.Acquired() {
		t.Fatalf("%+v %v", d, err)
	}
	// a bare request over a ladder, with picks and ranks as data
	zero, two, hi := int64(0), int64(2), 5.0
	d, err = Arbitrate(ArbitrateRequest{
		AutoPickOrder: []Candidate{{Name: "frontend", Tree: []string{"app/"}}, {Name: "backend", Tree: []string{"api/"}}},
		PickOracle:    map[string]*int64{"frontend": &zero, "backend": &two},
		RankKey:       map[string]*float64{"frontend": &hi},
	}, workshopConfig())
	if err != nil || d.Lane != "backend" || d.PickCount == nil || *d.PickCount != 2 || !d.AutoPicked {
		t.Fatalf("%+v %v", d, err)
	}
	if _, err := Arbitrate(ArbitrateRequest{}, map[string]any{"overlap": map[string]any{"policy": "import-graph"}}); err == nil {
		t.Fatal("a policy plugin must be refused natively")
	}
}

func TestOverlapAdmissionLocks(t *testing.T) {
	ratio := Float(LaneOverlapOverlapRatioMax)
	o, err := LaneOverlapOverlapVerdict(LaneOverlapOverlapVerdictArgs{RequestedTree: []string{"agents/apply_*.py"},
		LeaseTree: []string{"agents/apply_*.py"}, RatioMax: &ratio})
	if err != nil || o.Verdict != VerdictRefuseExactGlob || o.Admissible {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = OverlapPolicyFloorDecision(OverlapPolicyFloorDecisionArgs{RequestedTree: []string{"a/x", "b/", "c/", "d/", "e/", "f/", "g/", "h/"},
		LeaseTree: []string{"a/"}})
	if err != nil || o.Verdict != VerdictAdmitSoft || o.Shared != 1 || o.Requested != 8 || !strings.Contains(o.Reason, "12%") {
		t.Fatalf("%+v %v", o, err)
	}
	o, err = OverlapPolicyAdmissibleUnderFloor(OverlapPolicyAdmissibleUnderFloorArgs{Policy: "prefix", RequestedTree: []string{"a/x", "b/", "c/"},
		LeaseTree: []string{"a/"}}, map[string]any{"overlap": map[string]any{"ratio_max": 0.25}})
	if err != nil || o.Verdict != VerdictRefuseOverlap {
		t.Fatalf("%+v %v", o, err)
	}
	v, err := AdmissionRunPredicates(AdmissionRunPredicatesArgs{Request: AdmissionRequest{Lane: "k", Kind: "keyword", Tree: []string{"**/*"}},
		LiveLeases: []LiveLease{}}, nil)
	if err != nil || v.Admitted || v.ReasonClass != "SELF_MODIFY" {
		t.Fatalf("%+v %v", v, err)
	}
	v, err = AdmissionRunPredicates(AdmissionRunPredicatesArgs{Predicates: &[]string{"disjointness"},
		Request: AdmissionRequest{Lane: "k", Kind: "keyword", Tree: []string{}}, LiveLeases: []LiveLease{{Lane: "x", Tree: &[]string{"src/"}}}}, nil)
	if err != nil || v.Admitted || !strings.Contains(v.Reason, "EMPTY") {
		t.Fatalf("%+v %v", v, err)
	}
	hits, err := SelfModifyTreeTouchesRuntime(SelfModifyTreeTouchesRuntimeArgs{RequestedTree: []string{"SRC/dos/"}})
	if err != nil || len(hits) != len(SelfModifyDispatchRuntimeFiles) || len(hits) != 11 {
		t.Fatalf("%v %v", hits, err)
	}
	c, err := LockModesRegionConflict(LockModesRegionConflictArgs{RequestedTree: []string{"docs/**"}, RequestedMode: string(LockModeShared),
		LeaseTree: []string{"docs/**"}, LeaseMode: string(LockModeShared)})
	if err != nil || c {
		t.Fatalf("%v %v", c, err)
	}
	ok, err := LockModesModesCompatible(LockModesModesCompatibleArgs{A: LockModeExclusive, B: LockModeShared})
	if err != nil || ok {
		t.Fatalf("%v %v", ok, err)
	}
	if _, err := LockModesModesCompatible(LockModesModesCompatibleArgs{A: "read", B: LockModeShared}); err == nil {
		t.Fatal("an unknown mode must be refused")
	}
	flags := []string{"priority=3", " apply = 1", "priority=2"}
	b, err := ConcurrencyClassParseCliBudgets(ConcurrencyClassParseCliBudgetsArgs{Pairs: &flags})
	if err != nil || b["priority"] != "2" || b["apply"] != "1" {
		t.Fatalf("%v %v", b, err)
	}
	bad := []string{"x"}
	if _, err := ConcurrencyClassParseCliBudgets(ConcurrencyClassParseCliBudgetsArgs{Pairs: &bad}); err == nil {
		t.Fatal("a flag without '=' must be refused")
	}
}
