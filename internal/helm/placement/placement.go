package placement

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/report"
	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlwalk"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
)

// Rule identifies a kind of finding (stable: JSON, SARIF rule ids, the
// exception file). The report types are check's, so both commands' SARIF
// and JSON share one shape.
type Rule = report.Rule

// The rules.
const (
	RuleConfigMap     Rule = "configmap"      // a ConfigMap's data or binaryData
	RuleEnvLiteral    Rule = "env-literal"    // a container's env[].value
	RuleContainerArgs Rule = "container-args" // a container's args or command
	RuleMetadata      Rule = "metadata"       // metadata.annotations or metadata.labels, at any depth
	RuleOtherField    Rule = "other-field"    // any other field of any kind (CRDs too), or a map key
	RuleNotes         Rule = "notes"          // the chart's NOTES.txt, when the stream holds it
	RuleUnparsed      Rule = "unparsed"       // text outside any field: a comment, a document that is not YAML
	RuleSecretEnv     Rule = "secret-env"     // a Secret holding a decrypted value is read as environment variables
)

// Level is a finding's severity (SARIF's names), check's.
type Level = report.Level

// The severities.
const (
	LevelError   = report.LevelError
	LevelWarning = report.LevelWarning
)

// RuleInfo describes a rule, as check's do.
type RuleInfo = report.RuleInfo

// Rules lists every rule, in a fixed order.
var Rules = []RuleInfo{
	{ID: RuleConfigMap, Level: LevelError, Description: "A decrypted value is in a ConfigMap (use a Secret)"},
	{ID: RuleEnvLiteral, Level: LevelError, Description: "A decrypted value is an env[].value literal (use a Secret, mounted as a volume)"},
	{ID: RuleContainerArgs, Level: LevelError, Description: "A decrypted value is in a container's args or command"},
	{ID: RuleMetadata, Level: LevelError, Description: "A decrypted value is in metadata annotations or labels"},
	{ID: RuleOtherField, Level: LevelError, Description: "A decrypted value is in a field that is not a Secret's data or stringData"},
	{ID: RuleNotes, Level: LevelError, Description: "A decrypted value is in the chart's notes"},
	{ID: RuleUnparsed, Level: LevelError, Description: "A decrypted value is in text outside any field (a comment, a document that is not YAML)"},
	{ID: RuleSecretEnv, Level: LevelWarning, Description: "A Secret holding a decrypted value is read as environment variables (prefer a volume mount)"},
}

func levelOf(r Rule) Level { return report.LevelOf(Rules, r) }

func describe(r Rule) string {
	for _, ri := range Rules {
		if ri.ID == r {
			return ri.Description
		}
	}
	return string(r)
}

// Redacted replaces a name taken from the manifest (a resource name, a
// map key, a template path) that holds a secret.
const Redacted = "[redacted]"

// DefaultMinLen is the shortest value looked for, in bytes after trimming
// white space: shorter ones occur in any manifest by chance.
const DefaultMinLen = 6

// Finding is one place where a secret lands. It names the secret by its
// values file and key path, never by its value.
type Finding struct {
	Rule      Rule   `json:"rule"`
	Level     Level  `json:"level"`
	Message   string `json:"message"`
	Source    string `json:"source"` // values file:key path
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	Field     string `json:"field"`              // path in the resource, "a.b[0].c" (keys with other characters as ["key"])
	Form      string `json:"form,omitempty"`     // plain, escaped, base64 or folded
	Template  string `json:"template,omitempty"` // the "# Source:" helm names
	Document  int    `json:"document"`           // 1-based, in the stream
	Line      int    `json:"line,omitempty"`     // 1-based, in the stream
	Reason    string `json:"reason,omitempty"`   // accepted: the exception's reason
}

