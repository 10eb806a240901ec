package yamlwalk

import (
	"bytes"
	"errors"
	"io"

	"go.yaml.in/yaml/v3"
)

// Documents parses a YAML stream into its documents' nodes (aliases stay
// alias nodes: nothing is expanded). The error is the parser's.
func Documents(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

// Child is the value of key in mapping m, or nil (m not a mapping, or no
// such key).
func Child(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
