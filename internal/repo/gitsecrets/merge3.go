package gitsecrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"gopkg.in/ini.v1"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlwalk"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// The conflict markers the merge driver writes into the value of a key
// changed on both sides, and that edit refuses to save.
const (
	MarkerOurs   = "<<<<<<< ours"
	MarkerSep    = "======="
	MarkerTheirs = ">>>>>>> theirs"
)

// absentText stands for a side that deleted the key, inside conflict markers.
const absentText = "(key deleted)"

// errCannotMerge: the documents cannot be merged key by key (a format
// without structure, documents of different counts, a root that is not a
// mapping on both sides); the caller reports a whole-file conflict.
var errCannotMerge = errors.New("cannot merge key by key")

// HasConflictMarkers reports whether text still holds the conflict markers
// the merge driver writes (begin or end marker).
func HasConflictMarkers(text []byte) bool {
	return bytes.Contains(text, []byte(MarkerOurs)) || bytes.Contains(text, []byte(MarkerTheirs))
}

// merge3 merges the plaintexts of base, ours and theirs (YAML, JSON,
// dotenv or INI, as sops emits them) key by key; an INI file merges by
// section and key. base may be nil (the file was added on
// both sides). It returns the merged plaintext, in the same format, and
// the key paths that conflict (their values replaced by conflict markers).
func merge3(format encrypt.Format, base, ours, theirs []byte) ([]byte, []string, error) {
	parse := parseDocs
	switch format {
	case encrypt.FormatYAML, encrypt.FormatJSON:
	case encrypt.FormatDotenv:
		parse = parseDotenv
	case encrypt.FormatINI:
		parse = parseINI
	default:
		return nil, nil, fmt.Errorf("%w: %s files", errCannotMerge, format)
	}
	bd, err := parse(base)
	if err != nil {
		return nil, nil, fmt.Errorf("base: %w", err)
	}
	od, err := parse(ours)
	if err != nil {
		return nil, nil, fmt.Errorf("ours: %w", err)
	}
	td, err := parse(theirs)
	if err != nil {
		return nil, nil, fmt.Errorf("theirs: %w", err)
	}
	if len(od) != len(td) || (len(bd) != 0 && len(bd) != len(od)) {
		return nil, nil, fmt.Errorf("%w: the versions hold different numbers of documents", errCannotMerge)
	}
	m := &merger{json: format == encrypt.FormatJSON}
	out := make([]*yaml.Node, len(od))
	for i := range od {
		var b *yaml.Node
		if len(bd) > 0 {
			b = root(bd[i])
		}
		o, t := root(od[i]), root(td[i])
		if !isMap(o) || !isMap(t) || (b != nil && !isMap(b)) {
			return nil, nil, fmt.Errorf("%w: a document is not a mapping", errCannotMerge)
		}
		r := m.merge(nil, b, o, t)
		doc := *od[i]
		doc.Content = []*yaml.Node{r}
		out[i] = &doc
	}
	var buf bytes.Buffer
	if format == encrypt.FormatDotenv {
		writeDotenv(&buf, root(out[0]))
	} else if format == encrypt.FormatINI {
		if err := writeINI(&buf, root(out[0])); err != nil {
			return nil, nil, err
		}
	} else if m.json {
		if len(out) != 1 {
			return nil, nil, fmt.Errorf("%w: a JSON file holds one document", errCannotMerge)
		}
		writeJSON(&buf, root(out[0]), "")
		buf.WriteByte('\n')
	} else {
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(4)
		for _, d := range out {
			if err := enc.Encode(d); err != nil {
				return nil, nil, fmt.Errorf("emit: %w", err)
			}
		}
		if err := enc.Close(); err != nil {
			return nil, nil, fmt.Errorf("emit: %w", err)
		}
	}
	return buf.Bytes(), m.conflicts, nil
}

// parseDocs parses every YAML document of data (JSON is YAML). Parser
// errors are reduced to their position: they may quote the text.
func parseDocs(data []byte) ([]*yaml.Node, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	docs, err := yamlwalk.Documents(data)
	if err != nil {
		return nil, fmt.Errorf("not a valid document: %s", encrypt.ParseErrorText(err, data))
	}
	return docs, nil
}

func root(doc *yaml.Node) *yaml.Node {
	if doc != nil && doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0]
	}
	return doc
}

func isMap(n *yaml.Node) bool { return n != nil && n.Kind == yaml.MappingNode }

