package wrapper

import (
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/backend"
	"github.com/helm-secrets/helm-secrets/internal/literals"
	"github.com/helm-secrets/helm-secrets/internal/literals/helm3"
	"github.com/helm-secrets/helm-secrets/internal/urls"
)

// parser is the strvals parser the helm binary uses for --set style flags:
// Helm 3's and Helm 4's agree on every value the wrapper rewrites.
var parser = helm3.Parser

// sourceKind is the flag a values source came from.
type sourceKind int

const (
	kindValues    sourceKind = iota // -f, --values: a list of files
	kindSetFile                     // --set-file: key=file pairs
	kindSet                         // --set: key=value pairs
	kindSetString                   // --set-string
	kindSetJSON                     // --set-json
)

// literalKind is the literals.Kind of a --set style kind.
func (k sourceKind) literalKind() literals.Kind {
	switch k {
	case kindSetString:
		return literals.SetString
	case kindSetJSON:
		return literals.SetJSON
	}
	return literals.Set
}

// slot is one flag value in helm's argument list that may need rewriting.
type slot struct {
	index  int    // position in args of the string holding the value
	prefix string // text before the value in that string: "", "--values=", "-f", "-f="
	kind   sourceKind
	value  string  // the flag value as typed
	items  []*item // files (kindValues, kindSetFile)
}

// item is one file named in a -f list or a --set-file pair.
type item struct {
	key      string // --set-file key ("" for -f)
	typed    string // as typed, with ? and NAME! prefixes
	path     string // with the prefixes removed
	optional bool   // "?" prefix
	backend  string // NAME! prefix ("" for the default)
	// replacement is what helm receives instead of typed.
	replacement string
}

var flagKinds = map[string]sourceKind{
	"-f":           kindValues,
	"--values":     kindValues,
	"--set-file":   kindSetFile,
	"--set":        kindSet,
	"--set-string": kindSetString,
	"--set-json":   kindSetJSON,
}

// findSlots finds the values sources in a helm command line: -f X,
// --values X, --values=X, -fX, -f=X, --set-file, --set, --set-string and
// --set-json, in both the separate and the = form. Arguments after "--"
// are positional for helm and left alone.
func findSlots(args []string) ([]*slot, error) {
	var slots []*slot
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		var s *slot
		if kind, ok := flagKinds[a]; ok {
			if i+1 >= len(args) {
				break // helm reports the missing value itself
			}
			i++
			s = &slot{index: i, kind: kind, value: args[i]}
		} else if name, val, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "--") {
			kind, known := flagKinds[name]
			if !known {
				continue
			}
			s = &slot{index: i, prefix: name + "=", kind: kind, value: val}
		} else if strings.HasPrefix(a, "-f") && len(a) > 2 && !strings.HasPrefix(a, "--") {
			prefix := "-f"
			if a[2] == '=' {
				prefix = "-f="
			}
			s = &slot{index: i, prefix: prefix, kind: kindValues, value: a[len(prefix):]}
		} else {
			continue
		}
		var err error
		switch s.kind {
		case kindValues:
			s.items, err = splitValuesList(s.value)
		case kindSetFile:
			s.items, err = splitSetFile(s.value)
		}
		if err != nil {
			return nil, err
		}
		slots = append(slots, s)
	}
	return slots, nil
}

// splitValuesList splits a -f value the way helm's flag parser does (pflag
// string slices are CSV records).
func splitValuesList(v string) ([]*item, error) {
	if v == "" {
		return []*item{newItem("", "")}, nil
	}
	r := csv.NewReader(strings.NewReader(v))
	r.LazyQuotes = false
	fields, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("cannot parse values list %q: %w", v, err)
	}
	items := make([]*item, len(fields))
	for i, f := range fields {
		items[i] = newItem("", f)
	}
	return items, nil
}

// joinValuesList is the inverse of splitValuesList.
func joinValuesList(items []*item) string {
	fields := make([]string, len(items))
	for i, it := range items {
		fields[i] = it.replacement
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(fields)
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// splitSetFile splits key=path[,key=path...] on unescaped commas, and
// checks the result against helm's own --set-file parser.
func splitSetFile(v string) ([]*item, error) {
	var items []*item
	for _, part := range literals.SplitUnescaped(v, ',') {
		key, path, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("--set-file %q: expected key=path", part)
		}
		items = append(items, newItem(key, literals.Unescape(path)))
	}
	var helmPaths []string
	reader := func(rs []rune) (interface{}, error) {
		helmPaths = append(helmPaths, string(rs))
		return "", nil
	}
	if err := parser.ParseIntoFile(v, map[string]interface{}{}, reader); err != nil {
		return nil, fmt.Errorf("--set-file %q: %w", v, err)
	}
	if len(helmPaths) != len(items) {
		return nil, fmt.Errorf("--set-file %q: cannot tell its files apart; pass one key=path per --set-file", v)
	}
	for i, p := range helmPaths {
		if p != items[i].typed {
			return nil, fmt.Errorf("--set-file %q: cannot tell its files apart; pass one key=path per --set-file", v)
		}
	}
	return items, nil
}

func joinSetFile(items []*item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = it.key + "=" + literals.Escape(it.replacement)
	}
	return strings.Join(parts, ",")
}

// newItem strips the "?" (ignore if missing) and "NAME!" (backend) prefixes.
func newItem(key, typed string) *item {
	it := &item{key: key, typed: typed, path: typed}
	if strings.HasPrefix(it.path, "?") {
		it.optional = true
		it.path = it.path[1:]
	}
	it.backend, it.path = backend.SplitPrefix(it.path)
	it.replacement = it.path
	return it
}

// isRemote reports whether a values source is something helm fetches
// itself: a URL with a scheme (https://, secrets://, oci://, ...) or "-".
func isRemote(p string) bool { return p == "-" || urls.HasScheme(p) }
