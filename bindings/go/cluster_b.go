package dos

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Typed wrappers for the loop-economics deciders: efficiency and the
// circuit breaker (liveness and productivity are generated:
// zz_generated_liveness.go, zz_generated_productivity.go).
// Each result struct mirrors the reference verdict's to_dict(); a nil policy
// means the reference's default.
// Integer fields are int64, as libdos takes them; a result that leaves that
// range (a breaker count past 2^63-1) comes back as a decoding error.

// The reference's default policy values.
const (
	defaultMinTokens      = 1000
	defaultMaxConsecutive = 3
	defaultMaxTotal       = 20
)

// ---- efficiency -------------------------------------------------------------

// Efficiency is a run's token-effectiveness state.
type Efficiency string

const (
	EfficiencyEfficient Efficiency = "EFFICIENT"
	EfficiencyCostly    Efficiency = "COSTLY"
	EfficiencyWasteful  Efficiency = "WASTEFUL"
)

// EfficiencyPolicy: MinTokens of spend are needed to judge; Floor is the
// lowest acceptable work per token, inclusive (0 leaves COSTLY off).
// EfficiencyClassify also takes NaN and infinite floors, as the reference
// does (encoding/json cannot write them, so json.Marshal refuses them).
type EfficiencyPolicy struct {
	MinTokens int64   `json:"min_tokens"`
	Floor     float64 `json:"floor"`
}

// MarshalJSON writes Floor as a float literal: encoding/json would write
// 2^63 as 9223372036854776000, which libdos (like Python) reads as a
// different, integer floor.
func (p EfficiencyPolicy) MarshalJSON() ([]byte, error) {
	if math.IsNaN(p.Floor) || math.IsInf(p.Floor, 0) {
		return nil, errors.New("a NaN or infinite floor has no JSON form; EfficiencyClassify sends it")
	}
	return p.appendJSON(make([]byte, 0, 48)), nil
}

func (p EfficiencyPolicy) appendJSON(b []byte) []byte {
	b = append(b, `{"min_tokens":`...)
	b = strconv.AppendInt(b, p.MinTokens, 10)
	b = append(b, `,"floor":`...)
	return append(appendFloat(b, p.Floor), '}')
}

// appendFloat writes f as Python's json module does (NaN, Infinity,
// -Infinity included), always as a float literal.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, ".0"...)
}

// DefaultEfficiencyPolicy is the reference's default (1000 tokens, floor 0).
func DefaultEfficiencyPolicy() EfficiencyPolicy {
	return EfficiencyPolicy{MinTokens: defaultMinTokens}
}

// EfficiencyEvidence is a run's landed work units and spent tokens.
type EfficiencyEvidence struct {
	Work   int64 `json:"work"`
	Tokens int64 `json:"tokens"`
}

// EfficiencyEcho is the "evidence" object of an efficiency verdict: the
// counts and their ratio (0 when nothing was spent).
type EfficiencyEcho struct {
	Work   int64   `json:"work"`
	Tokens int64   `json:"tokens"`
	Ratio  float64 `json:"ratio"`
}

// EfficiencyVerdict mirrors efficiency.EfficiencyVerdict.to_dict().
type EfficiencyVerdict struct {
	Verdict  Efficiency     `json:"verdict"`
	Reason   string         `json:"reason"`
	Evidence EfficiencyEcho `json:"evidence"`
}

// EfficiencyClassify is efficiency.classify (policy may be nil). The
// request is written by hand so that any float64 floor reaches libdos
// exactly.
func EfficiencyClassify(evidence EfficiencyEvidence, policy *EfficiencyPolicy) (EfficiencyVerdict, error) {
	b := make([]byte, 0, 160)
	b = strconv.AppendInt(append(b, `{"abi":`...), int64(ABIVersion), 10)
	b = strconv.AppendInt(append(b, `,"op":"efficiency.classify","config":null,"args":{"evidence":{"work":`...), evidence.Work, 10)
	b = strconv.AppendInt(append(b, `,"tokens":`...), evidence.Tokens, 10)
	b = append(b, '}')
	if policy != nil {
		b = policy.appendJSON(append(b, `,"policy":`...))
	}
	b = append(b, "}}"...)
	var v EfficiencyVerdict
	err := callRequestInto(b, &v)
	return v, err
}