type merger struct {
	json      bool
	conflicts []string
}

// merge returns the merge of one value; nil means absent (deleted).
func (m *merger) merge(path []string, b, o, t *yaml.Node) *yaml.Node {
	switch {
	case equal(o, t):
		return o
	case equal(b, o):
		return t
	case equal(b, t):
		return o
	case isMap(o) && isMap(t) && (b == nil || isMap(b)):
		return m.mergeMap(path, b, o, t)
	}
	m.conflicts = append(m.conflicts, keyPath(path))
	return &yaml.Node{
		Kind:  yaml.ScalarNode,
		Tag:   "!!str",
		Style: yaml.LiteralStyle,
		Value: MarkerOurs + "\n" + m.text(o) + "\n" + MarkerSep + "\n" + m.text(t) + "\n" + MarkerTheirs,
	}
}

func (m *merger) mergeMap(path []string, b, o, t *yaml.Node) *yaml.Node {
	r := *o
	r.Content = nil
	inOurs := map[string]bool{}
	for i := 0; i+1 < len(o.Content); i += 2 {
		k := o.Content[i].Value
		inOurs[k] = true
		if v := m.merge(append(path[:len(path):len(path)], k), lookup(b, k), o.Content[i+1], lookup(t, k)); v != nil {
			r.Content = append(r.Content, o.Content[i], v)
		}
	}
	for i := 0; i+1 < len(t.Content); i += 2 {
		k := t.Content[i].Value
		if inOurs[k] {
			continue
		}
		if v := m.merge(append(path[:len(path):len(path)], k), lookup(b, k), nil, t.Content[i+1]); v != nil {
			r.Content = append(r.Content, t.Content[i], v)
		}
	}
	return &r
}

func lookup(n *yaml.Node, key string) *yaml.Node {
	if !isMap(n) {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// equal compares two values by content: kinds, tags, scalar values,
// mapping keys (in any order) and sequence elements (in order); styles and
// comments do not count. nil is an absent value.
func equal(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind == yaml.AliasNode {
		a = a.Alias
	}
	if b.Kind == yaml.AliasNode {
		b = b.Alias
	}
	if a == nil || b == nil || a.Kind != b.Kind {
		return a == b
	}
	switch a.Kind {
	case yaml.ScalarNode:
		return a.ShortTag() == b.ShortTag() && a.Value == b.Value
	case yaml.MappingNode:
		if len(a.Content) != len(b.Content) {
			return false
		}
		for i := 0; i+1 < len(a.Content); i += 2 {
			if !equal(a.Content[i+1], lookup(b, a.Content[i].Value)) {
				return false
			}
		}
		return true
	default:
		if len(a.Content) != len(b.Content) {
			return false
		}
		for i := range a.Content {
			if !equal(a.Content[i], b.Content[i]) {
				return false
			}
		}
		return true
	}
}

// text renders one side of a conflict: a scalar as its value, anything
// else as YAML (or JSON) text.
func (m *merger) text(n *yaml.Node) string {
	switch {
	case n == nil:
		return absentText
	case n.Kind == yaml.ScalarNode:
		return n.Value
	case m.json:
		var b bytes.Buffer
		writeJSON(&b, n, "")
		return b.String()
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(4)
	if err := enc.Encode(n); err != nil {
		return fmt.Sprintf("(a %s value)", kindName(n))
	}
	_ = enc.Close()
	return strings.TrimRight(b.String(), "\n")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "scalar"
}

// keyPath writes a key path as "a.b.c"; keys that hold a dot, a bracket,
// a quote or white space are quoted: a["b.c"].
func keyPath(path []string) string {
	var b strings.Builder
	for i, k := range path {
		if k == "" || strings.ContainsAny(k, ".[]\"' \t\n") {
			b.WriteString("[" + strconv.Quote(k) + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	if b.Len() == 0 {
		return "(document)"
	}
	return b.String()
}

// writeJSON writes a node parsed from JSON (or a merge of such nodes) as
// JSON, keeping the order of keys.
func writeJSON(w *bytes.Buffer, n *yaml.Node, indent string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	in := indent + "    "
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			w.WriteString("{}")
			return
		}
		w.WriteString("{\n")
		for i := 0; i+1 < len(n.Content); i += 2 {
			w.WriteString(in)
			writeJSONString(w, n.Content[i].Value)
			w.WriteString(": ")
			writeJSON(w, n.Content[i+1], in)
			if i+2 < len(n.Content) {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		w.WriteString(indent + "}")
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			w.WriteString("[]")
			return
		}
		w.WriteString("[\n")
		for i, c := range n.Content {
			w.WriteString(in)
			writeJSON(w, c, in)
			if i+1 < len(n.Content) {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		w.WriteString(indent + "]")
	default:
		switch n.ShortTag() {
		case "!!null":
			w.WriteString("null")
		case "!!bool", "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				w.WriteString(n.Value)
				return
			}
			writeJSONString(w, n.Value)
		default:
			writeJSONString(w, n.Value)
		}
	}
}

func writeJSONString(w *bytes.Buffer, s string) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	w.Truncate(w.Len() - 1) // Encode's newline
}

// parseDotenv reads sops' plaintext dotenv form (KEY=VALUE lines, \n for
// a newline in a value, # comments) as one mapping of strings; comment
// lines go with the key that follows them.
func parseDotenv(data []byte) ([]*yaml.Node, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	var comments []string
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case line == "":
			continue
		case line[0] == '#':
			comments = append(comments, line[1:])
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("not a valid dotenv document: line %d has no '='", i+1)
		}
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, HeadComment: strings.Join(comments, "\n")},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: strings.ReplaceAll(v, "\\n", "\n")})
		comments = nil
	}
	return []*yaml.Node{{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}}, nil
}

