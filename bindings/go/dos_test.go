package dos

import (
	"errors"
	"sync"
	"testing"
)

func TestVersion(t *testing.T) {
	if Version() == "" || LibraryABIVersion() != ABIVersion {
		t.Fatalf("version %q abi %d/%d", Version(), LibraryABIVersion(), ABIVersion)
	}
}

func TestErrorsAreValues(t *testing.T) {
	cases := map[string]string{
		"{":                               "BAD_JSON",
		"[]":                              "BAD_REQUEST",
		`{"abi":2,"op":"ops"}`:            "ABI_MISMATCH",
		`{"abi":1,"op":"nope"}`:           "UNKNOWN_OP",
		`{"abi":1,"op":"ops","config":1}`: "BAD_CONFIG",
	}
	for req, code := range cases {
		raw, err := CallRaw([]byte(req))
		if err != nil {
			t.Fatalf("%s: %v", req, err)
		}
		if !contains(raw, `"code":"`+code+`"`) {
			t.Errorf("%s: got %s, want %s", req, raw, code)
		}
	}
	_, err := ExecCapabilityClassifyCommand(ExecCapabilityClassifyCommandArgs{Command: ""})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Call("exec_capability.classify_command", map[string]interface{}{"command": 3}, nil)
	var e *Error
	if !errors.As(err, &e) || e.Code != "BAD_ARGS" {
		t.Fatalf("want BAD_ARGS, got %v", err)
	}
	if _, err := CallRaw(nil); err != nil {
		t.Fatalf("empty request should answer BAD_JSON, got %v", err)
	}
}

func contains(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}

func TestTypedDeciders(t *testing.T) {
	v, err := ExecCapabilityClassifyCommand(ExecCapabilityClassifyCommandArgs{Command: "sudo rm -rf /"})
	if err != nil || v.Capability != CapabilityGrantsArbitraryExec || v.Program == nil || *v.Program != "rm" {
		t.Fatalf("%+v %v", v, err)
	}
	extra := []string{" MyInterp "}
	pol, err := ExecCapabilityWithExtra(ExecCapabilityWithExtraArgs{Self: ExecCapabilityDefaultPolicy, Extra: &extra})
	if err != nil {
		t.Fatal(err)
	}
	v, err = ExecCapabilityClassifyCommand(ExecCapabilityClassifyCommandArgs{Command: "myinterp -e 1", Policy: &pol})
	if err != nil || v.Capability != CapabilityGrantsArbitraryExec {
		t.Fatalf("%+v %v", v, err)
	}
	c, p, err := ClassifyCommandFast("FOO=1 /usr/bin/Python3 -c x")
	if err != nil || c != CapabilityGrantsArbitraryExec || p != "python3" {
		t.Fatalf("%v %q %v", c, p, err)
	}
	if c, p, _ := ClassifyCommandFast("  "); c != CapabilityEmpty || p != "" {
		t.Fatalf("%v %q", c, p)
	}
	if !PrefixesCollideFast("src/", "src/dos/") || PrefixesCollideFast("docs/ui-", "docs/svc-") {
		t.Fatal("prefixes_collide")
	}
	if c, err := TreePrefixesCollide(TreePrefixesCollideArgs{A: "src/", B: "src/dos/"}); err != nil || !c {
		t.Fatal("prefixes_collide", c, err)
	}
	if p, _ := NormTreePrefixFast("**/*"); p != "" {
		t.Fatalf("norm %q", p)
	}
	if p, err := TreeNormTreePrefix(TreeNormTreePrefixArgs{P: ptrTo(" Src\\Dos*")}); err != nil || p != "src/dos" {
		t.Fatalf("norm %q %v", p, err)
	}
	if d, _ := TreeLaneTreesDisjoint(TreeLaneTreesDisjointArgs{TreeA: []string{"docs/UI-*"}, TreeB: []string{"docs/svc-*"}}); !d {
		t.Fatal("disjoint")
	}
	if d, _ := TreeLaneTreesDisjoint(TreeLaneTreesDisjointArgs{TreeA: []string{}, TreeB: []string{"docs/"}}); d {
		t.Fatal("an empty tree is never disjoint")
	}
	trees := map[string][]string{"docs": {"docs/"}}
	ok, err := TreeTreeDisjointFromAllLive(TreeTreeDisjointFromAllLiveArgs{
		RequestedTree: []string{"src/"}, Live: []map[string]any{{"lane": "docs"}}, SiblingTrees: &trees,
	})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	ops, err := Ops()
	if err != nil || len(ops) < 5 {
		t.Fatal(ops, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				v, err := ExecCapabilityClassifyCommand(ExecCapabilityClassifyCommandArgs{Command: "python3 -c 1"})
				if err != nil || v.Capability != CapabilityGrantsArbitraryExec {
					t.Error(v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
