package dos

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// decodeExact decodes JSON keeping numbers exact (json.Number in open types).
func decodeExact(raw []byte, out interface{}) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(out)
}

// replayRouted replays the golden records of op through a typed function of
// the generated route (zz_generated_*_test.go call it): each record the
// reference answered must give the same JSON. Records the reference refused
// are the envelope replay's (golden_test.go): Go's zero values cannot tell a
// missing argument from a null one. Records holding a lone surrogate are
// skipped (a Go string cannot carry one), and so are records holding NaN
// or Infinity (Go's JSON has neither).
func replayRouted(t *testing.T, op string, run func(args []byte) (typed any, verdict any, err error)) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "tests", "golden", "cases", op+".jsonl"))
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	n := 0
	for line := 1; sc.Scan(); line++ {
		var rec struct {
			Request  string              `json:"request"`
			Error    *string             `json:"error"`
			Expected string              `json:"expected_compact"`
			Prose    map[string][]string `json:"prose"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("%s:%d: %v", op, line, err)
		}
		// Records Go's JSON cannot read (a lone surrogate, NaN or Infinity)
		// are the envelope replay's.
		if rec.Error != nil || hasLoneSurrogate([]byte(rec.Request)) || hasLoneSurrogate([]byte(rec.Expected)) ||
			!json.Valid([]byte(rec.Request)) || !json.Valid([]byte(rec.Expected)) {
			continue
		}
		var req struct {
			Args json.RawMessage `json:"args"`
		}
		if err := json.Unmarshal([]byte(rec.Request), &req); err != nil {
			t.Fatalf("%s:%d: %v", op, line, err)
		}
		// A dict read into a Go map is written back with its keys sorted: a
		// record whose answer may hang on the order of such keys (str() of a
		// dict, a later duplicate winning) is the envelope replay's.
		typed, got, err := run(req.Args)
		if err == nil && !keyOrderSurvives(req.Args, typed) {
			continue
		}
		if err != nil {
			t.Errorf("%s:%d: %v", op, line, err)
			continue
		}
		raw, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("%s:%d: %v", op, line, err)
		}
		var g, w any
		if err := decodeExact(raw, &g); err != nil {
			t.Fatal(err)
		}
		if err := decodeExact([]byte(rec.Expected), &w); err != nil {
			t.Fatal(err)
		}
		// Prose fields carry their facts (takePath: golden_test.go); every
		// other field is compared exactly.
		for path, facts := range rec.Prose {
			ours, _ := takePath(g, path).(string)
			takePath(w, path)
			for _, fact := range facts {
				if !strings.Contains(ours, fact) {
					t.Errorf("%s:%d: prose %q = %q lacks fact %q", op, line, path, ours, fact)
				}
			}
		}
		if !sameJSON(g, w) {
			t.Errorf("%s:%d: got %s, want %s", op, line, raw, rec.Expected)
		}
		n++
	}
	if n < 100 {
		t.Errorf("%s: only %d records replayed", op, n)
	}
}

// sameJSON compares decoded JSON; two numbers are equal when they are the
// same literal or, when either is written as a float, the same float (Go
// writes the float 1.0 as 1 and 1e-09 as 1e-9).
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		isFloat := func(n json.Number) bool { return strings.ContainsAny(string(n), ".eE") }
		if !isFloat(x) && !isFloat(y) {
			return false
		}
		fx, err1 := strconv.ParseFloat(string(x), 64)
		fy, err2 := strconv.ParseFloat(string(y), 64)
		return err1 == nil && err2 == nil && fx == fy
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(a, b)
	}
}

// keyOrderSurvives reports whether every object of the request's args
// keeps the relative order of its keys once the typed args are written back
// (a struct writes its fields in declaration order, a map sorts its keys).
func keyOrderSurvives(raw []byte, typed any) bool {
	back, err := json.Marshal(typed)
	if err != nil {
		return false
	}
	a, err1 := orderedTree(raw)
	b, err2 := orderedTree(back)
	return err1 == nil && err2 == nil && sameKeyOrder(a, b)
}

type otree struct {
	keys  []string
	vals  []*otree
	items []*otree
}

func orderedTree(raw []byte) (*otree, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return readTree(dec)
}

func readTree(dec *json.Decoder) (*otree, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	n := &otree{}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := readTree(dec)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.(string))
			n.vals = append(n.vals, v)
		}
		_, err = dec.Token()
	case json.Delim('['):
		for dec.More() {
			v, err := readTree(dec)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		_, err = dec.Token()
	}
	return n, err
}

// sameKeyOrder: the keys a and b share appear in the same relative order in
// every object, recursively.
func sameKeyOrder(a, b *otree) bool {
	pos := map[string]int{}
	for i, k := range b.keys {
		pos[k] = i
	}
	last := -1
	for i, k := range a.keys {
		j, ok := pos[k]
		if !ok {
			continue
		}
		if j < last || !sameKeyOrder(a.vals[i], b.vals[j]) {
			return false
		}
		last = j
	}
	for i := range a.items {
		if i < len(b.items) && !sameKeyOrder(a.items[i], b.items[i]) {
			return false
		}
	}
	return true
}
