package yamlchecktest

import (
	"fmt"
	"math/rand"
	"strings"
)

// HandCases are the inputs the decoder treats specially: duplicate keys
// of every kind and at every depth, anchors, aliases, merge keys, flow
// mappings, quoting, null and complex keys, tags, several documents.
var HandCases = []string{
	"", " ", "\n", "# only a comment\n", "---\n", "--- \n...\n", "a: 1\n", "a: 1\na: 2\n",
	"a: 1\nb: 2\na: 3\na: 4\nb: 5\n", "a: {b: 1, b: 2}\n", "a:\n  b:\n    c: 1\n    c: 2\n",
	"a: [ {x: 1, x: 2} ]\n", "'a': 1\na: 2\n", "\"a\": 1\n'a': 2\n", "1: a\n'1': b\n",
	"~: 1\nnull: 2\n", "? ~\n: 1\n? ~\n: 2\n", ": 1\n", "? [a]\n: 1\n", "? {a: 1}\n: 1\n",
	"? {a: 1}\n: 1\n? {b: 2}\n: 2\n", "x:\n  ? [a]\n  : 1\n", "x:\n  ? {a: 1}\n  : 1\n", "x:\n  1: a\n  ? [b]\n  : c\n",
	"a: &x {k: 1}\nb: *x\n", "a: &x {k: 1, k: 2}\nb: *x\n", "a: &x 1\n*x : 2\n", "a: &x 1\n*x : 2\n*x : 3\n",
	"a: &x {k: 1}\nb:\n  <<: *x\n  k: 2\n", "a: &x {k: 1}\nb:\n  <<: *x\n  <<: *x\n",
	"a: &x {k: 1}\nb: &y {j: 2}\nc:\n  <<: [*x, *y]\n  j: 3\n", "b:\n  <<: {k: 1, k: 2}\n", "b:\n  <<: 1\n",
	"b:\n  <<: [1]\n", "a: &x 1\nb:\n  <<: *x\n", "a: &x [1]\nb:\n  <<: [*x]\n", "b:\n  !!merge <<: {k: 1}\n",
	"b:\n  '<<': {k: 1}\n", "b:\n  <<: {? [a] : 1}\n", "b:\n  ? [a]\n  : 1\n  <<: {c: 1}\n", "b:\n  ? {a: 1}\n  : 1\n  <<: {c: 1}\n",
	"- a\n- b\n", "just a string\n", "42\n", "!!int abc: 1\n", "a: !!int abc\n", "a: !!binary '%%%'\n",
	"!!binary aGVsbG8=: 1\n", "a: !!binary aGVsbG8=\n", "!!float x: 1\n", "a: !!bool maybe\n", "a: !custom 1\n", "!custom k: 1\nk: 2\n",
	"a: 1\n---\na: 1\na: 2\n", "a: 1\na: 2\n---\nb: 1\n", "---\n- 1\n---\na: 1\n", "a: b: c\n", "a: [1, 2\n", "a: *nope\n",
	"&a [*a]\n", "a: &a [*a]\n", "a: &a {b: *a}\n", "a: 2001-12-14\n2001-12-14: a\n", "true: 1\n'true': 2\n", "a: .inf\n.nan: 1\n",
	"%YAML 1.1\n---\na: 1\n", "a: |\n  x\n  y\nb: >\n  z\n", "a: 1 # c\na: 2 # d\n", "{a: 1, a: 1}\n", "[a, b]: 1\n",
	"a: {? [x] : 1, ? [x] : 2}\n", "x: &k {a: 1}\ny: {*k : 1}\n", "x:\n  - &k {a: 1}\n  - {*k : 1, *k : 2}\n",
	"a: 1\n<<: {a: 2, b: 3}\n", "<<: {<<: {a: 1}}\n", "a: &x {<<: {k: 1}, k: 2}\nb: {<<: [*x, {k: 3}]}\n",
	"a:\n  b: 1\n  b: 2\nc:\n  d: 1\n  d: 2\n", "a: [{b: 1, b: 2}, {c: 1, c: 2}]\n",
}

