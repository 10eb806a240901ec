package valseval

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	envsubst "github.com/a8m/envsubst/parse"
	"github.com/helmfile/vals/pkg/expansion"
	"go.yaml.in/yaml/v3"
)

// How nesting is evaluated. vals itself resolves a nested reference
// (ref+ref+echo://file:///x, ref+vault://ref+envsubst://$P) by looking up
// the innermost one, putting its value in place and searching the result
// again; it would then look up whatever the inner value spelled, with any
// provider. So helm-secrets-vals never hands vals a string with more than
// one reference in it: this file walks vals' own algorithm (its regular
// expression, its rule for what is nested, its order) and asks the vals
// runtime for exactly one reference at a time, each checked against the
// policy right before its lookup, a reference that a lookup produced
// included. Nesting is bounded in depth (maxNesting, as vals does) and
// every value in the size of what it grows to (maxExpanded).

// valsRef is vals' reference syntax (pkg/expansion): group 1 the kind
// (ref or secretref), group 3 the reference without its prefix. Its
// group 3 never holds a "+", so it never holds another reference.
var valsRef = expansion.DefaultRefRegexp

// refPrefix is where vals sees a reference start when it looks for nesting.
var refPrefix = regexp.MustCompile(`(secret)?ref\+`)

const (
	// maxNesting is how many nested references one value may resolve
	// (vals' own bound).
	maxNesting = 10
	// maxExpanded caps one value while it is evaluated and the sum of the
	// lookups it makes.
	maxExpanded = 8 << 20
	// maxLookups caps the lookups of one value.
	maxLookups = 4096
)

// expansionState is the budget of one value.
type expansionState struct {
	where   string
	lookups int
	bytes   int
}

// parsedRef is a reference as vals' Lookup parses it.
type parsedRef struct {
	text   string // PROVIDER://… without the ref+ prefix
	scheme string
	params []string
	path   string // host and path, joined as vals joins them
	frag   string
}

// parseRef parses a reference exactly as vals' Lookup does (ARN URIs
// included).
func parseRef(key string) (parsedRef, error) {
	processed, arn := key, ""
	if i := strings.Index(key, "://"); i != -1 {
		after := key[i+3:]
		if strings.HasPrefix(after, "arn:aws:") || strings.HasPrefix(after, "arn:aws-") {
			end := len(after)
			if j := strings.IndexAny(after, "?#"); j != -1 {
				end = j
			}
			arn = after[:end]
			processed = key[:i+3] + "/" + arn + after[end:]
		}
	}
	u, err := url.Parse(processed)
	if err != nil {
		return parsedRef{}, err
	}
	if arn != "" {
		u.Host, u.Path, u.RawPath = arn, "", ""
	}
	r := parsedRef{text: key, scheme: strings.Split(u.Scheme, "://")[0]}
	for k := range u.Query() {
		r.params = append(r.params, k)
	}
	var comps []string
	if u.Host != "" {
		comps = append(comps, u.Host)
	}
	p := strings.TrimPrefix(u.Path, "#")
	if u.Host != "" {
		p = strings.TrimPrefix(p, "/")
	}
	if p != "" {
		comps = append(comps, p)
	}
	r.path = strings.Join(comps, "/")
	r.frag = strings.TrimPrefix(strings.TrimPrefix(u.Fragment, "#"), "/")
	return r, nil
}

// shownRef is a reference as an error may show it (see ref.shown).
func shownRef(key string) string {
	provider, _, _ := strings.Cut(key, "://")
	return ref{provider: provider, text: "ref+" + key}.shown()
}

// lookup checks one reference (without its prefix) against the policy
// and evaluates it with the vals runtime, alone.
func (e *Evaluator) lookup(st *expansionState, key string) (any, error) {
	shown := shownRef(key)
	st.lookups++
	if st.lookups > maxLookups {
		return nil, fmt.Errorf("%s: more than %d references in one value", st.where, maxLookups)
	}
	r, err := parseRef(key)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot evaluate %s: malformed reference", st.where, shown)
	}
	if err := e.policy.Check(r.scheme, r.params); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", st.where, shown, err)
	}
	var v any
	switch {
	case e.policy.Restricted(r.scheme) && strings.EqualFold(r.scheme, "envsubst"):
		if err := e.envsubst.Check(r.path); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", st.where, shown, err)
		}
		if v, err = e.envsubstLookup(r); err != nil {
			return nil, fmt.Errorf("%s: cannot evaluate %s: %s", st.where, shown, reason(err))
		}
	default:
		if e.policy.Restricted(r.scheme) && strings.EqualFold(r.scheme, "file") {
			if err := e.files.Check(strings.TrimSuffix(r.path, "/")); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", st.where, shown, err)
			}
		}
		// The one reference, alone: vals' nesting search sees a single
		// prefix, its regular expression matches the whole string, and
		// its Lookup runs once, on exactly what was checked.
		single := "ref+" + key
		if m := valsRef.FindStringSubmatch(single); m == nil || m[0] != single || m[3] != key {
			return nil, fmt.Errorf("%s: cannot evaluate %s: malformed reference", st.where, shown)
		}
		out, err := e.rt.Eval(map[string]interface{}{"v": single})
		if err != nil {
			return nil, fmt.Errorf("%s: cannot evaluate %s: %s", st.where, shown, reason(err))
		}
		v = out["v"]
	}
	if v == nil {
		return nil, fmt.Errorf("%s: %s resolved to nothing", st.where, shown)
	}
	st.bytes += approxSize(v)
	if st.bytes > maxExpanded {
		return nil, fmt.Errorf("%s: the references of one value resolved to more than %d bytes", st.where, maxExpanded)
	}
	return v, nil
}