// Resource is the finding's resource as kind/namespace/name (namespace
// left out when empty), or "(document N)".
func (f Finding) Resource() string {
	switch {
	case f.Rule == RuleNotes:
		return "(notes)"
	case f.Kind == "" && f.Name == "":
		return fmt.Sprintf("(document %d)", f.Document)
	case f.Namespace == "":
		return f.Kind + "/" + f.Name
	}
	return f.Kind + "/" + f.Namespace + "/" + f.Name
}

// Report is the outcome of Run.
type Report struct {
	Documents int      `json:"documents"` // documents in the stream
	Secrets   int      `json:"secrets"`   // values looked for
	Skipped   []string `json:"skipped,omitempty"`
	// InSecrets counts the fields of Secrets (data, stringData) holding a
	// decrypted value: where they belong.
	InSecrets int       `json:"inSecrets"`
	Findings  []Finding `json:"findings"` // in stream order
	Accepted  []Finding `json:"accepted"` // findings an exception accepts, with its reason
}

// Errors counts the findings of level error.
func (r *Report) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.Level == LevelError {
			n++
		}
	}
	return n
}

// Options configure Run.
type Options struct {
	// Manifest is the rendered stream: YAML documents separated by "---"
	// lines, as helm template prints them (the notes of helm install
	// after a "NOTES:" line too).
	Manifest []byte
	// Secrets are the decrypted values (redact.Leaves of each decrypted
	// values file).
	Secrets []redact.Secret
	// MinLen is the shortest value looked for (default DefaultMinLen; at
	// least redact.MinLen).
	MinLen int
	// Policy holds the accepted exceptions (nil: none).
	Policy *Policy
}

// Run finds every secret of o.Secrets in o.Manifest. A document that is
// not YAML is still searched; its findings are unparsed ones.
func Run(o Options) (*Report, error) {
	if o.MinLen <= 0 {
		o.MinLen = DefaultMinLen
	}
	s := &scan{finder: redact.NewFinder(o.Secrets, o.MinLen), secrets: o.Secrets, holding: map[secretID]map[string][]int{}, seen: map[string]bool{}}
	r := &Report{Secrets: len(o.Secrets) - len(s.finder.Skipped()), Skipped: s.finder.Skipped(), Findings: []Finding{}, Accepted: []Finding{}}
	s.report = r
	docs, notes, notesLine := split(o.Manifest)
	for _, d := range docs {
		if len(bytes.TrimSpace(d.text)) == 0 {
			continue
		}
		r.Documents++
		s.document(r.Documents, d)
	}
	s.resolveRefs()
	if notes != nil {
		s.raw(notes, notesLine, resource{doc: r.Documents + 1, template: "NOTES.txt"}, RuleNotes, "(NOTES)", nil)
	}
	if o.Policy != nil {
		kept := r.Findings[:0]
		for _, f := range r.Findings {
			if e := o.Policy.Match(f); e != nil {
				f.Reason = e.Reason
				r.Accepted = append(r.Accepted, f)
				continue
			}
			kept = append(kept, f)
		}
		r.Findings = kept
	}
	return r, nil
}

// chunk is one document of the stream and its first line (1-based).
type chunk struct {
	text []byte
	line int
}

// split cuts the stream into documents at "---" lines; what follows a
// "NOTES:" line (helm install's output) is the notes.
func split(b []byte) (docs []chunk, notes []byte, notesLine int) {
	start, startLine, line := 0, 1, 1
	for pos := 0; pos < len(b); line++ {
		end := bytes.IndexByte(b[pos:], '\n')
		next := len(b)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(b)
		}
		l := bytes.TrimRight(b[pos:end], "\r")
		switch {
		case string(l) == "NOTES:":
			docs = append(docs, chunk{b[start:pos], startLine})
			return docs, b[next:], line + 1
		case bytes.HasPrefix(l, []byte("---")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t'):
			docs = append(docs, chunk{b[start:pos], startLine})
			start, startLine = next, line+1
		}
		pos = next
	}
	docs = append(docs, chunk{b[start:], startLine})
	return docs, nil, 0
}

