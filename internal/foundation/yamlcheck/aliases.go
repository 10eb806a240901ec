package yamlcheck

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// The YAML library limits alias expansion only in a decode into Go values
// (excessive aliasing), which sops makes on the first document alone. Its
// tree conversion then copies every aliased node, in every document, once
// per alias: a 616-byte stream whose second document nests aliases ten
// deep grows past a gigabyte. An alias may also refer to an anchor of an
// earlier document (the parser keeps anchors for the whole stream). Aliases
// bounds what the documents of one stream expand to, whichever document
// the aliases are in, before anything converts them.

// ErrAliases means a stream's aliases expand beyond the bounds of Aliases.
var ErrAliases = errors.New("YAML aliases expand too much")

// Bounds of the expansion of a stream's aliases. A node weighs NodeWeight
// plus the length of its text (scalars, and an alias's anchor name); the
// weight of the stream with every alias replaced by a copy of its node
// may be at most twice the weight of the stream as written plus
// ExpansionAllowance: linear in the input. Expanded, no document may
// nest deeper than bounds.MaxDepth (the text scan of limits cannot see
// the nesting an alias adds).
const (
	NodeWeight         = 16
	ExpansionAllowance = 8 << 20
)

// Aliases checks the alias expansion of the documents of one stream, one
// document after the other, in time linear in the nodes. The zero value
// is ready for a stream's first document. It is not safe for concurrent
// use.
type Aliases struct {
	memo     map[*yaml.Node]*expansion
	written  int64 // weight of the documents as written
	expanded int64 // weight with aliases expanded
}

type expansion struct {
	weight int64
	depth  int
	active bool // on the walk's path: an alias to it is a cycle
}

// Document adds doc (a document of the stream, as the YAML decoder gives
// it) to the stream's totals. It returns an error wrapping ErrAliases when
// an alias refers to a node that contains it, when an expanded document
// nests deeper than bounds.MaxDepth, or when the stream so far expands
// beyond the bound; the error names the line, never a value.
func (a *Aliases) Document(doc *yaml.Node) error {
	if a.memo == nil {
		a.memo = map[*yaml.Node]*expansion{}
	}
	e, err := a.walk(doc, 0)
	if err != nil {
		return err
	}
	if a.over(e.weight) {
		return fmt.Errorf("%w: the aliases expand the documents to more than twice their size", ErrAliases)
	}
	a.expanded += e.weight
	return nil
}

// walk returns n's expansion. Only anchored nodes, which aliases refer
// to, are remembered (a map entry for every node would add a third to the
// memory of a large file). The anchor of an alias precedes it in the
// stream, so its node was walked before (done, or still active: a cycle)
// and the recursion follows the nesting of the text only.
func (a *Aliases) walk(n *yaml.Node, level int) (expansion, error) {
	if e, ok := a.memo[n]; ok {
		if e.active {
			return expansion{}, fmt.Errorf("%w: an alias at line %d refers to a node that contains it", ErrAliases, n.Line)
		}
		return *e, nil
	}
	if level > bounds.MaxDepth+2 {
		return expansion{}, fmt.Errorf("%w: nesting deeper than %d levels at line %d", ErrAliases, bounds.MaxDepth, n.Line)
	}
	var e expansion
	if n.Anchor != "" {
		a.memo[n] = &expansion{active: true}
	}
	own := int64(NodeWeight + len(n.Value))
	a.written += own
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			break
		}
		t, err := a.walk(n.Alias, level)
		if err != nil {
			return expansion{}, err
		}
		e = t
	default:
		e.weight = own
		for _, c := range n.Content {
			t, err := a.walk(c, level+1)
			if err != nil {
				return expansion{}, err
			}
			e.weight += t.weight
			e.depth = max(e.depth, t.depth)
			if a.over(e.weight) {
				return expansion{}, fmt.Errorf("%w: the aliases expand the documents to more than twice their size (line %d)", ErrAliases, n.Line)
			}
		}
		if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
			e.depth++
		}
	}
	if e.depth > bounds.MaxDepth {
		return expansion{}, fmt.Errorf("%w: with aliases expanded, the document nests deeper than %d levels (line %d)", ErrAliases, bounds.MaxDepth, n.Line)
	}
	if n.Anchor != "" {
		a.memo[n] = &e
	}
	return e, nil
}

// over reports whether a node of expanded weight w, added to the
// documents before, is over the bound: checked at every node, so that a
// chain of aliases stops as soon as it is (and no sum overflows).
func (a *Aliases) over(w int64) bool {
	return a.expanded+w > 2*a.written+ExpansionAllowance
}
