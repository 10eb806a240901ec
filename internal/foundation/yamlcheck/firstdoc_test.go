package yamlcheck

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck/yamlchecktest"
)

// reference is the check as sops writes it: the YAML library's own
// decoder, quadratic in the keys of a mapping.
func reference(in []byte) (msg string, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = fmt.Sprint(r), true
		}
	}()
	if err := yaml.NewDecoder(bytes.NewReader(in)).Decode(make(map[string]interface{})); err != nil {
		return "error: " + err.Error(), false
	}
	return "ok", false
}

func ours(in []byte) (msg string, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = fmt.Sprint(r), true
		}
	}()
	if err := FirstDocument(in); err != nil {
		return "error: " + err.Error(), false
	}
	return "ok", false
}

// same fails t unless FirstDocument and the library agree on in: both
// accept, or both reject with the same message, or both panic.
func same(t *testing.T, in []byte) (rejected bool) {
	t.Helper()
	want, wantPanic := reference(in)
	got, gotPanic := ours(in)
	if wantPanic != gotPanic || (!wantPanic && got != want) {
		t.Fatalf("input %q:\nlibrary:     %s (panic %v)\nFirstDocument: %s (panic %v)", in, want, wantPanic, got, gotPanic)
	}
	return want != "ok"
}

func TestFirstDocumentHandCases(t *testing.T) {
	rejected := 0
	for _, c := range yamlchecktest.HandCases {
		if same(t, []byte(c)) {
			rejected++
		}
	}
	if rejected < 30 {
		t.Fatalf("only %d of %d hand cases rejected: the corpus lost its duplicate-key cases", rejected, len(yamlchecktest.HandCases))
	}
}

// TestFirstDocumentLargeMappings covers the hash path (mappings of more
// than 16 keys): duplicates at the ends, three and more equal keys, keys
// equal only in text, and a key whose value is where the duplicate is.
func TestFirstDocumentLargeMappings(t *testing.T) {
	for _, n := range []int{17, 40, 300} {
		var plain strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&plain, "k%d: v%d\n", i, i)
		}
		p := plain.String()
		for _, extra := range []string{"", "k0: again\n", "k0: x\nk0: y\nk1: z\n", "'k5': q\n", "\"k7\": q\n",
			"k1: {a: 1, a: 2}\n", "? [k1]\n: 1\n? [k2]\n: 2\n", "~: 1\n~: 2\n", "<<: {k1: 9}\n", "k3: &z 1\n*z : 2\n*z : 3\n"} {
			same(t, []byte(p+extra))
			same(t, []byte(extra+p))
			same(t, []byte("top:\n"+indent(p+extra)))
			same(t, []byte("top: [\n"+flow(p+extra)+"]\n"))
		}
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}

func flow(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return "{" + strings.Join(lines, ", ") + "}"
}

// TestFirstDocumentGenerated compares both on documents generated from a
// few keys, so that duplicates arise at every depth, with aliases, merges
// and every style of key.
func TestFirstDocumentGenerated(t *testing.T) {
	r := rand.New(rand.NewSource(18))
	rejected := 0
	const docs = 3000
	for range docs {
		if same(t, []byte(yamlchecktest.Generate(r))) {
			rejected++
		}
	}
	t.Logf("%d of %d generated documents rejected", rejected, docs)
	if rejected < docs/10 || rejected > docs*9/10 {
		t.Fatalf("%d of %d generated documents rejected: the generator no longer covers both outcomes", rejected, docs)
	}
}

// MaxErrors cuts the list of messages, never the rejection.
func TestFirstDocumentManyDuplicates(t *testing.T) {
	in := strings.Repeat("a: 1\n", 200) // 19,900 pairs
	err := FirstDocument([]byte(in))
	te, ok := err.(*yaml.TypeError)
	if !ok || len(te.Errors) != MaxErrors {
		t.Fatalf("got %v, want a TypeError of %d messages", err, MaxErrors)
	}
	want := yaml.NewDecoder(strings.NewReader(in)).Decode(make(map[string]interface{})).(*yaml.TypeError)
	for i, m := range te.Errors {
		if m != want.Errors[i] {
			t.Fatalf("message %d: %q, library %q", i, m, want.Errors[i])
		}
	}
}

func FuzzFirstDocument(f *testing.F) {
	for _, c := range yamlchecktest.HandCases {
		f.Add([]byte(c))
	}
	r := rand.New(rand.NewSource(1))
	for range 50 {
		f.Add([]byte(yamlchecktest.Generate(r)))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 4096 {
			return // the library's own check is quadratic
		}
		same(t, in)
	})
}