// secretID names a Secret of the stream.
type secretID struct{ namespace, name string }

// ref is a container's reference to a Secret through the environment.
type ref struct {
	res   resource
	id    secretID
	key   string // "" for envFrom: every key
	field string
	line  int
}

type resource struct {
	kind, apiVersion, namespace, name, template string
	doc                                         int
}

type scan struct {
	finder  *redact.Finder
	secrets []redact.Secret
	report  *Report
	// holding: per Secret, per data key, the secrets it holds.
	holding map[secretID]map[string][]int
	refs    []ref
	seen    map[string]bool // findings already reported
}

var sourceLine = regexp.MustCompile(`(?m)^# Source: (.*)$`)

// clean is s, or Redacted when s holds a secret.
func (s *scan) clean(v string) string {
	if s.finder.Contains([]byte(v)) {
		return Redacted
	}
	return v
}

func (s *scan) document(n int, d chunk) {
	// One pass over the text: the secrets in it and where each occurs
	// first (for those found in no field).
	inText := s.occurrences(d.text)
	hasSecret := len(inText) > 0
	hasRef := bytes.Contains(d.text, []byte("secretKeyRef")) || bytes.Contains(d.text, []byte("secretRef"))
	if !hasSecret && !hasRef {
		return
	}
	res := resource{doc: n}
	if m := sourceLine.FindSubmatch(d.text); m != nil {
		res.template = s.clean(strings.TrimSpace(string(m[1])))
	}
	var nodes []*yaml.Node
	err := bounds.CheckYAMLDepth(d.text)
	if err == nil {
		dec := yaml.NewDecoder(bytes.NewReader(d.text))
		for {
			var y yaml.Node
			if err = dec.Decode(&y); err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				break
			}
			nodes = append(nodes, &y)
		}
	}
	if err != nil {
		if hasSecret {
			s.unparsed(inText, d, res, "(not YAML)", nil)
		}
		return
	}
	found := map[int]bool{} // the secrets found in fields
	for _, y := range nodes {
		top := y
		if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
			top = top.Content[0]
		}
		r := res
		if top.Kind == yaml.MappingNode {
			r.kind = s.clean(scalar(top, "kind"))
			r.apiVersion = scalar(top, "apiVersion")
			if md := yamlwalk.Child(top, "metadata"); md != nil {
				r.name = s.clean(scalar(md, "name"))
				r.namespace = s.clean(scalar(md, "namespace"))
			}
		}
		w := walker{s: s, res: r, line0: d.line - 1, found: found}
		if hasSecret {
			w.walk(top, nil)
		}
		if hasRef {
			w.refs(top, nil)
		}
		if len(nodes) == 1 {
			res = r
		}
	}
	if hasSecret {
		// A secret in the text but in no field: in a comment (or in
		// the "# Source:" line).
		s.unparsed(inText, d, res, "(outside any field: a comment)", found)
	}
}

// occurrence is where a secret first occurs in a text, in which form.
type occurrence struct {
	si    int
	form  redact.Form
	start int
}

