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
// belongs to: the Writer's forms, for callers that must know where a
// secret is rather than mask it.
//
// Its index is built for many values with common parts (generated
// passwords, connection strings, the lines of PEM keys): a pattern of 8
// bytes or more is filed under one 8-byte window of it, chosen to be the
// rarest among the windows filed so far, so a position of the text is
// compared with the few patterns that have that window there. Shorter
// patterns are filed under their first 4 bytes. Bitmaps over hashed
// windows skip most positions with one lookup.
type Finder struct {
	pats    []pattern
	short   map[uint32][]int32
	long    map[uint64][]window
	filter4 []uint64
	filter8 []uint64
	owners  [][]int32 // per pattern: the secrets it belongs to
	forms   []Form    // per pattern
	skipped []string
}

// window is a pattern filed under its 8 bytes at off.
type window struct {
	pat int32
	off int32
}

const finderBits = 22 // 512 KiB bitmaps

func hash4(k uint32) uint32 { return (k * 2654435761) >> (32 - finderBits) }
func hash8(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> (64 - finderBits) }

// windowTries bounds the windows considered for one pattern.
const windowTries = 16

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
		var bases, lines []string
		for _, b := range baseValues(s.Value) {
			switch t := strings.TrimSpace(b); {
			case len(t) < minLen || pemBoundary.MatchString(t):
			case strings.Contains(b, "\n"):
				bases = append(bases, b)
			default:
				lines = append(lines, b)
			}
		}
		if len(lines) > 0 {
			// A value of one line, or the lines of a multi-line one:
			// every form of the whole value holds a form of each line
			// (as is in escaped text, a base64 core at some alignment).
			bases = lines
		}
		if len(bases) == 0 {
			if !skipped[s.Name] {
				skipped[s.Name] = true
				f.skipped = append(f.skipped, s.Name)
			}
			continue
		}
		eachForm(bases, func(p string, form Form, _ bool) {
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
	f.pats = pats
	f.short, f.long = map[uint32][]int32{}, map[uint64][]window{}
	f.filter4, f.filter8 = make([]uint64, (1<<finderBits)/64), make([]uint64, (1<<finderBits)/64)
	for i, p := range pats {
		if len(p.b) < 8 {
			k := binary.LittleEndian.Uint32(p.b)
			f.short[k] = append(f.short[k], int32(i))
			h := hash4(k)
			f.filter4[h>>6] |= 1 << (h & 63)
			continue
		}
		n := len(p.b) - 7 // windows
		step := max(1, n/windowTries)
		best, bestN := 0, -1
		for o := 0; o < n; o += step {
			c := len(f.long[binary.LittleEndian.Uint64(p.b[o:])])
			if bestN < 0 || c < bestN {
				best, bestN = o, c
			}
			if c == 0 {
				break
			}
		}
		k := binary.LittleEndian.Uint64(p.b[best:])
		f.long[k] = append(f.long[k], window{int32(i), int32(best)})
		h := hash8(k)
		f.filter8[h>>6] |= 1 << (h & 63)
	}
	return f
}

// each calls fn for every pattern that occurs in b and where it starts,
// until fn returns false; it reports whether fn always returned true.
func (f *Finder) each(b []byte, fn func(pi int32, start int) bool) bool {
	for i := 0; i+4 <= len(b); i++ {
		if len(f.short) > 0 {
			k := binary.LittleEndian.Uint32(b[i:])
			if h := hash4(k); f.filter4[h>>6]&(1<<(h&63)) != 0 {
				for _, pi := range f.short[k] {
					p := f.pats[pi].b
					if len(p) <= len(b)-i && string(b[i:i+len(p)]) == string(p) && !fn(pi, i) {
						return false
					}
				}
			}
		}
		if i+8 > len(b) {
			continue
		}
		k := binary.LittleEndian.Uint64(b[i:])
		if h := hash8(k); f.filter8[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		for _, w := range f.long[k] {
			p := f.pats[w.pat].b
			s := i - int(w.off)
			if s >= 0 && len(p) <= len(b)-s && string(b[s:s+len(p)]) == string(p) && !fn(w.pat, s) {
				return false
			}
		}
	}
	return true
}

// Skipped names the secrets that are not looked for (too short or too
// common), in the order given.
func (f *Finder) Skipped() []string { return f.skipped }

// Empty reports whether the Finder looks for nothing.
func (f *Finder) Empty() bool { return f == nil || len(f.pats) == 0 }

// Find calls fn for every occurrence in b of a form of a secret, in no
// particular order: the secret's index in the slice given to NewFinder,
// the form, and where the matched pattern starts and ends in b. A long value is matched in chunks
// of ChunkLen bytes, each reported; a base64 match covers the characters
// that depend on the secret only.
func (f *Finder) Find(b []byte, fn func(secret int, form Form, start, end int)) {
	if f.Empty() {
		return
	}
	f.each(b, func(pi int32, i int) bool {
		for _, s := range f.owners[pi] {
			fn(int(s), f.forms[pi], i, i+len(f.pats[pi].b))
		}
		return true
	})
}

// Contains reports whether b holds a form of any secret.
func (f *Finder) Contains(b []byte) bool {
	if f.Empty() {
		return false
	}
	return !f.each(b, func(int32, int) bool { return false })
}
