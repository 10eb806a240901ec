// Package yamlwalk visits the scalar values of a parsed YAML document
// with the path of keys and indexes that leads to each: the one walk that
// helm secrets check's heuristics (key paths for findings) and the output
// redaction (the secrets of a decrypted values file) share.
package yamlwalk

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Step is one element of a path: a mapping key, or a sequence index
// (IsIndex, Index).
type Step struct {
	Key     string
	Index   int
	IsIndex bool
}

// Scalars calls fn for every scalar node below n, in document order, with
// its path from n. Aliases are not followed: an anchored value is visited
// where it is defined. The path slice is shared between calls; copy it to
// keep it.
func Scalars(n *yaml.Node, fn func(path []Step, n *yaml.Node)) {
	walk(n, nil, fn)
}

func walk(n *yaml.Node, path []Step, fn func([]Step, *yaml.Node)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walk(c, path, fn)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			walk(n.Content[i+1], append(path, Step{Key: n.Content[i].Value}), fn)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walk(c, append(path, Step{Index: i, IsIndex: true}), fn)
		}
	case yaml.ScalarNode:
		fn(path, n)
	}
}

// Dotted writes path as "a.b.0.c": keys and indexes alike joined by dots
// (the key paths of check's findings and allow-list).
func Dotted(path []Step) string {
	var b strings.Builder
	for i, s := range path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.text())
	}
	return b.String()
}

// Bracketed writes path as "a.b[0].c": indexes in brackets (the names of
// redacted values).
func Bracketed(path []Step) string {
	var b strings.Builder
	for _, s := range path {
		switch {
		case s.IsIndex:
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		case b.Len() > 0:
			b.WriteString("." + s.Key)
		default:
			b.WriteString(s.Key)
		}
	}
	return b.String()
}

func (s Step) text() string {
	if s.IsIndex {
		return strconv.Itoa(s.Index)
	}
	return s.Key
}