// occurrences lists the secrets in text with their first occurrence, in
// order of it.
func (s *scan) occurrences(text []byte) []occurrence {
	var out []occurrence
	var at map[int]int // secret -> index in out
	s.finder.Find(text, func(si int, form redact.Form, start, _ int) {
		if at == nil {
			at = map[int]int{}
		}
		i, ok := at[si]
		switch {
		case !ok:
			at[si] = len(out)
			out = append(out, occurrence{si, form, start})
		case start < out[i].start:
			out[i] = occurrence{si, form, start}
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// unparsed reports the occurrences in document d, except for the secrets
// in skip, as unparsed at field.
func (s *scan) unparsed(occ []occurrence, d chunk, res resource, field string, skip map[int]bool) {
	for _, o := range occ {
		if !skip[o.si] {
			s.add(res, RuleUnparsed, o.si, o.form, field, d.line+bytes.Count(d.text[:o.start], []byte("\n")), "")
		}
	}
}

// raw reports every secret in text, except those in skip, as found by
// rule at field.
func (s *scan) raw(text []byte, line int, res resource, rule Rule, field string, skip map[int]bool) {
	s.finder.Find(text, func(si int, form redact.Form, start, _ int) {
		if !skip[si] {
			s.add(res, rule, si, form, field, line+bytes.Count(text[:start], []byte("\n")), "")
		}
	})
}

func (s *scan) add(res resource, rule Rule, si int, form redact.Form, field string, line int, extra string) {
	src := s.secrets[si].Name
	k := fmt.Sprintf("%d\x00%s\x00%s\x00%s", res.doc, rule, src, field)
	if s.seen[k] {
		return
	}
	s.seen[k] = true
	f := Finding{
		Rule: rule, Level: levelOf(rule), Source: src,
		Kind: res.kind, Namespace: res.namespace, Name: res.name,
		Field: field, Form: string(form), Template: res.template, Document: res.doc, Line: line,
	}
	f.Message = fmt.Sprintf("%s: %s at %s of %s", describe(rule), src, field, f.Resource())
	if extra != "" {
		f.Message += extra
	}
	s.report.Findings = append(s.report.Findings, f)
}

// resolveRefs warns about the Secrets holding decrypted values that
// containers read through the environment.
func (s *scan) resolveRefs() {
	for _, r := range s.refs {
		keys := s.holding[r.id]
		if keys == nil {
			continue
		}
		var names []string
		if r.key != "" {
			names = []string{r.key}
		} else {
			for k := range keys {
				names = append(names, k)
			}
			sort.Strings(names)
		}
		for _, k := range names {
			for _, si := range keys[k] {
				s.add(r.res, RuleSecretEnv, si, "", r.field, r.line,
					fmt.Sprintf(" (Secret %s, key %s)", s.clean(r.id.name), s.clean(k)))
			}
		}
	}
}

// step is one element of a field path.
type step struct {
	key   string
	index int // -1 for a key
}

type walker struct {
	s     *scan
	res   resource
	line0 int
	found map[int]bool
}

// walk visits every key and scalar below n. Aliases are not followed: an
// anchored value is searched where it is defined.
func (w *walker) walk(n *yaml.Node, path []step) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			w.walk(c, path)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			p := append(path, step{key: k.Value, index: -1})
			if k.Kind == yaml.ScalarNode {
				w.scalar(k, p, true)
			}
			w.walk(n.Content[i+1], p)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.walk(c, append(path, step{index: i}))
		}
	case yaml.ScalarNode:
		w.scalar(n, path, false)
	}
}

func (w *walker) scalar(n *yaml.Node, path []step, isKey bool) {
	if len(n.Value) < redact.MinLen {
		return
	}
	type hit struct {
		si   int
		form redact.Form
	}
	var hits []hit
	seen := map[int]bool{}
	w.s.finder.Find([]byte(n.Value), func(si int, form redact.Form, _, _ int) {
		if !seen[si] {
			seen[si] = true
			hits = append(hits, hit{si, form})
		}
	})
	if len(hits) == 0 {
		return
	}
	for _, h := range hits {
		w.found[h.si] = true
	}
	field := w.s.fieldPath(path)
	if isKey {
		field += " (key)"
	}
	rule, fine := classify(w.res, path, isKey)
	for _, h := range hits {
		if fine {
			id := secretID{w.res.namespace, w.res.name}
			if w.s.holding[id] == nil {
				w.s.holding[id] = map[string][]int{}
			}
			key := path[1].key
			w.s.holding[id][key] = append(w.s.holding[id][key], h.si)
			w.s.report.InSecrets++
			continue
		}
		w.s.add(w.res, rule, h.si, h.form, field, w.line0+n.Line, "")
	}
}

// refs records env[].valueFrom.secretKeyRef and envFrom[].secretRef
// below n.
func (w *walker) refs(n *yaml.Node, path []step) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := append(path, step{key: k.Value, index: -1})
			parent := ""
			if len(path) > 0 {
				parent = path[len(path)-1].key
			}
			grand := ""
			if len(path) > 1 {
				grand = path[len(path)-2].key
			}
			switch {
			case k.Value == "secretKeyRef" && parent == "valueFrom" && v.Kind == yaml.MappingNode:
				w.s.refs = append(w.s.refs, ref{res: w.res, id: secretID{w.res.namespace, scalar(v, "name")}, key: scalar(v, "key"), field: w.s.fieldPath(p), line: w.line0 + k.Line})
			case k.Value == "secretRef" && grand == "envFrom" && v.Kind == yaml.MappingNode:
				w.s.refs = append(w.s.refs, ref{res: w.res, id: secretID{w.res.namespace, scalar(v, "name")}, field: w.s.fieldPath(p), line: w.line0 + k.Line})
			default:
				w.refs(v, p)
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.refs(c, append(path, step{index: i}))
		}
	}
}

