package yamlcheck

import "go.yaml.in/yaml/v3"

// AliasCycle reports whether an alias in doc refers to a node that
// contains the alias (`a: &x [*x]`). Walking such a document, as sops'
// YAML store does after its check (which only reads the first document,
// and not all of it), never ends: sops dies of a stack overflow. It takes
// time linear in the number of nodes.
func AliasCycle(doc *yaml.Node) bool {
	const (
		active = 1
		done   = 2
	)
	state := map[*yaml.Node]int{}
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n == nil {
			return false
		}
		switch state[n] {
		case active:
			return true
		case done:
			return false
		}
		state[n] = active
		if n.Kind == yaml.AliasNode && walk(n.Alias) {
			return true
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		state[n] = done
		return false
	}
	return walk(doc)
}
