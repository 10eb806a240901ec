package yamlcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck/yamlchecktest"
)

// checkStream runs Aliases over every document of in.
func checkStream(in string) error {
	d := yaml.NewDecoder(strings.NewReader(in))
	var a Aliases
	for {
		var doc yaml.Node
		if err := d.Decode(&doc); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if err := a.Document(&doc); err != nil {
			return err
		}
	}
}

func bomb() string { return yamlchecktest.AliasBomb(10) }

func chain(n int) string { return yamlchecktest.AliasChain(n) }

// TestAliasesRefuses: alias bombs and chains are refused in any document
// of a stream, and across documents; each check takes milliseconds.
func TestAliasesRefuses(t *testing.T) {
	cross := "a: &big [" + strings.Repeat("\"0123456789\",", 20000) + "x]\n" + strings.Repeat("---\nb: [*big, *big, *big, *big, *big, *big, *big, *big]\n", 40)
	for name, in := range map[string]string{
		"first document":            bomb(),
		"second document":           "a: 1\n---\n" + bomb(),
		"tenth document":            strings.Repeat("a: 1\n---\n", 9) + bomb(),
		"chain of 3000":             "a: 1\n---\n" + chain(3000),
		"chain just over the depth": chain(bounds.MaxDepth + 1),
		"across documents":          cross,
		"cycle":                     "a: 1\n---\nb: &x [*x]\n",
		"cycle in a mapping":        "a: 1\n---\nb: &x {c: *x}\n",
	} {
		start := time.Now()
		err := checkStream(in)
		if !errors.Is(err, ErrAliases) {
			t.Errorf("%s (%d bytes): %v, want ErrAliases", name, len(in), err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
	if n := len("a: 1\n---\n" + bomb()); n > 700 {
		t.Errorf("the bomb is %d bytes", n)
	}
}

// TestAliasesAccepts: documents without aliases, and the aliases values
// files use (defaults merged in a few places, a chain within the depth),
// pass, whatever their size.
func TestAliasesAccepts(t *testing.T) {
	var big bytes.Buffer
	for i := range 3000 {
		fmt.Fprintf(&big, "k%d: {a: [1, 2, \"three\"], b: x}\n", i)
	}
	var merges strings.Builder
	merges.WriteString("defaults: &d {image: nginx, tag: \"1.0\", pull: IfNotPresent, resources: {cpu: 1, mem: 2Gi}}\n")
	for i := range 500 {
		fmt.Fprintf(&merges, "svc%d: {<<: *d, name: s%d}\n", i, i)
	}
	for name, in := range map[string]string{
		"large plain":          big.String(),
		"large, 3 documents":   big.String() + "---\n" + big.String() + "---\n" + big.String(),
		"merges":               merges.String(),
		"merges in document 2": "a: 1\n---\n" + merges.String(),
		"chain within depth":   chain(bounds.MaxDepth - 2),
		"alias to document 1":  "a: &a {b: c}\n---\nd: *a\n",
		"empty":                "",
	} {
		if err := checkStream(in); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestAliasesBound: a document that aliases its own large anchor once
// passes, fifty times does not.
func TestAliasesBound(t *testing.T) {
	anchor := "a: &a [" + strings.Repeat("\"0123456789abcdef\",", 20000) + "x]\n"
	if err := checkStream(anchor + "b: [*a]\n"); err != nil {
		t.Errorf("one alias of a large anchor: %v", err)
	}
	if err := checkStream(anchor + "b: [" + strings.Repeat("*a,", 50) + "*a]\n"); !errors.Is(err, ErrAliases) {
		t.Errorf("fifty aliases of a large anchor: %v", err)
	}
}
