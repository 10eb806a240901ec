package helmargs

import (
	"encoding/csv"
	"fmt"
	"os"
	"strings"
)

// Kind is the flag a values source came from.
type Kind int

// The flags whose values the wrapper may rewrite.
const (
	NotSource Kind = iota // a flag that names no values source
	Values                // -f, --values: a list of files
	SetFile               // --set-file: key=file pairs
	Set                   // --set: key=value pairs
	SetString             // --set-string
	SetJSON               // --set-json
)

// Slot is one flag value in helm's argument list that may need rewriting.
type Slot struct {
	Index  int    // position in args of the string holding the value
	Prefix string // text before the value in that string: "", "--values=", "-f", "-f="
	Kind   Kind
	Value  string  // the flag value as typed
	Items  []*Item // files (Values, SetFile); for Set* kinds, literals moved to --set-file
	// Drop: Rebuild leaves the flag and its value out of the command
	// line (the wrapper's mask-only values files).
	Drop bool
}

// Item is one file named in a -f list or a --set-file pair.
type Item struct {
	Key      string // --set-file key ("" for -f)
	Typed    string // as typed, with ? and NAME! prefixes
	Path     string // with the prefixes removed
	Optional bool   // "?" prefix
	Backend  string // NAME! prefix ("" for the default)
	// Replacement is what helm receives instead of Typed.
	Replacement string
}

// sourceKind is the values source kind of the flag named name
// (NotSource for any other flag or argument).
func sourceKind(name string) Kind {
	f, _ := Lookup(name)
	return f.Source
}

// shortSource returns the short flag of a values source that arg starts
// with, glued to its value ("-fX", "-f=X"): the prefix ("-f" or "-f=")
// and the source kind.
func shortSource(arg string) (prefix string, kind Kind, ok bool) {
	if len(arg) < 3 || arg[0] != '-' || arg[1] == '-' {
		return "", NotSource, false
	}
	f, known := Lookup(arg[:2])
	if !known || f.Source == NotSource {
		return "", NotSource, false
	}
	prefix = arg[:2]
	if arg[2] == '=' {
		prefix += "="
	}
	return prefix, f.Source, true
}

// Find finds the values sources in a helm command line: -f X, --values X,
// --values=X, -fX, -f=X, --set-file, --set, --set-string and --set-json,
// in both the separate and the = form. Arguments after "--" are
// positional for helm and left alone. -f lists are split into Items;
// --set-file values are split by splitSetFile, or left without Items when
// it is nil.
func Find(args []string, splitSetFile func(string) ([]*Item, error)) ([]*Slot, error) {
	var slots []*Slot
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		var s *Slot
		if kind := sourceKind(a); kind != NotSource {
			if i+1 >= len(args) {
				break // helm reports the missing value itself
			}
			i++
			s = &Slot{Index: i, Kind: kind, Value: args[i]}
		} else if name, val, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "--") {
			kind := sourceKind(name)
			if kind == NotSource {
				continue
			}
			s = &Slot{Index: i, Prefix: name + "=", Kind: kind, Value: val}
		} else if prefix, kind, ok := shortSource(a); ok {
			s = &Slot{Index: i, Prefix: prefix, Kind: kind, Value: a[len(prefix):]}
		} else {
			continue
		}
		var err error
		switch {
		case s.Kind == Values:
			s.Items, err = SplitValuesList(s.Value)
		case s.Kind == SetFile && splitSetFile != nil:
			s.Items, err = splitSetFile(s.Value)
		}
		if err != nil {
			return nil, err
		}
		slots = append(slots, s)
	}
	return slots, nil
}

// SplitValuesList splits a -f value the way helm's flag parser does (pflag
// string slices are CSV records).
func SplitValuesList(v string) ([]*Item, error) {
	if v == "" {
		return []*Item{NewItem("", "")}, nil
	}
	r := csv.NewReader(strings.NewReader(v))
	r.LazyQuotes = false
	fields, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("cannot parse values list %q: %w", v, err)
	}
	items := make([]*Item, len(fields))
	for i, f := range fields {
		items[i] = NewItem("", f)
	}
	return items, nil
}

// JoinValuesList is the inverse of SplitValuesList, over the Replacements.
func JoinValuesList(items []*Item) string {
	fields := make([]string, len(items))
	for i, it := range items {
		fields[i] = it.Replacement
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(fields)
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// JoinSetFile joins --set-file items as key=replacement pairs.
func JoinSetFile(items []*Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = it.Key + "=" + Escape(it.Replacement)
	}
	return strings.Join(parts, ",")
}

// NewItem strips the "?" (ignore if missing) and "NAME!" (backend) prefixes.
func NewItem(key, typed string) *Item {
	it := &Item{Key: key, Typed: typed, Path: typed}
	if strings.HasPrefix(it.Path, "?") {
		it.Optional = true
		it.Path = it.Path[1:]
	}
	it.Backend, it.Path = SplitBackendPrefix(it.Path)
	it.Replacement = it.Path
	return it
}

// IsBackendName reports whether name can name a backend in a NAME!
// prefix: a built-in backend or an existing file.
func IsBackendName(name string) bool {
	switch name {
	case "sops", "noop", "vals":
		return true
	}
	if name == "" {
		return false
	}
	st, err := os.Stat(name)
	return err == nil && !st.IsDir()
}

// SplitBackendPrefix splits "NAME!rest" into NAME and rest when NAME names
// a backend (IsBackendName); otherwise it returns "" and item unchanged,
// so a file called "a!b.yaml" still works.
func SplitBackendPrefix(item string) (name, rest string) {
	n, r, ok := strings.Cut(item, "!")
	if ok && IsBackendName(n) {
		return n, r
	}
	return "", item
}

// Rebuild returns args with every slot's value replaced: -f lists and
// --set-file pairs by their Items' Replacements, --set style values by
// Value, followed by a --set-file KEY=REPLACEMENT for each of their Items.
// A --set style flag left empty is dropped, and so is a slot marked Drop
// (the flag with its value).
func Rebuild(args []string, slots []*Slot) []string {
	at := make(map[int]*Slot, len(slots))
	for _, s := range slots {
		at[s.Index] = s
	}
	out := make([]string, 0, len(args)+4)
	for i := 0; i < len(args); i++ {
		s, ok := at[i]
		if !ok {
			out = append(out, args[i])
			continue
		}
		if s.Drop {
			if s.Prefix == "" {
				out = out[:len(out)-1] // the flag before its value
			}
			continue
		}
		var extra []string
		value := s.Value
		switch s.Kind {
		case Values:
			value = JoinValuesList(s.Items)
		case SetFile:
			if s.Items != nil {
				value = JoinSetFile(s.Items)
			}
		default:
			for _, it := range s.Items {
				extra = append(extra, SetFile.Name(), it.Key+"="+Escape(it.Replacement))
			}
		}
		if value == "" && len(extra) > 0 {
			// Every pair moved to --set-file: drop the now-empty flag.
			if s.Prefix == "" {
				out = out[:len(out)-1]
			}
		} else {
			out = append(out, s.Prefix+value)
		}
		out = append(out, extra...)
	}
	return out
}
