package dos

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const workshopTOML = `
[lanes]
concurrent = ["api", "web"]
exclusive = ["infra"]
[lanes.trees]
api = ["src/api/**"]
web = ["src/**"]
[overlap]
ratio_max = 5
`

func TestConfigFromTOML(t *testing.T) {
	c, err := ConfigFromTOML([]byte(workshopTOML))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w, err := c.Warnings()
	if err != nil || len(w) != 1 || w[0].Table != "overlap" || w[0].Key != "ratio_max" {
		t.Fatalf("warnings %+v %v", w, err)
	}
	raw, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var proj struct {
		Lanes struct {
			Concurrent []string `json:"concurrent"`
		} `json:"lanes"`
		Overlap float64 `json:"overlap_ratio_max"`
	}
	if err := json.Unmarshal(raw, &proj); err != nil || len(proj.Lanes.Concurrent) != 2 || proj.Overlap != 1.0/3 {
		t.Fatalf("projection %s %v", raw, err)
	}
	v, err := c.CallWith("config_lint.lint", map[string]interface{}{"taxonomy": map[string]interface{}{
		"concurrent": []string{"api", "web"}, "trees": map[string][]string{"api": {"src/api/**"}, "web": {"src/**"}}}})
	if err != nil || !strings.Contains(string(v), "LANE_REGION_SHADOWED") {
		t.Fatalf("lint %s %v", v, err)
	}
}

func TestConfigRefusals(t *testing.T) {
	_, err := ConfigFromTOML([]byte("[tool_stream]\nrepeat_n = [1]\n"))
	var e *Error
	if !errors.As(err, &e) || e.Code != "BAD_CONFIG" {
		t.Fatalf("want BAD_CONFIG, got %v", err)
	}
	if _, err := ConfigFromJSON(map[string]interface{}{"lanse": map[string]interface{}{}}); !errors.As(err, &e) {
		t.Fatalf("want a refusal, got %v", err)
	}
	c, err := ConfigFromTOML(nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	if _, err := c.JSON(); err == nil {
		t.Fatal("a closed config must refuse")
	}
}

func TestConfigFromWorkspace(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dos.toml"), []byte("[lanes]\nexclusive = [\"solo\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ConfigFromWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, _ := c.JSON()
	if !strings.Contains(string(raw), `"exclusive":["solo"]`) || !strings.Contains(string(raw), "/.dos/lane-journal.jsonl") {
		t.Fatalf("projection %s", raw)
	}
	j, err := ConfigFromJSON(map[string]interface{}{"preset": "workshop", "workspace": dir})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	raw, _ = j.JSON()
	if !strings.Contains(string(raw), `"exclusive":["solo"]`) || !strings.Contains(string(raw), "/docs/_plans/lane-journal.jsonl") {
		t.Fatalf("projection %s", raw)
	}
	job := PresetJob
	loaded, err := ConfigLoadWorkspaceConfig(ConfigLoadWorkspaceConfigArgs{Workspace: &dir, Preset: &job})
	if err != nil || len(loaded.Warnings) != 0 {
		t.Fatalf("%+v %v", loaded, err)
	}
	if proj, _ := json.Marshal(loaded.Config); !strings.Contains(string(proj), `"exclusive":["solo"]`) {
		t.Fatalf("projection %s", proj)
	}
	root, err := ConfigResolveWorkspaceRoot(ConfigResolveWorkspaceRootArgs{Workspace: &dir})
	if err != nil || root == "" || !filepath.IsAbs(root) {
		t.Fatalf("%q %v", root, err)
	}
	// The same build from text, without the disk: a malformed table is a warning.
	text := "[lanes]\nexclusive = 3\n"
	fromText, err := ConfigFromToml(ConfigFromTomlArgs{Text: &text})
	if err != nil || len(fromText.Warnings) != 1 || fromText.Warnings[0].Table != "lanes" {
		t.Fatalf("%+v %v", fromText, err)
	}
	// The envelope's config may name the workspace too.
	v, err := Call("config_lint.lint_lanes", map[string]interface{}{"taxonomy": map[string]interface{}{}},
		map[string]interface{}{"workspace": dir})
	if err != nil || string(v) != "[]" {
		t.Fatalf("%s %v", v, err)
	}
}

func TestConfigConcurrentUse(t *testing.T) {
	c, err := ConfigFromTOML([]byte(workshopTOML))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 100; k++ {
				if _, err := c.CallWith("config_lint.lint_lanes", map[string]interface{}{"taxonomy": map[string]interface{}{}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestConfigFromTOMLRefusesInvalidUTF8(t *testing.T) {
	for _, text := range []string{"[lanes]\nexclusive = [\"\xff\"]\n", "a = \"\xed\xa0\x80\"\n"} {
		c, err := ConfigFromTOML([]byte(text))
		var se *StatusError
		if c != nil || !errors.As(err, &se) || se.Status != 3 {
			t.Fatalf("%q: want DOS_STATUS_INVALID_UTF8, got %v, %v", text, c, err)
		}
		if !strings.Contains(err.Error(), "DOS_STATUS_INVALID_UTF8") {
			t.Fatalf("error text %q", err)
		}
	}
	c, err := ConfigFromTOML([]byte("\xef\xbb\xbf[lanes]\nexclusive = [\"solo\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if w, err := c.Warnings(); err != nil || len(w) != 0 {
		t.Fatalf("a BOM warned: %+v %v", w, err)
	}
}

func TestConfigFromWorkspaceWarnsOnInvalidUTF8(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dos.toml"), []byte("[lanes]\nexclusive = [\"\xff\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ConfigFromWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w, err := c.Warnings()
	if err != nil || len(w) < 2 || !strings.Contains(w[0].Message, "UTF-8") {
		t.Fatalf("warnings %+v %v", w, err)
	}
}
