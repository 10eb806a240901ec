package encrypt

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/config"
	sopsjson "github.com/getsops/sops/v3/stores/json"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck/yamlchecktest"
)

// outcome runs f and describes its result: the value, or the error's
// text, or the panic.
func outcome(f func() (any, error)) (v any, desc string) {
	defer func() {
		if r := recover(); r != nil {
			v, desc = nil, fmt.Sprintf("panic: %v", r)
		}
	}()
	v, err := f()
	if err != nil {
		return nil, "error: " + err.Error()
	}
	return v, "ok"
}

// sameOutcome fails t unless ours and sops' give the same value (no
// pointers in these trees, so the printed form is the value), error text
// or panic.
func sameOutcome(t *testing.T, what string, in []byte, ours, theirs func() (any, error)) bool {
	t.Helper()
	gv, gd := outcome(ours)
	wv, wd := outcome(theirs)
	// Compared as printed, so that NaN equals NaN.
	if gd != wd || fmt.Sprintf("%#v", gv) != fmt.Sprintf("%#v", wv) {
		t.Fatalf("%s of %q:\nours: %s %#v\nsops: %s %#v", what, in, gd, gv, wd, wv)
	}
	return wd == "ok"
}

// yamlCorpus is every input the YAML store comparison runs on: the hard
// cases, large mappings (the hash path) with and without duplicates and
// comments, and generated documents.
func yamlCorpus(generated int) []string {
	docs := append([]string(nil), yamlchecktest.HandCases...)
	var big strings.Builder
	for i := range 200 {
		fmt.Fprintf(&big, "k%d: v%d # c%d\n", i, i, i)
	}
	for _, extra := range []string{"", "k0: again\n", "k7: {a: 1, a: 2}\n", "# foot\n", "k9: &a {x: 1}\nk10: *a\n"} {
		docs = append(docs, big.String()+extra, extra+big.String(), "top:\n  "+strings.ReplaceAll(big.String()+extra, "\n", "\n  "))
	}
	r := rand.New(rand.NewSource(15))
	for range generated {
		d := yamlchecktest.Generate(r)
		if r.Intn(3) == 0 {
			d = "# head\n" + strings.Replace(d, "\n", " # line\n", 1)
		}
		docs = append(docs, d)
	}
	return docs
}

// TestLinearYAMLStoreMatchesSops: the linear-time YAML store loads every
// document of the corpus exactly as sops' YAML store does: the same tree
// (comments included) or the same error text.
func TestLinearYAMLStoreMatchesSops(t *testing.T) {
	loaded := 0
	for _, d := range yamlCorpus(3000) {
		if compareYAMLStores(t, []byte(d)) {
			loaded++
		}
	}
	if loaded < 500 {
		t.Fatalf("only %d documents loaded: the corpus no longer exercises the tree conversion", loaded)
	}
}

func compareYAMLStores(t *testing.T, in []byte) bool {
	t.Helper()
	sc := config.NewStoresConfig()
	ours, theirs := linearStore(FormatYAML, sc), sopsyaml.NewStore(&sc.YAML)
	ok := sameOutcome(t, "LoadPlainFile", in,
		func() (any, error) { return ours.LoadPlainFile(in) },
		func() (any, error) { return theirs.LoadPlainFile(in) })
	sameOutcome(t, "LoadEncryptedFile", in,
		func() (any, error) { return ours.LoadEncryptedFile(in) },
		func() (any, error) { return theirs.LoadEncryptedFile(in) })
	if ok {
		branches, _ := theirs.LoadPlainFile(in)
		compareJSONEmit(t, in, branches)
	}
	return ok
}

// compareJSONEmit: the linear JSON emitter writes every tree as sops'
// JSON store does, at every indentation (errors and panics included:
// NaN values, non-string keys).
func compareJSONEmit(t *testing.T, in []byte, branches sops.TreeBranches) {
	t.Helper()
	for _, indent := range []int{-2, -1, 0, 2, 4} {
		sc := config.NewStoresConfig()
		sc.JSON.Indent = indent
		ours, theirs := linearStore(FormatJSON, sc), sopsjson.NewStore(&sc.JSON)
		sameOutcome(t, fmt.Sprintf("JSON EmitPlainFile (indent %d)", indent), in,
			func() (any, error) { return ours.EmitPlainFile(branches) },
			func() (any, error) { return theirs.EmitPlainFile(branches) })
	}
}

// TestLinearJSONStoreMatchesSops runs the JSON emitter comparison on JSON
// documents (nesting, arrays, numbers, escapes) and their encrypted form.
func TestLinearJSONStoreMatchesSops(t *testing.T) {
	sc := config.NewStoresConfig()
	theirs := sopsjson.NewStore(&sc.JSON)
	for _, d := range []string{`{}`, `{"a": 1}`, `{"a": {"b": [1, 2.5, "x", true, null, {"c": "é\u0000<>&"}]}, "d": []}`,
		`{"big": 12345678901234567890, "neg": -1e-9, "s": "line\nbreak"}`, `{"a": [[[]]], "b": {"c": {}}}`} {
		branches, err := theirs.LoadPlainFile([]byte(d))
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		compareJSONEmit(t, []byte(d), branches)
	}
}

func FuzzLinearYAMLStore(f *testing.F) {
	for _, d := range yamlCorpus(30) {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 4096 {
			return // sops' own store is quadratic
		}
		compareYAMLStores(t, in)
	})
}

// TestLinearYAMLStoreRefusesAliasCycles: on a document after the first
// holding an alias to a node that contains it, sops' store recurses until
// the process dies (a fatal stack overflow, not a recoverable panic); ours
// refuses it with an error.
func TestLinearYAMLStoreRefusesAliasCycles(t *testing.T) {
	for _, in := range []string{"a: 1\n---\nb: &x [*x]\n", "a: 1\n---\nb: &x {c: *x}\n", "a: {b: 1, <<: {b: &x [*x]}}\n"} {
		_, err := linearStore(FormatYAML, config.NewStoresConfig()).LoadPlainFile([]byte(in))
		if err == nil || !strings.Contains(err.Error(), "alias") {
			t.Errorf("%q: %v, want the alias cycle refused", in, err)
		}
	}
}