// classify says which rule a secret at path of res falls under; fine is
// true for a Secret's data and stringData values.
func classify(res resource, path []step, isKey bool) (rule Rule, fine bool) {
	if isKey {
		if res.kind == "ConfigMap" && len(path) == 2 && (path[0].key == "data" || path[0].key == "binaryData") {
			return RuleConfigMap, false
		}
		if isMetadata(path) {
			return RuleMetadata, false
		}
		return RuleOtherField, false
	}
	top := ""
	if len(path) > 0 {
		top = path[0].key
	}
	switch {
	case res.kind == "Secret" && res.apiVersion == "v1" && len(path) == 2 && path[1].index < 0 && (top == "data" || top == "stringData"):
		return "", true
	case res.kind == "ConfigMap" && (top == "data" || top == "binaryData"):
		return RuleConfigMap, false
	case isMetadata(path):
		return RuleMetadata, false
	}
	n := len(path)
	if n >= 3 && path[n-3].key == "env" && path[n-2].index >= 0 && path[n-1].key == "value" {
		return RuleEnvLiteral, false
	}
	for i := 0; i+2 < n; i++ {
		switch path[i].key {
		case "containers", "initContainers", "ephemeralContainers":
			if path[i+1].index >= 0 && (path[i+2].key == "args" || path[i+2].key == "command") {
				return RuleContainerArgs, false
			}
		}
	}
	return RuleOtherField, false
}

// isMetadata: the path runs through metadata.annotations or
// metadata.labels (of the resource or of a template inside it).
func isMetadata(path []step) bool {
	for i := 0; i+1 < len(path); i++ {
		if path[i].key == "metadata" && path[i].index < 0 && (path[i+1].key == "annotations" || path[i+1].key == "labels") {
			return true
		}
	}
	return false
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// fieldPath writes path as a.b[0].c; keys with other characters as
// ["key"], keys holding a secret as [redacted].
func (s *scan) fieldPath(path []step) string {
	var b strings.Builder
	for _, st := range path {
		switch {
		case st.index >= 0:
			b.WriteString("[" + strconv.Itoa(st.index) + "]")
		case s.finder.Contains([]byte(st.key)):
			b.WriteString(Redacted)
		case plainKey.MatchString(st.key):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(st.key)
		default:
			b.WriteString("[" + strconv.Quote(st.key) + "]")
		}
	}
	return b.String()
}

// scalar is the value of key in mapping m, "" when absent or not a scalar.
func scalar(m *yaml.Node, key string) string {
	if c := yamlwalk.Child(m, key); c != nil && c.Kind == yaml.ScalarNode {
		return c.Value
	}
	return ""
}
