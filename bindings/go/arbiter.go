package dos

import (
	"encoding/json"
)

// Typed wrappers for the arbiter cluster: arbiter.arbitrate and the
// --class-budget flag parser (the admission conjunction, the overlap
// verdicts and lock modes are generated: zz_generated_*.go). The Python API's callables cross as data: PickOracle maps a lane
// to its pick count, RankKey a lane to its rank, SiblingTreeLookup a lane to
// its tree (a lane missing from a map reads as None), and Predicates names
// built-in predicates ("disjointness", "self-modify"). The config argument
// is the envelope's inline config (a map or any value that marshals to one:
// lanes, overlap, concurrency_class, workspace_facts) or nil for the
// generic default.

// Lease is one live lease: its lane, kind and tree (LoopTS, when set, is
// shown in an exclusive-lane refusal).
type Lease struct {
	Lane     string   `json:"lane"`
	LaneKind string   `json:"lane_kind"`
	Tree     []string `json:"tree"`
	LoopTS   *string  `json:"loop_ts,omitempty"`
}

// Candidate is one rung of the auto-pick ladder; an empty Kind leases as
// "cluster".
type Candidate struct {
	Name string   `json:"name"`
	Kind string   `json:"kind"`
	Tree []string `json:"tree"`
}

// NamedLane is a legacy named or derived lane.
type NamedLane struct {
	Name string
	Tree []string
}

// MarshalJSON writes the [name, tree] pair the envelope takes.
func (n NamedLane) MarshalJSON() ([]byte, error) {
	return json.Marshal([]interface{}{n.Name, nonNil(n.Tree)})
}

// ArbitrateRequest holds arbitrate's arguments. A nil AutoPickOrder means no
// ladder (the legacy walk); a non-nil empty one is an empty ladder. A nil
// PickOracle, RankKey or SiblingTreeLookup means the callable was not given;
// a nil Predicates means the built-in conjunction for the config. Ranks must
// be finite or infinite numbers (encoding/json cannot write NaN).
type ArbitrateRequest struct {
	RequestedLane     string
	RequestedKind     string
	RequestedTree     []string
	LiveLeases        []Lease
	AutoPickOrder     []Candidate
	NamedLanes        []NamedLane
	DerivedLanes      []NamedLane
	Force             bool
	PickOracle        map[string]*int64
	RankKey           map[string]*float64
	Predicates        []string
	ClassBudgets      map[string]int64
	LiveSiblings      []string
	SiblingTreeLookup map[string][]string
}

// LaneDecision mirrors arbiter.LaneDecision.to_dict().
type LaneDecision struct {
	Outcome      string   `json:"outcome"`
	Lane         string   `json:"lane"`
	LaneKind     string   `json:"lane_kind"`
	Tree         []string `json:"tree"`
	AutoPicked   bool     `json:"auto_picked"`
	Reason       string   `json:"reason"`
	FreeClusters []string `json:"free_clusters"`
	PickCount    *int64   `json:"pick_count"`
}

// Acquired reports whether the decision admits a lane.
func (d LaneDecision) Acquired() bool { return d.Outcome == "acquire" }

func (r ArbitrateRequest) args() map[string]interface{} {
	leases := make([]Lease, len(r.LiveLeases))
	for i, l := range r.LiveLeases {
		l.Tree = nonNil(l.Tree)
		leases[i] = l
	}
	a := map[string]interface{}{
		"requested_lane": r.RequestedLane,
		"requested_kind": r.RequestedKind,
		"requested_tree": nonNil(r.RequestedTree),
		"live_leases":    leases,
		"force":          r.Force,
	}
	if r.AutoPickOrder != nil {
		a["auto_pick_order"] = r.AutoPickOrder
	}
	if r.NamedLanes != nil {
		a["named_lanes"] = r.NamedLanes
	}
	if r.DerivedLanes != nil {
		a["derived_lanes"] = r.DerivedLanes
	}
	if r.PickOracle != nil {
		a["pick_oracle"] = r.PickOracle
	}
	if r.RankKey != nil {
		a["rank_key"] = r.RankKey
	}
	if r.Predicates != nil {
		a["predicates"] = r.Predicates
	}
	if r.ClassBudgets != nil {
		a["class_budgets"] = r.ClassBudgets
	}
	if r.LiveSiblings != nil {
		sib := make([]map[string]string, len(r.LiveSiblings))
		for i, l := range r.LiveSiblings {
			sib[i] = map[string]string{"lane": l}
		}
		a["live_siblings"] = sib
	}
	if r.SiblingTreeLookup != nil {
		a["sibling_tree_lookup"] = r.SiblingTreeLookup
	}
	return a
}

// Arbitrate is arbiter.arbitrate.
func Arbitrate(r ArbitrateRequest, config interface{}) (LaneDecision, error) {
	var d LaneDecision
	err := CallInto("arbiter.arbitrate", r.args(), config, &d)
	return d, err
}
