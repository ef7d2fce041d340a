package dos

// Strict lease reads and the damaged-journal refusal from Go, over the
// journals of tests/strict/damaged_journals.json (made by
// tests/strict/gen.py from dos-kernel 0.22.0, which also recorded the live
// set the reference reads from each).

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type strictCase struct {
	Name         string            `json:"name"`
	Journal      string            `json:"journal"`
	Live         []json.RawMessage `json:"live"`
	DamageLine   *int64            `json:"damage_line"`
	DamageOffset *int64            `json:"damage_offset"`
}

func strictCases(t *testing.T) []strictCase {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "..", "tests", "strict", "damaged_journals.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []strictCase
	if err := json.Unmarshal(body, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// canonical re-encodes JSON with sorted keys (encoding/json sorts map keys).
func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(back)
	return string(out)
}

func (c strictCase) where() string {
	return fmt.Sprintf("line %d (byte offset %d)", *c.DamageLine+1, *c.DamageOffset)
}

func TestStrictLiveLeases(t *testing.T) {
	damaged := 0
	for _, c := range strictCases(t) {
		s := LeaseStore{Journal: filepath.Join(t.TempDir(), "lane-journal.jsonl")}
		if err := os.WriteFile(s.Journal, []byte(c.Journal), 0o644); err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 2; round++ {
			j := &s.Journal
			off, err := LaneLeaseLiveLeases(LaneLeaseLiveLeasesArgs{Journal: j}, nil)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if got, want := canonical(t, off), canonical(t, c.Live); got != want {
				t.Fatalf("%s: strict off is not the reference's live set\n got %s\nwant %s", c.Name, got, want)
			}
			yes := true
			on, err := LaneLeaseLiveLeases(LaneLeaseLiveLeasesArgs{Journal: j, Strict: &yes}, nil)
			_, errExpiring := LaneLeaseLiveLeases(LaneLeaseLiveLeasesArgs{Journal: j, Strict: &yes, ExpireDead: &yes}, nil)
			if c.DamageLine == nil {
				if err != nil || errExpiring != nil {
					t.Fatalf("%s: %v %v", c.Name, err, errExpiring)
				}
				if canonical(t, on) != canonical(t, c.Live) {
					t.Fatalf("%s: strict view of a whole journal %v", c.Name, on)
				}
				continue
			}
			for _, err := range []error{err, errExpiring} {
				var e *Error
				if !errors.As(err, &e) || e.Code != "IO_ERROR" || !strings.HasPrefix(e.Message, "WAL_INTEGRITY: ") ||
					!strings.Contains(e.Message, c.where()) {
					t.Fatalf("%s: want IO_ERROR naming %s, got %v", c.Name, c.where(), err)
				}
			}
		}
		if c.DamageLine != nil {
			damaged++
		}
	}
	if damaged < 6 {
		t.Fatalf("only %d damaged journals", damaged)
	}
}

func TestLeaseStoreStrictRefusesWithWALIntegrity(t *testing.T) {
	handle, err := ConfigFromTOML([]byte("[lease_store]\nstrict = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer handle.Close()
	if w, _ := handle.Warnings(); len(w) != 0 {
		t.Fatalf("warnings %v", w)
	}
	js, _ := handle.JSON()
	var proj map[string]any
	_ = json.Unmarshal(js, &proj)
	if ls, _ := proj["lease_store"].(map[string]any); ls["strict"] != true {
		t.Fatalf("the handle's config lost [lease_store]: %v", proj["lease_store"])
	}
	configs := map[string]any{"handle": handle, "inline": map[string]any{"lease_store": map[string]any{"strict": true}}}
	for _, c := range strictCases(t) {
		for how, cfg := range configs {
			for _, strict := range []bool{false, true} {
				s := LeaseStore{Journal: filepath.Join(t.TempDir(), "lane-journal.jsonl")}
				if err := os.WriteFile(s.Journal, []byte(c.Journal), 0o644); err != nil {
					t.Fatal(err)
				}
				var use any
				if strict {
					use = cfg
				}
				r, err := s.Acquire(AcquireRequest{Lane: "web", Kind: "keyword", Tree: []string{"web/**"},
					Owner: "go-agent", LoopTS: "L9"}, use)
				if err != nil {
					t.Fatalf("%s/%s: %v", c.Name, how, err)
				}
				outcome, reason := r.Decision["outcome"], fmt.Sprint(r.Decision["reason"])
				if !strict || c.DamageLine == nil {
					if outcome != "acquire" {
						t.Fatalf("%s/%s strict=%v: %v", c.Name, how, strict, r.Decision)
					}
					continue
				}
				if outcome != "refuse" || r.Journaled || !strings.HasPrefix(reason, "WAL_INTEGRITY: ") ||
					!strings.Contains(reason, c.where()) || r.Record["reason_class"] != "WAL_INTEGRITY" {
					t.Fatalf("%s/%s: want a WAL_INTEGRITY refusal naming %s, got %v %v", c.Name, how, c.where(), r.Decision, r.Record)
				}
			}
		}
	}
}
