package redact

import (
	"encoding/binary"
	"regexp"
	"strings"
)

// Form says how a secret occurs in a text.
type Form string

// The forms a Finder reports.
const (
	FormPlain   Form = "plain"   // as is (or a line of a multi-line value)
	FormEscaped Form = "escaped" // JSON, YAML, %q, URL or HTML escaped
	FormBase64  Form = "base64"  // inside base64 text, at any alignment
	FormFolded  Form = "folded"  // a piece of a value folded at spaces
)

// Finder locates secrets in a text and says which secret each match
// belongs to: the search of the Writer (the same forms and the same
// prefix filter), for callers that must know where a secret is rather
// than mask it.
type Finder struct {
	m       *matcher
	owners  [][]int32 // per pattern: the secrets it belongs to
	forms   []Form    // per pattern
	skipped []string
}

// pemBoundary matches the armour lines of PEM blocks: every certificate
// or key has them, so on their own they say nothing about a secret.
var pemBoundary = regexp.MustCompile(`^-----(BEGIN|END) [A-Z0-9 ]+-----$`)

// NewFinder compiles the forms of secrets for Find. Values (after
// trimming) shorter than minLen bytes (at least MinLen) or too common are
// not looked for; Skipped names them. The lines of a multi-line value are
// looked for one by one when at least minLen long, except PEM armour
// lines.
func NewFinder(secrets []Secret, minLen int) *Finder {
	minLen = max(minLen, MinLen)
	f := &Finder{}
	index := map[string]int{}
	var pats []pattern
	skipped := map[string]bool{}
	for si, s := range secrets {
		var bases []string
		for _, b := range baseValues(s.Value) {
			if t := strings.TrimSpace(b); len(t) >= minLen && !pemBoundary.MatchString(t) {
				bases = append(bases, b)
			}
		}
		if len(bases) == 0 {
			if !skipped[s.Name] {
				skipped[s.Name] = true
				f.skipped = append(f.skipped, s.Name)
			}
			continue
		}
		eachForm(bases, func(p string, form Form) {
			whole := []byte(p)
			for _, off := range chunkOffsets(len(p)) {
				c := p[off:min(off+ChunkLen, len(p))]
				if len(c) < minLen {
					continue
				}
				i, ok := index[c]
				if !ok {
					i = len(pats)
					index[c] = i
					pats = append(pats, pattern{b: whole[off : off+len(c) : off+len(c)], b64: form == FormBase64})
					f.owners = append(f.owners, nil)
					f.forms = append(f.forms, form)
				}
				if o := f.owners[i]; len(o) == 0 || o[len(o)-1] != int32(si) {
					f.owners[i] = append(o, int32(si))
				}
			}
		})
	}
	f.m = newMatcher(pats)
	return f
}

// Skipped names the secrets that are not looked for (too short or too
// common), in the order given.
func (f *Finder) Skipped() []string { return f.skipped }

// Empty reports whether the Finder looks for nothing.
func (f *Finder) Empty() bool { return f == nil || len(f.m.pats) == 0 }

// Find calls fn for every occurrence in b of a form of a secret: the
// secret's index in the slice given to NewFinder, the form, and where the
// matched pattern starts and ends in b. A long value is matched in chunks
// of ChunkLen bytes, each reported; a base64 match covers the characters
// that depend on the secret only.
func (f *Finder) Find(b []byte, fn func(secret int, form Form, start, end int)) {
	if f.Empty() {
		return
	}
	m := f.m
	for i := 0; i+4 <= len(b); i++ {
		k := binary.LittleEndian.Uint32(b[i:])
		if !m.candidate(k) {
			continue
		}
		for _, pi := range m.buckets[k] {
			p := &m.pats[pi]
			if len(p.b) <= len(b)-i && string(b[i:i+len(p.b)]) == string(p.b) {
				for _, s := range f.owners[pi] {
					fn(int(s), f.forms[pi], i, i+len(p.b))
				}
			}
		}
	}
}

// Contains reports whether b holds a form of any secret.
func (f *Finder) Contains(b []byte) bool {
	if f.Empty() {
		return false
	}
	m := f.m
	for i := 0; i+4 <= len(b); i++ {
		k := binary.LittleEndian.Uint32(b[i:])
		if !m.candidate(k) {
			continue
		}
		for _, pi := range m.buckets[k] {
			p := &m.pats[pi]
			if len(p.b) <= len(b)-i && string(b[i:i+len(p.b)]) == string(p.b) {
				return true
			}
		}
	}
	return false
}
