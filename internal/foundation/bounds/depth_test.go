package bounds

import (
	"encoding/json"
	"errors"
	"math/rand"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// nest builds a random value exactly depth containers deep.
func nest(r *rand.Rand, depth int) any {
	if depth == 0 {
		return []any{"x", 1, "ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]", "[not a list]", "{}"}[r.Intn(5)]
	}
	inner := nest(r, depth-1)
	switch r.Intn(3) {
	case 0:
		return []any{"s", inner}
	case 1:
		return map[string]any{"k": "v", "deeper": inner}
	default:
		return map[string]any{"list": []any{map[string]any{"a": inner}}}
	}
}

// depthOf counts containers along the deepest path.
func depthOf(v any) int {
	best := 0
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			best = max(best, depthOf(e))
		}
		return best + 1
	case map[string]any:
		for _, e := range v {
			best = max(best, depthOf(e))
		}
		return best + 1
	}
	return 0
}

// TestDepthScansAgreeWithParsers: for random documents emitted by the
// YAML (block and flow) and JSON encoders, the scans accept every document
// up to MaxDepth-1 containers deep (the YAML scan may count a block list
// of scalars one deeper) and refuse every one deeper than MaxDepth.
func TestDepthScansAgreeWithParsers(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 400; i++ {
		d := 1 + r.Intn(2*MaxDepth)
		v := map[string]any{"top": nest(r, d)}
		want := depthOf(v)
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		j, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{"yaml": CheckYAMLDepth(y), "json": CheckJSONDepth(j), "json as yaml": CheckYAMLDepth(j)} {
			switch {
			case want < MaxDepth && err != nil:
				t.Fatalf("%s, depth %d: refused: %v\n%s", name, want, err, y)
			case want > MaxDepth && !errors.Is(err, ErrTooDeep):
				t.Fatalf("%s, depth %d: accepted", name, want)
			}
		}
	}
}

// TestDepthScanCases: the forms a line scan could get wrong.
func TestDepthScanCases(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	for _, c := range []struct {
		name, doc string
		refuse    bool
	}{
		{"flow", "a: " + deep + "\n", true},
		{"flow over lines", "a: [\n" + strings.Repeat("  [\n", MaxDepth) + "]\n", true},
		{"compact sequences", strings.Repeat("- ", MaxDepth+1) + "x\n", true},
		{"in double quotes", "a: \"" + deep + "\"\n", false},
		{"in single quotes", "a: '" + deep + "'\n", false},
		{"in a comment", "a: b # " + deep + "\n", false},
		{"in a plain scalar", "a: b" + deep + "\n", false},
		{"in a literal block", "a: |\n  " + deep + "\n  x\nb: c\n", false},
		{"in a folded block", "a: >-\n   " + deep + "\nb: c\n", false},
		{"after a block, counted", "a: |\n  x\nb: " + deep + "\n", true},
		{"second document", "a: b\n---\nc: " + deep + "\n", true},
		{"documents reset", strings.Repeat("---\n"+strings.Repeat("[", MaxDepth-2)+strings.Repeat("]", MaxDepth-2)+"\n", 3), false},
	} {
		err := CheckYAMLDepth([]byte(c.doc))
		if c.refuse != (err != nil) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if err := CheckJSONDepth([]byte(`{"a": "` + deep + `", "b": "\"[[["}`)); err != nil {
		t.Errorf("JSON strings: %v", err)
	}
	if err := CheckJSONDepth([]byte(deep)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("JSON: %v", err)
	}
}

// TestDepthUnindentedSequences: sequences written at their key's column
// ("a:\n- b:\n  - c:") are counted at their real depth.
func TestDepthUnindentedSequences(t *testing.T) {
	var b strings.Builder
	for i := 0; i < MaxDepth/2+1; i++ {
		b.WriteString(strings.Repeat("  ", i) + "- k:\n")
	}
	doc := "top:\n" + b.String() + strings.Repeat("  ", MaxDepth/2+1) + "- x\n"
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	if d := depthOf(v); d <= MaxDepth {
		t.Fatalf("test document is only %d deep", d)
	}
	if err := CheckYAMLDepth([]byte(doc)); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("accepted a document %d deep", depthOf(v))
	}
}
