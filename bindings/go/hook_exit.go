package dos

// Intervention, the verb a hook's exit code maps to, is generated from the
// op table with the intervention module (zz_generated_intervention.go).

// HookExitPolicy reads a plain hook script's exit code. PassCode approves.
// Mapping holds the explicit entries: a nil value marks another approving
// code. A nil Mapping keeps the reference's default entries (2 blocks); an
// empty, non-nil one has none. Every other code gets Fallback (empty means
// WARN). The zero value is the reference's default policy.
type HookExitPolicy struct {
	PassCode int64                   `json:"pass_code"`
	Mapping  map[int64]*Intervention `json:"mapping"`
	Fallback Intervention            `json:"fallback,omitempty"`
}

// DefaultHookExitPolicy is the reference's default, spelled out: 0 passes,
// 2 blocks, anything else warns.
func DefaultHookExitPolicy() HookExitPolicy {
	block := InterventionBlock
	return HookExitPolicy{Mapping: map[int64]*Intervention{2: &block}, Fallback: InterventionWarn}
}

// WithMapping is HookExitPolicy.with_mapping: a copy with more entries
// merged in (they win over existing ones). A nil Mapping starts from the
// default entries.
func (p HookExitPolicy) WithMapping(more map[int64]Intervention) HookExitPolicy {
	base := p.Mapping
	if base == nil {
		base = DefaultHookExitPolicy().Mapping
	}
	merged := make(map[int64]*Intervention, len(base)+len(more))
	for code, verb := range base {
		merged[code] = verb
	}
	for code, verb := range more {
		v := verb
		merged[code] = &v
	}
	p.Mapping = merged
	return p
}

// ExitVerdict mirrors hook_exit.ExitVerdict.to_dict(). A nil Intervention
// means the script approved; Matched says whether an explicit entry (or
// the pass code) decided rather than the fallback.
type ExitVerdict struct {
	Code         int64         `json:"code"`
	Intervention *Intervention `json:"intervention"`
	Reason       string        `json:"reason"`
	Matched      bool          `json:"matched"`
}

// Passed reports whether the script approved (no intervention).
func (v ExitVerdict) Passed() bool { return v.Intervention == nil }

type exitArgs struct {
	Code   int64           `json:"code"`
	Policy *HookExitPolicy `json:"policy,omitempty"`
}

// ClassifyExit is hook_exit.classify_exit (policy may be nil).
func ClassifyExit(code int64, policy *HookExitPolicy) (ExitVerdict, error) {
	var v ExitVerdict
	err := CallInto("hook_exit.classify_exit", exitArgs{Code: code, Policy: policy}, nil, &v)
	return v, err
}
