package dos

import (
	"errors"
	"strings"
	"testing"
)

// The config linter's generated functions (config_lint, on the route):
// findings in the reference's order, the finding's predicates and line,
// and refusals naming the field.
func TestConfigLintGeneratedFunctions(t *testing.T) {
	tx := LaneTaxonomy{
		Concurrent: []string{"api", "web"},
		Autopick:   []string{"api", "ghost"},
		Trees:      map[string][]string{"api": {"src/api/**"}, "web": {"src/**"}},
		Aliases:    map[string]string{"x": "nowhere"},
	}
	reg := []ReasonSpec{{Token: "FOO", Category: "MISROUTE", SeeAlso: []string{"lane ghost2", "lane web", "lane <holder>"}}}
	fs, err := ConfigLintLint(ConfigLintLintArgs{Taxonomy: tx, Registry: &reg})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind     LintKind
		severity Severity
		subject  string
	}{
		{LintKindLaneWithoutTree, SeverityError, "ghost"},
		{LintKindAliasTargetUndeclared, SeverityWarn, "x"},
		{LintKindAutopickLaneUndeclared, SeverityWarn, "ghost"},
		{LintKindLaneRegionShadowed, SeverityWarn, "api"},
		{LintKindReasonSeeAlsoDangles, SeverityInfo, "FOO"},
	}
	if len(fs) != len(want) {
		t.Fatalf("findings %+v", fs)
	}
	for i, w := range want {
		if fs[i].Kind != w.kind || fs[i].Severity != w.severity || fs[i].Subject != w.subject {
			t.Fatalf("finding %d: %+v, want %+v", i, fs[i], w)
		}
	}
	// Without a registry: the lane findings alone; unsorted from lint_lanes.
	lanes, err := ConfigLintLint(ConfigLintLintArgs{Taxonomy: tx})
	if err != nil || len(lanes) != 4 {
		t.Fatalf("%+v %v", lanes, err)
	}
	raw, err := ConfigLintLintLanes(ConfigLintLintLanesArgs{Taxonomy: tx})
	if err != nil || len(raw) != 4 || raw[0].Kind != LintKindLaneWithoutTree || raw[3].Kind != LintKindLaneRegionShadowed {
		t.Fatalf("%+v %v", raw, err)
	}
	dangling, err := ConfigLintLintReasons(ConfigLintLintReasonsArgs{Registry: reg, KnownLanes: []string{"web"}})
	if err != nil || len(dangling) != 1 || dangling[0].Subject != "FOO" || !strings.Contains(dangling[0].Detail, "'ghost2'") {
		t.Fatalf("%+v %v", dangling, err)
	}

	// The finding's predicates and its one-line form.
	if has, err := ConfigLintHasError(ConfigLintHasErrorArgs{Findings: fs}); err != nil || !has {
		t.Fatalf("has_error %v %v", has, err)
	}
	if has, err := ConfigLintHasError(ConfigLintHasErrorArgs{Findings: fs[1:]}); err != nil || has {
		t.Fatalf("has_error of warnings %v %v", has, err)
	}
	if is, err := ConfigLintIsError(ConfigLintIsErrorArgs{Self: fs[0]}); err != nil || !is {
		t.Fatalf("is_error %v %v", is, err)
	}
	line, err := ConfigLintFindingLine(ConfigLintFindingLineArgs{Finding: Finding{
		Kind: LintKindLaneWithoutTree, Severity: SeverityError, Subject: "it's", Detail: "d", Fix: "f"}})
	if err != nil || line != `[error] LANE_WITHOUT_TREE "it's": d — f` {
		t.Fatalf("line %q %v", line, err)
	}

	// An empty taxonomy (Go's nil slices and maps) lints clean.
	if fs, err := ConfigLintLintLanes(ConfigLintLintLanesArgs{}); err != nil || len(fs) != 0 {
		t.Fatalf("%+v %v", fs, err)
	}
	// Bad input: BAD_ARGS naming the field.
	var e *Error
	_, err = ConfigLintLintReasons(ConfigLintLintReasonsArgs{Registry: reg})
	if !errors.As(err, &e) || e.Code != "BAD_ARGS" || !strings.Contains(e.Message, "known_lanes") {
		t.Fatalf("want BAD_ARGS naming known_lanes, got %v", err)
	}
	_, err = ConfigLintHasError(ConfigLintHasErrorArgs{Findings: []Finding{{Kind: "NOPE", Severity: SeverityWarn}}})
	if !errors.As(err, &e) || e.Code != "BAD_ARGS" || !strings.Contains(e.Message, "findings[0].kind") {
		t.Fatalf("want BAD_ARGS naming findings[0].kind, got %v", err)
	}
}
