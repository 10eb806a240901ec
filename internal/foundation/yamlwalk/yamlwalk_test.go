package yamlwalk

import (
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestScalars(t *testing.T) {
	var doc yaml.Node
	src := "a: 1\nb:\n  c: [x, {d: y}]\n  \"\": e\nanchor: &v z\nalias: *v\nlist:\n  - - deep\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	var dotted, bracketed, values []string
	Scalars(&doc, func(path []Step, n *yaml.Node) {
		dotted = append(dotted, Dotted(path))
		bracketed = append(bracketed, Bracketed(path))
		values = append(values, n.Value)
	})
	if want := []string{"a", "b.c.0", "b.c.1.d", "b.", "anchor", "list.0.0"}; !slices.Equal(dotted, want) {
		t.Errorf("dotted %q, want %q", dotted, want)
	}
	if want := []string{"a", "b.c[0]", "b.c[1].d", "b.", "anchor", "list[0][0]"}; !slices.Equal(bracketed, want) {
		t.Errorf("bracketed %q, want %q", bracketed, want)
	}
	if want := []string{"1", "x", "y", "e", "z", "deep"}; !slices.Equal(values, want) {
		t.Errorf("values %q, want %q", values, want)
	}

	var root yaml.Node
	if err := yaml.Unmarshal([]byte("just a string\n"), &root); err != nil {
		t.Fatal(err)
	}
	n := 0
	Scalars(&root, func(path []Step, v *yaml.Node) {
		n++
		if len(path) != 0 || Dotted(path) != "" || Bracketed(path) != "" || v.Value != "just a string" {
			t.Errorf("root scalar: path %v, value %q", path, v.Value)
		}
	})
	if n != 1 {
		t.Errorf("%d calls for a root scalar", n)
	}
}
