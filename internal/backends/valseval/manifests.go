package valseval

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlwalk"
)

// Manifests evaluates the expressions in rendered manifests (a YAML stream,
// as helm writes it to a post-renderer). Documents without one are kept
// byte for byte. With decodeSecrets, the base64 data of every Secret is
// decoded too; an entry holding an expression is evaluated and encoded
// back (the Secret keeps its shape). Errors name the document (its
// number, kind, name and "# Source:" template) and the key path.
func (e *Evaluator) Manifests(data []byte, decodeSecrets bool) (out []byte, noRefs bool, err error) {
	if !decodeSecrets && !valsproto.HasRef(data) {
		return nil, true, nil
	}
	var b bytes.Buffer
	changed := false
	for i, chunk := range splitDocs(data) {
		if !valsproto.HasRef(chunk) && !(decodeSecrets && bytes.Contains(chunk, []byte("Secret"))) {
			b.Write(chunk)
			continue
		}
		docs, err := yamlwalk.Documents(chunk)
		if err != nil {
			return nil, false, fmt.Errorf("manifest %d: %w", i+1, err)
		}
		for _, d := range docs {
			where := location(i+1, d)
			at := func(path string) string { return where + ", key " + path }
			if decodeSecrets {
				if err := e.secretData(d, at); err != nil {
					return nil, false, err
				}
			}
			if err := e.walk(d, "", at); err != nil {
				return nil, false, err
			}
		}
		enc, err := encodeAll(docs)
		if err != nil {
			return nil, false, fmt.Errorf("manifest %d: %w", i+1, err)
		}
		sep, _ := docMarker(chunk)
		b.WriteString(sep)
		b.Write(enc)
		changed = true
	}
	if !changed {
		return nil, true, nil
	}
	return b.Bytes(), false, nil
}

// splitDocs cuts a YAML stream before every "---" line, so that each chunk
// but the first starts with its marker.
func splitDocs(data []byte) [][]byte {
	var chunks [][]byte
	start := 0
	for i := 0; i < len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		next := len(data)
		if end >= 0 {
			next = i + end + 1
		}
		line := data[i:next]
		if i > start && isMarker(line) {
			chunks = append(chunks, data[start:i])
			start = i
		}
		i = next
	}
	return append(chunks, data[start:])
}

func isMarker(line []byte) bool {
	l := strings.TrimRight(string(line), "\r\n")
	return l == "---" || strings.HasPrefix(l, "--- ")
}

// docMarker is a chunk's leading "---" line ("" if none); the encoder
// prints documents without it.
func docMarker(chunk []byte) (string, bool) {
	end := bytes.IndexByte(chunk, '\n')
	if end < 0 {
		end = len(chunk)
	}
	if isMarker(chunk[:end]) {
		return "---\n", true
	}
	return "", false
}

// location names a manifest: its number, kind/name and template.
func location(i int, d *yaml.Node) string {
	s := fmt.Sprintf("manifest %d", i)
	if len(d.Content) == 0 || d.Content[0].Kind != yaml.MappingNode {
		return s
	}
	m := d.Content[0]
	kind, name := field(m, "kind"), ""
	if meta := yamlwalk.Child(m, "metadata"); meta != nil {
		name = field(meta, "name")
	}
	if kind != "" || name != "" {
		s += fmt.Sprintf(" (%s/%s)", kind, name)
	}
	comments := []string{d.HeadComment, m.HeadComment}
	if len(m.Content) > 0 {
		comments = append(comments, m.Content[0].HeadComment)
	}
	for _, c := range comments {
		for _, line := range strings.Split(c, "\n") {
			if src, ok := strings.CutPrefix(strings.TrimSpace(line), "# Source: "); ok {
				return s + " from " + src
			}
		}
	}
	return s
}

func field(m *yaml.Node, key string) string {
	if c := yamlwalk.Child(m, key); c != nil && c.Kind == yaml.ScalarNode {
		return c.Value
	}
	return ""
}

// secretData evaluates the expressions hidden in a Secret's base64 data.
func (e *Evaluator) secretData(d *yaml.Node, at func(string) string) error {
	if len(d.Content) == 0 {
		return nil
	}
	m := d.Content[0]
	if field(m, "kind") != "Secret" {
		return nil
	}
	data := yamlwalk.Child(m, "data")
	if data == nil || data.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(data.Content); i += 2 {
		v := data.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v.Value))
		if err != nil || !valsproto.HasRef(raw) {
			continue
		}
		plain, err := e.Literal(at("data."+data.Content[i].Value+" (base64-decoded)"), string(raw))
		if err != nil {
			return err
		}
		v.Value = base64.StdEncoding.EncodeToString(plain)
		v.Style = 0
	}
	return nil
}
