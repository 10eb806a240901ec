package testenv

import (
	"bytes"
	"math/rand"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The corpus of plaintext YAML the fast paths are tested on against the
// engine and the sops CLI (internal/lean/sopslite, internal/lean/leanwrap).

// trickyStrings are values that YAML emitters quote, escape or fold.
var trickyStrings = []string{
	"", " ", "yes", "no", "on", "off", "null", "~", "true", "False", "123", "0x1F", "0o17", "1e3",
	"1_000", ".5", "+1", "-", "-1", "a: b", "#x", "x #y", "multi\nline", "multi\nline\n", "tab\tx",
	"ünïcödé ✓", "'quote'", `"dq"`, "trailing ", " leading", `back\slash`, "*star", "&amp", "!bang",
	"%pct", "@at", "`tick`", "---", "...", "2024-01-01", "2024-01-01T10:00:00Z", "[a]", "{b}",
	"ctrl\x01x", "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]", strings.Repeat("long ", 40),
	"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "=", "<<", "?", ":", "|", ">",
}

// genValue builds a random plaintext value (maps are yaml.Nodes, so that
// key order is random but fixed).
func genValue(r *rand.Rand, depth int) *yaml.Node {
	kind := r.Intn(10)
	if depth > 3 && kind >= 7 {
		kind = r.Intn(7)
	}
	n := &yaml.Node{}
	switch kind {
	case 0, 1, 2:
		_ = n.Encode(trickyStrings[r.Intn(len(trickyStrings))])
	case 3:
		_ = n.Encode([]int{0, 1, -7, 42, 1 << 40, -(1 << 53)}[r.Intn(6)])
	case 4:
		_ = n.Encode([]float64{0.1, -2.5, 1e21, 3.0, 1e-7, 123456.789}[r.Intn(6)])
	case 5:
		_ = n.Encode(r.Intn(2) == 0)
	case 6:
		// Scalars as YAML text: null, timestamps, special floats, hex.
		n.Kind, n.Value = yaml.ScalarNode, []string{"null", "~", "2024-03-01", "2001-12-14t21:59:43.10-05:00", ".inf", "-.Inf", ".nan", "0x10", "010", "+12"}[r.Intn(10)]
	case 7, 8:
		n.Kind = yaml.MappingNode
		for i := r.Intn(5); i > 0; i-- {
			k := &yaml.Node{}
			_ = k.Encode(genKey(r))
			n.Content = append(n.Content, k, genValue(r, depth+1))
		}
		dedupe(n)
	case 9:
		n.Kind = yaml.SequenceNode
		for i := r.Intn(4); i > 0; i-- {
			n.Content = append(n.Content, genValue(r, depth+1))
		}
	}
	return n
}

func genKey(r *rand.Rand) string {
	keys := []string{"password", "token", "db_unencrypted", "data", "stringData", "name", "a", "key with space", "ünï", "x_enc", "123", "true", "-"}
	return keys[r.Intn(len(keys))] + strconv.Itoa(r.Intn(3))
}

func dedupe(m *yaml.Node) {
	seen := map[string]bool{}
	var out []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; !seen[k] && k != "sops" {
			seen[k] = true
			out = append(out, m.Content[i], m.Content[i+1])
		}
	}
	m.Content = out
}

// YAMLDocument is a random plaintext YAML file of one to three documents.
func YAMLDocument(r *rand.Rand) []byte {
	var b bytes.Buffer
	for d := 1 + r.Intn(3)/2; d > 0; d-- {
		m := &yaml.Node{Kind: yaml.MappingNode}
		for i := 1 + r.Intn(6); i > 0; i-- {
			k := &yaml.Node{}
			_ = k.Encode(genKey(r))
			m.Content = append(m.Content, k, genValue(r, 0))
		}
		dedupe(m)
		out, err := yaml.Marshal(m)
		if err != nil {
			panic(err)
		}
		if b.Len() > 0 {
			b.WriteString("---\n")
		}
		b.Write(out)
	}
	return b.Bytes()
}

// HandwrittenYAML covers YAML features the generator does not produce.
var HandwrittenYAML = []string{
	"a: &x {b: 1, c: [1, 2]}\nd: *x\ne:\n  <<: *x\n  f: 2\n",
	"list: []\nmap: {}\nnothing:\nempty: ''\n",
	"a: 1\n---\n---\nb: 2\n",
	"when: 2024-01-01\nat: 2024-01-01T10:00:00.5+02:00\n",
	"block: |\n  line one\n  line two\nfolded: >\n  folded\n  text\n",
	"big: 9223372036854775807\nneg: -9223372036854775808\nf: 1.0\ng: 1e+300\n",
	"\"quoted key\": v\n'single': w\n",
	"a:\n- b: 1\n  c:\n  - d\n  - - e\n",
}
