package redact

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlwalk"
)

// Mask replaces every secret in the output.
const Mask = "[redacted]"

// MinLen is the shortest value that is masked, in bytes (after trimming
// surrounding white space). Shorter values (a port, a flag, "yes") occur
// in any output by chance: masking them would destroy it and would tell a
// reader which short strings are secret. Compile lists them in Skipped.
const MinLen = 4

// ChunkLen bounds the length of a pattern: a longer form of a value is
// matched as overlapping chunks of ChunkLen bytes, each masked wherever it
// appears, so the Writer never holds back more than ChunkLen bytes for
// matching.
const ChunkLen = 512

// BigValue is the size above which a value is looked for as is and
// JSON-escaped only (and base64-encoded), not in the other escaped forms:
// the patterns of a multi-megabyte --set-file blob stay a few times its
// size.
const BigValue = 64 << 10

// MaxRun bounds how much of a base64 run the Writer holds back so that the
// whole run can be masked when it turns out to hold a secret: in a longer
// run the part before the match is written as is once MaxRun bytes of it
// are pending (the encoded secret and the rest of the run are still
// masked). It also bounds a pending mask: a longer one is written as
// several Masks in a row.
const MaxRun = 1 << 20

// common are values too common to mask: they occur in any manifest.
var common = map[string]bool{
	"true": true, "false": true, "null": true, "none": true, "nil": true,
	"yes": true, "no": true, "on": true, "off": true,
}

// Secret is one decrypted value and a name for it that is safe to print
// (a file and key path, never the value).
type Secret struct {
	Name  string
	Value []byte
}

// Set is a compiled set of secrets, ready for Writers. Add extends it
// while Writers use it.
type Set struct {
	m atomic.Pointer[matcher]

	mu         sync.Mutex // guards what follows (Add)
	seen       map[string]int
	pats       []pattern
	skipped    []string
	skippedSet map[string]bool
}

// Compile builds the patterns for every form of every secret. Values that
// are too short or too common are not masked; their names are returned by
// Skipped.
func Compile(secrets []Secret) *Set {
	s := &Set{seen: map[string]int{}, skippedSet: map[string]bool{}}
	s.Add(secrets)
	return s
}

// Add adds secrets to the set: the Writers using it mask them from their
// next Write on (a value learnt while a command runs, such as one the
// post-renderer evaluated). Safe for use while Writers write.
func (s *Set) Add(secrets []Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	add := func(p string, b64, word bool) {
		whole := []byte(p) // chunks share it
		for _, off := range chunkOffsets(len(p)) {
			c := p[off:min(off+ChunkLen, len(p))]
			if len(c) < MinLen {
				continue
			}
			if i, ok := s.seen[c]; ok {
				// A string that is some value's distinctive form is
				// masked everywhere, even if it is another's word.
				s.pats[i].word = s.pats[i].word && word
				continue
			}
			s.seen[c] = len(s.pats)
			s.pats = append(s.pats, pattern{b: whole[off : off+len(c) : off+len(c)], b64: b64, word: word})
		}
	}
	for _, sec := range secrets {
		bases := baseValues(sec.Value)
		if len(bases) == 0 {
			if !s.skippedSet[sec.Name] {
				s.skippedSet[sec.Name] = true
				s.skipped = append(s.skipped, sec.Name)
			}
			continue
		}
		eachForm(bases, func(p string, form Form, word bool) { add(p, form == FormBase64, word) })
	}
	sort.Strings(s.skipped)
	// The matcher is immutable: Writers load the new one on their next
	// Write. The patterns are copied, so later Adds do not race with it.
	s.m.Store(newMatcher(append([]pattern(nil), s.pats...)))
}

// eachForm calls fn with every form of the base values of one secret
// (baseValues), in the order Compile adds them: each text form, the
// base64 cores of its chunks, and the fold pieces. word reports a form
// of a value that is not Distinctive: masked only as a whole token.
func eachForm(bases []string, fn func(p string, form Form, word bool)) {
	for _, b := range bases {
		word := !Distinctive(b)
		forms := textForms(b)
		if len(b) > BigValue {
			// A large value (a --set-file blob): as is and JSON-escaped
			// only, so the patterns stay a few times its size.
			forms = []string{b, jsonEscape(b, true)}
		}
		done := make(map[string]bool, len(forms))
		for i, f := range forms {
			if done[f] {
				continue // most forms of a plain ASCII value are the value
			}
			done[f] = true
			form := FormEscaped
			if i == 0 {
				form = FormPlain
			}
			fn(f, form, word)
			for _, c := range chunks(f) {
				for _, core := range base64Cores([]byte(c)) {
					fn(core, FormBase64, false)
				}
			}
		}
		for _, piece := range foldPieces(b) {
			w := !Distinctive(piece)
			fn(piece, FormFolded, w)
			fn(yamlDoubleQuoted(piece), FormFolded, w)
		}
	}
}

