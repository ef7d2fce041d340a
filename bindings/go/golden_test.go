package dos

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// goldenRecord is one case of the corpus (the line format is described in
// tests/golden/generate.py), as readGolden returns it.
type goldenRecord struct {
	Request  string              `json:"request"`
	Expected string              `json:"expected"` // the verdict as JSON text
	Error    *string             `json:"error"`
	Prose    map[string][]string `json:"prose"`
	Patch    []json.RawMessage   `json:"patch"`
	Line     int                 `json:"-"`
	// Patched records (the file's base with the record's edits) hold their
	// verdict re-encoded here, so only its value is the reference's, not its bytes.
	Patched bool `json:"-"`
}

// applyEdits applies a patched record's edits to a fresh copy of the file's
// base: each edit is [path] (delete) or [path, value] (set), the path a list
// of object keys.
func applyEdits(base []byte, edits []json.RawMessage) (map[string]interface{}, error) {
	whole, ok := decodeGoldenValue(base).(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("the base is not an object")
	}
	for _, raw := range edits {
		var edit []json.RawMessage
		var path []string
		if json.Unmarshal(raw, &edit) != nil || len(edit) == 0 || len(edit) > 2 ||
			json.Unmarshal(edit[0], &path) != nil || len(path) == 0 {
			return nil, fmt.Errorf("bad edit %s", raw)
		}
		obj := whole
		for _, k := range path[:len(path)-1] {
			if obj, ok = obj[k].(map[string]interface{}); !ok {
				return nil, fmt.Errorf("edit %s: no object at %q", raw, k)
			}
		}
		leaf := path[len(path)-1]
		if len(edit) == 1 {
			if _, ok := obj[leaf]; !ok {
				return nil, fmt.Errorf("edit %s: nothing to delete", raw)
			}
			delete(obj, leaf)
		} else {
			obj[leaf] = decodeGoldenValue(edit[1])
		}
	}
	return whole, nil
}

// decodeGoldenValue decodes standard JSON keeping numbers as their text; nil if unreadable.
func decodeGoldenValue(raw []byte) interface{} {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

// readGolden reads one corpus file: its records in order, each with its
// expected verdict and prose whether the line stores them or patches the
// file's base.
func readGolden(t *testing.T, file string) []goldenRecord {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("no golden corpus (run `make golden`): %v", err)
	}
	defer f.Close()
	// Each corpus file is a gzip member of UTF-8 lines (tests/golden/generate.py).
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var base json.RawMessage
	var out []goldenRecord
	for n := 1; sc.Scan(); n++ {
		var head struct {
			Base json.RawMessage `json:"base"`
		}
		if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
			t.Fatalf("%s:%d: %v", file, n, err)
		}
		if head.Base != nil {
			base = append(json.RawMessage(nil), head.Base...)
			continue
		}
		var rec goldenRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("%s:%d: %v", file, n, err)
		}
		rec.Line = n
		if rec.Patch != nil {
			whole, err := applyEdits(base, rec.Patch)
			if err != nil {
				t.Fatalf("%s:%d: %v", file, n, err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(whole["verdict"]); err != nil {
				t.Fatalf("%s:%d: %v", file, n, err)
			}
			rec.Expected = strings.TrimSuffix(buf.String(), "\n")
			rec.Prose = map[string][]string{}
			if p, ok := whole["prose"]; ok {
				raw, _ := json.Marshal(p)
				if err := json.Unmarshal(raw, &rec.Prose); err != nil {
					t.Fatalf("%s:%d: prose: %v", file, n, err)
				}
			}
			rec.Patched = true
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// quoteNonFinite turns the bare NaN, Infinity and -Infinity tokens Python's
// json writes (outside strings) into marker strings encoding/json can read,
// so two documents holding them still compare.
func quoteNonFinite(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			out = append(out, c)
			if c == '\\' && i+1 < len(raw) {
				i++
				out = append(out, raw[i])
			} else if c == '"' {
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			out = append(out, c)
			continue
		}
		matched := false
		for _, tok := range []string{"NaN", "Infinity", "-Infinity"} {
			if bytes.HasPrefix(raw[i:], []byte(tok)) {
				out = append(out, []byte(`"\u0000`+tok+`"`)...)
				i += len(tok) - 1
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, c)
		}
	}
	return out
}

func decode(t *testing.T, raw []byte) interface{} {
	raw = quoteNonFinite(raw)
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	if err := d.Decode(&v); err != nil {
		t.Fatalf("undecodable JSON %q: %v", raw, err)
	}
	return v
}

// takePath removes the field at a dotted path and returns it.
func takePath(v interface{}, path string) interface{} {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		switch c := v.(type) {
		case map[string]interface{}:
			v = c[p]
		case []interface{}:
			// A decimal segment indexes a list.
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil
	}
	leaf := parts[len(parts)-1]
	out := m[leaf]
	delete(m, leaf)
	return out
}

// TestGoldenCorpus replays every golden record through the envelope and
// compares the decision fields with the reference's exactly.
func TestGoldenCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../tests/golden/cases/*.jsonl.gz")
	if len(files) == 0 {
		t.Fatal("no golden corpus (run `make golden`)")
	}
	// A plain <op>.jsonl (the corpus's old storage, e.g. from a merge) would go unread.
	if plain, _ := filepath.Glob("../../tests/golden/cases/*.jsonl"); len(plain) > 0 {
		t.Fatalf("%s is not compressed: run `make golden`", plain[0])
	}
	total, failed := 0, 0
	for _, file := range files {
		for _, rec := range readGolden(t, file) {
			line := rec.Line
			total++
			raw, err := CallRaw([]byte(rec.Request))
			if err != nil {
				t.Errorf("%s:%d: %v", file, line, err)
				failed++
				continue
			}
			if rec.Error == nil && len(rec.Prose) == 0 && !rec.Patched {
				// No prose: the whole response is fixed bytes (this also covers
				// NaN and Infinity, which encoding/json cannot read).
				if string(raw) != `{"abi":1,"ok":true,"verdict":`+rec.Expected+`}` {
					failed++
					t.Errorf("%s:%d: got %s want verdict %s", file, line, raw, rec.Expected)
				}
				continue
			}
			resp := decode(t, raw).(map[string]interface{})
			if rec.Error != nil {
				e, _ := resp["error"].(map[string]interface{})
				if resp["ok"] != false || e == nil || e["code"] != *rec.Error {
					failed++
					t.Errorf("%s:%d: want error %s, got %s", file, line, *rec.Error, raw)
				}
				continue
			}
			if resp["ok"] != true {
				failed++
				t.Errorf("%s:%d: unexpected error %s", file, line, raw)
				continue
			}
			got, want := resp["verdict"], decode(t, []byte(rec.Expected))
			for path, facts := range rec.Prose {
				ours, _ := takePath(got, path).(string)
				takePath(want, path)
				for _, fact := range facts {
					if !strings.Contains(ours, fact) {
						failed++
						t.Errorf("%s:%d: prose %s = %q lacks %q", file, line, path, ours, fact)
					}
				}
			}
			if !reflect.DeepEqual(got, want) {
				failed++
				if failed < 20 {
					t.Errorf("%s:%d: verdict differs\n got  %v\n want %v", file, line, got, want)
				}
			}
		}
	}
	t.Logf("golden (Go): %d records, %d failed", total, failed)
}