// Generate returns a random YAML stream built from few distinct keys, so
// that equal keys (in every quoting) arise at every depth, with anchors,
// aliases, merge keys, flow and block collections, null, tagged and
// complex keys and several documents.
func Generate(r *rand.Rand) string {
	g := &gen{r: r}
	var b strings.Builder
	docs := 1 + r.Intn(2)
	for i := 0; i < docs; i++ {
		if i > 0 || r.Intn(4) == 0 {
			b.WriteString("---\n")
		}
		g.anchors = g.anchors[:0]
		g.block(&b, 0, 0)
	}
	return b.String()
}

type gen struct {
	r       *rand.Rand
	anchors []string
	n       int
}

var keyForms = []string{"a", "b", "'a'", "\"b\"", "c", "1", "'1'", "~", "null", "true", "<<", "!!str a", "!!int 1", "2001-01-01"}

func (g *gen) key() string {
	switch g.r.Intn(20) {
	case 0:
		if len(g.anchors) > 0 {
			return "*" + g.anchors[g.r.Intn(len(g.anchors))] + " "
		}
	case 1:
		return "? [x]\n"
	case 2:
		return "? {x: 1}\n"
	}
	return keyForms[g.r.Intn(len(keyForms))]
}

func (g *gen) anchor() string {
	if g.r.Intn(5) != 0 {
		return ""
	}
	g.n++
	name := fmt.Sprintf("n%d", g.n)
	g.anchors = append(g.anchors, name)
	return "&" + name + " "
}

func (g *gen) scalar() string {
	switch g.r.Intn(8) {
	case 0:
		if len(g.anchors) > 0 {
			return "*" + g.anchors[g.r.Intn(len(g.anchors))]
		}
	case 1:
		return "!!binary aGk="
	case 2:
		return "~"
	}
	return []string{"x", "'y'", "1", "1.5", "true", "2001-01-01", "\"z\""}[g.r.Intn(7)]
}

func (g *gen) flow(depth int) string {
	if depth > 2 || g.r.Intn(3) == 0 {
		return g.scalar()
	}
	if g.r.Intn(2) == 0 {
		var items []string
		for range g.r.Intn(3) {
			items = append(items, g.flow(depth+1))
		}
		return g.anchor() + "[" + strings.Join(items, ", ") + "]"
	}
	var items []string
	for range g.r.Intn(4) {
		k := g.key()
		if strings.HasPrefix(k, "?") {
			k = strings.TrimSpace(strings.TrimPrefix(k, "?"))
			items = append(items, "? "+k+" : "+g.flow(depth+1))
			continue
		}
		items = append(items, strings.TrimSpace(k)+": "+g.flow(depth+1))
	}
	return g.anchor() + "{" + strings.Join(items, ", ") + "}"
}

func (g *gen) block(b *strings.Builder, depth, ind int) {
	pad := strings.Repeat("  ", ind)
	for range 1 + g.r.Intn(4) {
		k := g.key()
		if strings.HasPrefix(k, "?") {
			b.WriteString(pad + k + pad + ": " + g.flow(depth+1) + "\n")
			continue
		}
		if k == "<<" && g.r.Intn(2) == 0 && len(g.anchors) > 0 {
			b.WriteString(pad + "<<: *" + g.anchors[g.r.Intn(len(g.anchors))] + "\n")
			continue
		}
		b.WriteString(pad + k + ":")
		switch {
		case depth < 3 && g.r.Intn(3) == 0:
			// The anchor is usable after its mapping only: an alias
			// inside it would be a cycle, on which sops' store never
			// ends (HandCases has cycles in a first document).
			a := g.anchor()
			if a != "" {
				g.anchors = g.anchors[:len(g.anchors)-1]
			}
			b.WriteString(" " + strings.TrimSpace(a) + "\n")
			g.block(b, depth+1, ind+1)
			if a != "" {
				g.anchors = append(g.anchors, strings.TrimSpace(a)[1:])
			}
		case depth < 3 && g.r.Intn(4) == 0:
			b.WriteString("\n")
			for range 1 + g.r.Intn(2) {
				b.WriteString(pad + "- " + g.flow(depth+1) + "\n")
			}
		default:
			b.WriteString(" " + g.flow(depth+1) + "\n")
		}
	}
}