// approxSize is about how many bytes a looked-up value takes.
func approxSize(v any) int {
	if s, ok := v.(string); ok {
		return len(s)
	}
	return len(fmt.Sprint(v))
}

// envsubstLookup evaluates ref+envsubst:// under the default policy as
// vals' envsubst provider does, with an environment of the allowed
// variables only: a name the scan missed reads nothing.
func (e *Evaluator) envsubstLookup(r parsedRef) (any, error) {
	text := strings.TrimSpace(strings.TrimSuffix(r.path, "/"))
	env := e.envsubst.Environ(os.LookupEnv)
	s, err := envsubst.New("string", env, envsubst.Relaxed).Parse(text)
	if err != nil {
		return nil, err
	}
	if r.frag == "" {
		return s, nil
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	keys := strings.Split(r.frag, "/")
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("expected a map, got a value that is not one")
		}
		if cur, ok = mm[k]; !ok {
			return nil, fmt.Errorf("no value found for key %s", r.frag)
		}
	}
	return cur, nil
}

// precheck applies the provider policy (provider and query parameters)
// to every reference visible in s before anything is looked up, so that a
// value naming a refused provider fetches nothing at all. What a nested
// reference spells is only known after its inner one resolved: lookup
// checks it then (and applies the file and envsubst rules, which need the
// whole reference).
func (e *Evaluator) precheck(st *expansionState, s string) error {
	for _, pos := range refPrefix.FindAllStringIndex(s, -1) {
		m := valsRef.FindStringSubmatchIndex(s[pos[0]:])
		if m == nil || m[0] != 0 {
			continue
		}
		key := s[pos[0]+m[6] : pos[0]+m[7]]
		r, err := parseRef(key)
		if err != nil {
			continue // lookup refuses it, if it is ever looked up
		}
		if err := e.policy.Check(r.scheme, r.params); err != nil {
			return fmt.Errorf("%s: %s: %w", st.where, shownRef(key), err)
		}
	}
	return nil
}

// scalar reports whether a nested value may become part of an outer
// reference (vals' rule).
func scalar(v any) bool {
	switch v.(type) {
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

// resolveInner resolves nested references innermost first, as vals'
// resolveInnerRefs does, one checked lookup at a time, and searches the
// result again.
func (e *Evaluator) resolveInner(st *expansionState, s string) (string, error) {
	for depth := 0; ; depth++ {
		positions := refPrefix.FindAllStringIndex(s, -1)
		if len(positions) <= 1 {
			return s, nil
		}
		resolved := false
		for i := len(positions) - 1; i >= 1; i-- {
			between := s[positions[i-1][1]:positions[i][0]]
			if strings.ContainsAny(between, " \n\r\t\",") {
				continue // an independent reference
			}
			start := positions[i][0]
			sub := s[start:]
			ixs := valsRef.FindStringSubmatchIndex(sub)
			if ixs == nil {
				continue
			}
			if depth >= maxNesting {
				return "", fmt.Errorf("%s: more than %d nested references", st.where, maxNesting)
			}
			v, err := e.lookup(st, sub[ixs[6]:ixs[7]])
			if err != nil {
				return "", err
			}
			if !scalar(v) {
				return "", fmt.Errorf("%s: nested %s resolved to a %T; nested references must resolve to a scalar", st.where, shownRef(sub[ixs[6]:ixs[7]]), v)
			}
			s = s[:start+ixs[0]] + fmt.Sprint(v) + s[start+ixs[1]:]
			if len(s) > maxExpanded {
				return "", fmt.Errorf("%s: the value grew to more than %d bytes", st.where, maxExpanded)
			}
			resolved = true
			break
		}
		if !resolved {
			return s, nil
		}
	}
}

// inString is vals' InString: nested references resolved, then every
// reference replaced by its value as text (a value is not searched again).
func (e *Evaluator) inString(st *expansionState, s string) (string, error) {
	if err := e.precheck(st, s); err != nil {
		return "", err
	}
	s, err := e.resolveInner(st, s)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for {
		ixs := valsRef.FindStringSubmatchIndex(s)
		if ixs == nil {
			sb.WriteString(s)
			return sb.String(), nil
		}
		v, err := e.lookup(st, s[ixs[6]:ixs[7]])
		if err != nil {
			return "", err
		}
		sb.WriteString(s[:ixs[0]])
		fmt.Fprintf(&sb, "%v", v)
		if sb.Len() > maxExpanded {
			return "", fmt.Errorf("%s: the value grew to more than %d bytes", st.where, maxExpanded)
		}
		s = s[ixs[1]:]
	}
}

// inValue is vals' InValue: a value that is one whole reference keeps the
// type of what it resolves to; otherwise as inString.
func (e *Evaluator) inValue(st *expansionState, s string) (any, error) {
	if err := e.precheck(st, s); err != nil {
		return nil, err
	}
	s, err := e.resolveInner(st, s)
	if err != nil {
		return nil, err
	}
	ixs := valsRef.FindStringSubmatchIndex(s)
	switch {
	case ixs == nil:
		return s, nil
	case ixs[0] == 0 && ixs[1] == len(s):
		return e.lookup(st, s[ixs[6]:ixs[7]])
	default:
		return e.inString(st, s)
	}
}
