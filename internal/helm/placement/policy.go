package placement

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// PolicyFile is the exception file's name, looked for in the current
// directory when none is given.
const PolicyFile = ".helm-secrets-placement.yaml"

// MaxPolicySize caps the exception file.
const MaxPolicySize = 1 << 20

// maxExceptions bounds the exceptions of one file.
const maxExceptions = 10000

// Policy is the exception file: placements accepted on purpose, each with
// a reason.
type Policy struct {
	Exceptions []Exception `yaml:"exceptions"`
}

// Exception accepts the findings it matches. Resource is
// "Kind/name" (any namespace) or "Kind/namespace/name", Field a field
// path, Source a values file:key path, Rule a rule; each part is a glob
// where * matches any run of characters and ? one (no other
// metacharacters: brackets are literal, as in field paths). Resource,
// Field and Reason are required; Source and Rule default to any.
type Exception struct {
	Resource string `yaml:"resource"`
	Field    string `yaml:"field"`
	Source   string `yaml:"source,omitempty"`
	Rule     string `yaml:"rule,omitempty"`
	Reason   string `yaml:"reason"`
}

// LoadPolicy reads and validates an exception file (a regular file, at
// most MaxPolicySize bytes).
func LoadPolicy(path string) (*Policy, error) {
	data, err := bounds.ReadFile(path, MaxPolicySize)
	if err != nil {
		return nil, fmt.Errorf("placement exceptions %s: %w", path, err)
	}
	return ParsePolicy(path, data)
}

// ParsePolicy validates an exception file named name: unknown keys, an
// exception without a resource, field or reason, an unknown rule or a
// resource that is not Kind/name or Kind/namespace/name are errors, each
// naming the exception.
func ParsePolicy(name string, data []byte) (*Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("placement exceptions %s: %v", name, err)
	}
	if len(p.Exceptions) > maxExceptions {
		return nil, fmt.Errorf("placement exceptions %s: more than %d exceptions", name, maxExceptions)
	}
	var errs []string
	for i, e := range p.Exceptions {
		where := fmt.Sprintf("exceptions[%d]", i)
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, where+": reason is required")
		}
		if e.Field == "" {
			errs = append(errs, where+": field is required (\"*\" for any)")
		}
		if n := strings.Count(e.Resource, "/"); e.Resource == "" || n < 1 || n > 2 {
			errs = append(errs, where+": resource must be Kind/name or Kind/namespace/name")
		}
		if e.Rule != "" && !knownRule(e.Rule) {
			errs = append(errs, fmt.Sprintf("%s: unknown rule %q", where, e.Rule))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("placement exceptions %s: %s", name, strings.Join(errs, "; "))
	}
	return &p, nil
}

func knownRule(r string) bool {
	for _, ri := range Rules {
		if string(ri.ID) == r {
			return true
		}
	}
	return false
}

// Match returns the first exception that accepts f, nil if none.
func (p *Policy) Match(f Finding) *Exception {
	if p == nil {
		return nil
	}
	for i := range p.Exceptions {
		e := &p.Exceptions[i]
		if e.Rule != "" && e.Rule != string(f.Rule) {
			continue
		}
		if e.Source != "" && !glob(e.Source, f.Source) {
			continue
		}
		if !glob(e.Field, f.Field) || !matchResource(e.Resource, f) {
			continue
		}
		return e
	}
	return nil
}

// matchResource matches Kind/name or Kind/namespace/name part by part.
func matchResource(pattern string, f Finding) bool {
	parts := strings.Split(pattern, "/")
	if len(parts) == 2 {
		return glob(parts[0], f.Kind) && glob(parts[1], f.Name)
	}
	return len(parts) == 3 && glob(parts[0], f.Kind) && glob(parts[1], f.Namespace) && glob(parts[2], f.Name)
}

// glob matches s against pattern: * is any run of characters, ? one
// character, everything else itself.
func glob(pattern, s string) bool {
	// The classic two-pointer wildcard match, linear in practice.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