// Skipped names the secrets that are not masked because they are shorter
// than MinLen or too common (see MinLen), sorted.
func (s *Set) Skipped() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.skipped...)
}

// Empty reports whether the set masks nothing.
func (s *Set) Empty() bool { return s == nil || len(s.m.Load().pats) == 0 }

// baseValues are the strings to find for a value: the value, the value
// without surrounding white space, and each line of a multi-line value
// (block scalars print lines one by one, indented). Nothing when the value
// is too short or too common.
func baseValues(v []byte) []string {
	t := strings.TrimSpace(string(v))
	if !maskable(t) {
		return nil
	}
	out := []string{t}
	if string(v) != t {
		out = append(out, string(v))
	}
	if strings.Contains(t, "\n") {
		for _, line := range strings.Split(t, "\n") {
			line = strings.TrimSpace(line)
			if maskable(line) {
				out = append(out, line)
			}
		}
	}
	return out
}

// Distinctive reports whether a value cannot be mistaken for ordinary
// text, so that it is masked wherever it appears, also inside longer
// strings: at least 32 bytes, or at least 8 bytes mixing three of lower
// case, upper case, digits and other characters, or at least 16 bytes
// mixing two. Other values (words, names, short phrases: "value",
// "postgres", "my-password") are masked only where they stand as a whole
// token (see the Writer), so that a file name, key or message that merely
// contains them ("values.yaml") is printed unchanged. Their base64 forms
// are masked wherever they appear either way.
func Distinctive(v string) bool {
	if len(v) >= 32 {
		return true
	}
	if len(v) < 8 {
		return false
	}
	var lower, upper, digit, other int
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case 'a' <= c && c <= 'z':
			lower = 1
		case 'A' <= c && c <= 'Z':
			upper = 1
		case '0' <= c && c <= '9':
			digit = 1
		default:
			other = 1
		}
	}
	n := lower + upper + digit + other
	return n >= 3 || (n >= 2 && len(v) >= 16)
}

func maskable(t string) bool {
	return len(t) >= MinLen && !common[strings.ToLower(t)]
}

// chunks splits s into overlapping pieces of ChunkLen bytes covering it.
func chunks(s string) []string {
	var out []string
	for _, off := range chunkOffsets(len(s)) {
		out = append(out, s[off:min(off+ChunkLen, len(s))])
	}
	return out
}

// chunkOffsets are the starts of the chunks of a string of length n: every
// ChunkLen bytes, the last one ChunkLen before the end.
func chunkOffsets(n int) []int {
	if n <= ChunkLen {
		return []int{0}
	}
	var out []int
	for i := 0; i+ChunkLen < n; i += ChunkLen {
		out = append(out, i)
	}
	return append(out, n-ChunkLen)
}

// FoldMin is the shortest piece of a folded value that is masked. Helm's
// toYaml (and the values --dry-run --debug prints) folds plain and
// double-quoted scalars longer than 80 columns at spaces, so a long value
// with spaces is printed as lines that each hold a piece of it.
const FoldMin = 16

// maxFoldPieces bounds the fold pieces of one value.
const maxFoldPieces = 4096

// foldPieces are the pieces a YAML emitter can print on a line of its own
// when it folds v at spaces: every run from the start or a space to a
// space or the end, at least FoldMin bytes long, not v itself.
func foldPieces(v string) []string {
	if len(v) <= FoldMin || len(v) > BigValue || !strings.Contains(v, " ") {
		return nil
	}
	starts, ends := []int{0}, []int{}
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			ends = append(ends, i)
			starts = append(starts, i+1)
		}
	}
	ends = append(ends, len(v))
	var out []string
	for _, a := range starts {
		for _, b := range ends {
			if b-a < FoldMin || (a == 0 && b == len(v)) {
				continue
			}
			if len(out) == maxFoldPieces {
				return out
			}
			out = append(out, strings.TrimSpace(v[a:b]))
		}
	}
	return out
}

// Leaves returns the secrets of a decrypted values document: every scalar
// leaf (keys are not encrypted by sops, so they are not secret), named
// source:key.path. A document that is not YAML or JSON (a binary file) is
// one secret, named source.
func Leaves(source string, doc []byte) []Secret {
	var out []Secret
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	parsed := false
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			if !parsed {
				return []Secret{{Name: source, Value: doc}}
			}
			// A later document is broken: mask the whole content too.
			return append(out, Secret{Name: source, Value: doc})
		}
		parsed = true
		yamlwalk.Scalars(&n, func(path []yamlwalk.Step, v *yaml.Node) {
			name := yamlwalk.Bracketed(path)
			if name == "" {
				name = "(document)"
			}
			out = append(out, Secret{Name: source + ":" + name, Value: []byte(v.Value)})
		})
	}
	return out
}