// callRequestInto sends a ready request document and decodes its verdict
// into out, answering errors as Call does.
func callRequestInto(req []byte, out interface{}) error {
	raw, err := CallRaw(req)
	if err != nil {
		return err
	}
	var resp response
	if err := json.Unmarshal(raw, &resp); err != nil {
		return fmt.Errorf("libdos: unreadable response: %w", err)
	}
	if !resp.OK {
		if resp.Error == nil {
			return errors.New("libdos: refused without an error body")
		}
		return resp.Error
	}
	return json.Unmarshal(resp.Verdict, out)
}

// ---- breaker ----------------------------------------------------------------

// BreakerState is CLOSED or OPEN.
type BreakerState string

const (
	BreakerClosed BreakerState = "CLOSED"
	BreakerOpen   BreakerState = "OPEN"
)

// Escalation is where an open breaker sends the decision.
type Escalation string

const (
	EscalationNone  Escalation = "NONE"
	EscalationJudge Escalation = "JUDGE"
	EscalationHuman Escalation = "HUMAN"
)

// BreakerPolicy: the breaker opens when MaxConsecutive failures in a row
// or MaxTotal overall are reached (0 turns a rung off, not both) and names
// OnTrip (empty means NONE).
type BreakerPolicy struct {
	MaxConsecutive int64      `json:"max_consecutive"`
	MaxTotal       int64      `json:"max_total"`
	OnTrip         Escalation `json:"on_trip,omitempty"`
}

// DefaultBreakerPolicy is the reference's default (3 in a row, 20 overall,
// no escalation).
func DefaultBreakerPolicy() BreakerPolicy {
	return BreakerPolicy{MaxConsecutive: defaultMaxConsecutive, MaxTotal: defaultMaxTotal, OnTrip: EscalationNone}
}

// BreakerCounts is the carried state: failures since the last success and
// failures overall.
type BreakerCounts struct {
	Consecutive int64 `json:"consecutive"`
	Total       int64 `json:"total"`
}

// BreakerVerdict mirrors breaker.BreakerVerdict.to_dict(). TrippedOn is
// "consecutive", "total" or nil while closed.
type BreakerVerdict struct {
	State      BreakerState `json:"state"`
	Escalation Escalation   `json:"escalation"`
	Reason     string       `json:"reason"`
	TrippedOn  *string      `json:"tripped_on"`
}

// IsOpen reports whether the breaker is OPEN.
func (v BreakerVerdict) IsOpen() bool { return v.State == BreakerOpen }

// BreakerTransition is what recording an outcome returns: the counts to
// carry next and the verdict on them.
type BreakerTransition struct {
	Counts  BreakerCounts  `json:"counts"`
	Verdict BreakerVerdict `json:"verdict"`
}

type breakerArgs struct {
	Counts BreakerCounts  `json:"counts"`
	Policy *BreakerPolicy `json:"policy,omitempty"`
}

// BreakerRecordFailure is breaker.record_failure (policy may be nil).
func BreakerRecordFailure(counts BreakerCounts, policy *BreakerPolicy) (BreakerTransition, error) {
	var t BreakerTransition
	err := CallInto("breaker.record_failure", breakerArgs{Counts: counts, Policy: policy}, nil, &t)
	return t, err
}

// BreakerRecordSuccess is breaker.record_success (policy may be nil).
func BreakerRecordSuccess(counts BreakerCounts, policy *BreakerPolicy) (BreakerTransition, error) {
	var t BreakerTransition
	err := CallInto("breaker.record_success", breakerArgs{Counts: counts, Policy: policy}, nil, &t)
	return t, err
}

// BreakerClassify is breaker.classify (policy may be nil).
func BreakerClassify(counts BreakerCounts, policy *BreakerPolicy) (BreakerVerdict, error) {
	var v BreakerVerdict
	err := CallInto("breaker.classify", breakerArgs{Counts: counts, Policy: policy}, nil, &v)
	return v, err
}
