package valseval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/helmfile/vals"
	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlwalk"
)

// Evaluator is one vals runtime, with its cache: repeated references to
// one secret cost one fetch.
type Evaluator struct {
	rt       *vals.Runtime
	policy   valsproto.Policy
	files    valsproto.FileRule     // ref+file:// under the default policy
	envsubst valsproto.EnvsubstRule // ref+envsubst:// under the default policy
}

// New returns an Evaluator for the policy; vals' log lines go to log (nil:
// discarded). The file rule's working tree is the process' working
// directory (where vals resolves a relative ref+file:// path); the
// envsubst rule adds HELM_SECRETS_VALS_ENVSUBST_ALLOW from the
// environment.
func New(policy valsproto.Policy, log io.Writer) (*Evaluator, error) {
	if log == nil {
		log = io.Discard
	}
	rt, err := vals.New(vals.Options{LogOutput: log, FailOnMissingKeyInMap: true})
	if err != nil {
		return nil, err
	}
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	return &Evaluator{
		rt:       rt,
		policy:   policy,
		files:    valsproto.FileRule{Root: wd, Home: home, Deny: valsproto.KeyPaths(os.Getenv, home)},
		envsubst: valsproto.NewEnvsubstRule(settings.Load().ValsEnvsubstAllow),
	}, nil
}

// refStart finds the start of every expression, nested ones included:
// (secret)ref+PROVIDER://.
var refStart = regexp.MustCompile(`(?:secret)?ref\+([A-Za-z0-9_-]*)://`)

// refEnd is where vals' reference syntax ends a reference.
const refEnd = "+\n \",'\t\r"

// ref is one expression found in a value.
type ref struct {
	provider string
	text     string // ref+PROVIDER://… up to its end
}

// findRefs lists the expressions in s.
func findRefs(s string) []ref {
	var out []ref
	for _, m := range refStart.FindAllStringSubmatchIndex(s, -1) {
		rest := s[m[1]:]
		end := strings.IndexAny(rest, refEnd)
		if end < 0 {
			end = len(rest)
		}
		out = append(out, ref{provider: s[m[2]:m[3]], text: s[m[0]:m[1]] + rest[:end]})
	}
	return out
}

// shown is a reference as an error may show it: without its query
// (which may carry a role or secret id) and, for ref+echo:// (whose
// "reference" is the value), without anything after the scheme.
func (r ref) shown() string {
	if strings.EqualFold(r.provider, "echo") {
		return "ref+echo://…"
	}
	t := r.text
	if i := strings.Index(t, "?"); i >= 0 {
		frag := ""
		if j := strings.Index(t[i:], "#"); j >= 0 {
			frag = t[i+j:]
		}
		t = t[:i] + "?…" + frag
	}
	return t
}

// valueGot hides what a provider returned in vals' "expected a map" error.
var valueGot = regexp.MustCompile(`(?s)expected a map, got .*`)

// reason is vals' error without the reference it repeats and without any
// value it may quote.
func reason(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "expand ") {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
	}
	msg = valueGot.ReplaceAllString(msg, "expected a map, got a value that is not one")
	msg = strings.TrimSpace(msg)
	if len(msg) > 400 {
		msg = msg[:400] + "…"
	}
	return msg
}

// leftOver means a value still holds an expression vals did not evaluate
// (malformed): it is refused rather than passed on as if it were plain.
var leftOver = regexp.MustCompile(`(?:secret)?ref\+[A-Za-z0-9_-]+://`)

// value evaluates one string; where names it in errors. A whole-value
// reference keeps the type of what it resolves to (a map, a number).
// Every reference, nested ones and the ones they produce, is checked
// against the policy before it is looked up (expand.go).
func (e *Evaluator) value(where, s string) (any, error) {
	st := &expansionState{where: where}
	v, err := e.inValue(st, s)
	if err != nil {
		return nil, err
	}
	if err := malformed(st, s); err != nil {
		return nil, err
	}
	return v, nil
}

// malformed refuses a value that holds an expression of which nothing
// was evaluated: it is not passed on as if it were plain.
func malformed(st *expansionState, in string) error {
	if st.lookups > 0 || !leftOver.MatchString(in) {
		return nil
	}
	if refs := findRefs(in); len(refs) > 0 {
		return fmt.Errorf("%s: %s was not evaluated (malformed reference?)", st.where, refs[0].shown())
	}
	return fmt.Errorf("%s: a malformed reference was not evaluated", st.where)
}

// Literal evaluates the expressions inside one string value, as `vals
// get` does: the result is their values in place, as text.
func (e *Evaluator) Literal(source, s string) ([]byte, error) {
	st := &expansionState{where: source}
	out, err := e.inString(st, s)
	if err != nil {
		return nil, err
	}
	if err := malformed(st, s); err != nil {
		return nil, err
	}
	return []byte(out), nil
}

// Document evaluates every expression in a YAML (or JSON) document
// stream. Only the values holding an expression change; order and
// comments stay. format "json" prints JSON. noRefs: nothing to evaluate.
func (e *Evaluator) Document(source, format string, data []byte) (out []byte, noRefs bool, err error) {
	if !valsproto.HasRef(data) {
		return nil, true, nil
	}
	docs, err := yamlwalk.Documents(data)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", orDocument(source), err)
	}
	for _, d := range docs {
		at := func(path string) string { return fmt.Sprintf("%s: key %s", source, path) }
		if source == "" {
			at = func(path string) string { return "key " + path }
		}
		if err := e.walk(d, "", at); err != nil {
			return nil, false, err
		}
	}
	if format == "json" {
		out, err = encodeJSON(docs)
	} else {
		out, err = encodeAll(docs)
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", orDocument(source), err)
	}
	return out, false, nil
}

// walk evaluates the string scalars of n in place; at names a key path.
func (e *Evaluator) walk(n *yaml.Node, path string, at func(string) string) error {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := e.walk(c, path, at); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p := k
			if path != "" {
				p = path + "." + k
			}
			if err := e.walk(n.Content[i+1], p, at); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := e.walk(c, path+"["+strconv.Itoa(i)+"]", at); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		if n.ShortTag() != "!!str" || !strings.Contains(n.Value, "ref+") {
			return nil
		}
		if path == "" {
			path = "(document)"
		}
		v, err := e.value(at(path), n.Value)
		if err != nil {
			return err
		}
		return replace(n, v)
	}
	return nil
}

// replace sets n to v, keeping n's comments.
func replace(n *yaml.Node, v any) error {
	head, line, foot := n.HeadComment, n.LineComment, n.FootComment
	style := n.Style
	if err := n.Encode(v); err != nil {
		return err
	}
	if _, isStr := v.(string); isStr && n.Kind == yaml.ScalarNode && style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		n.Style = style
	}
	n.HeadComment, n.LineComment, n.FootComment = head, line, foot
	return nil
}

// encodeAll prints documents as a YAML stream.
func encodeAll(docs []*yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeJSON prints each document as indented JSON.
func encodeJSON(docs []*yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	for _, d := range docs {
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		out, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, err
		}
		b.Write(out)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// orDocument names an unnamed source.
func orDocument(source string) string {
	if source == "" {
		return "(document)"
	}
	return source
}