// writeDotenv writes a mapping of strings as sops' plaintext dotenv form.
func writeDotenv(w *bytes.Buffer, m *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if c := m.Content[i].HeadComment; c != "" {
			for _, l := range strings.Split(c, "\n") {
				w.WriteString("#" + l + "\n")
			}
		}
		w.WriteString(m.Content[i].Value + "=" + strings.ReplaceAll(m.Content[i+1].Value, "\n", "\\n") + "\n")
	}
}

// parseINI reads sops' plaintext INI form, with the INI library and options
// sops' INI store uses, as one mapping of sections (the unnamed section is
// DEFAULT), each a mapping of strings. Comments go with their section or
// key. A section name that occurs twice cannot be merged by name.
func parseINI(data []byte) ([]*yaml.Node, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	f, err := ini.LoadSources(ini.LoadOptions{AllowNonUniqueSections: true}, data)
	if err != nil {
		// The library's errors may quote the line.
		return nil, errors.New("not a valid INI document")
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	seen := map[string]bool{}
	for _, sec := range f.Sections() {
		if seen[sec.Name()] {
			return nil, fmt.Errorf("%w: section %s occurs more than once", errCannotMerge, keyPath([]string{sec.Name()}))
		}
		seen[sec.Name()] = true
		s := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range sec.Keys() {
			s.Content = append(s.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.Name(), HeadComment: k.Comment},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.Value()})
		}
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: sec.Name(), HeadComment: sec.Comment}, s)
	}
	return []*yaml.Node{{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}}, nil
}

// writeINI writes a mapping of sections as sops' plaintext INI form, the
// way sops' INI store emits it. A section that ended as a conflict (deleted
// on one side, changed on the other) cannot be written key by key.
func writeINI(w *bytes.Buffer, m *yaml.Node) error {
	f := ini.Empty(ini.LoadOptions{AllowNonUniqueSections: true})
	f.DeleteSection(ini.DefaultSection)
	for i := 0; i+1 < len(m.Content); i += 2 {
		name, s := m.Content[i], m.Content[i+1]
		if !isMap(s) {
			return fmt.Errorf("%w: section %s is deleted on one side and changed on the other", errCannotMerge, keyPath([]string{name.Value}))
		}
		sec, err := f.NewSection(name.Value)
		if err != nil {
			return fmt.Errorf("%w: section %s cannot be written", errCannotMerge, keyPath([]string{name.Value}))
		}
		sec.Comment = name.HeadComment
		for j := 0; j+1 < len(s.Content); j += 2 {
			k, err := sec.NewKey(s.Content[j].Value, s.Content[j+1].Value)
			if err != nil {
				return fmt.Errorf("%w: key %s cannot be written", errCannotMerge, keyPath([]string{name.Value, s.Content[j].Value}))
			}
			k.Comment = s.Content[j].HeadComment
		}
	}
	_, err := f.WriteTo(w)
	return err
}
