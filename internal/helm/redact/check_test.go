package redact

import (
	"encoding/base64"
	"strings"
	"testing"
)

// leaks reports a secret form found in out (masks removed): any text form
// of a maskable base value, or a base64 run (either alphabet, any start)
// that decodes to text containing one. "" means none.
func leaks(out string, secrets []string) string {
	pieces := strings.Split(out, Mask)
	var forms []string
	word := map[string]bool{} // forms found only as whole tokens
	for _, s := range secrets {
		for _, b := range baseValues([]byte(s)) {
			for _, f := range textForms(b) {
				forms = append(forms, f)
				if !Distinctive(b) {
					word[f] = true
				}
			}
		}
	}
	for _, s := range secrets {
		for _, b := range baseValues([]byte(s)) {
			if Distinctive(b) {
				for _, f := range textForms(b) {
					delete(word, f) // some value's distinctive form
				}
			}
		}
	}
	for n, p := range pieces {
		for _, f := range forms {
			if len(f) < MinLen {
				continue
			}
			if !word[f] && strings.Contains(p, f) {
				return "form " + f
			}
			if word[f] && tokenIn(p, f, n == 0, n == len(pieces)-1) {
				return "token " + f
			}
		}
		for _, run := range b64Runs(p) {
			for start := 0; start < 4 && start < len(run); start++ {
				r := strings.TrimRight(run[start:], "=")
				r = r[:len(r)/4*4]
				for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
					d, err := enc.DecodeString(r)
					if err != nil {
						continue
					}
					for _, f := range forms {
						if len(f) >= MinLen && strings.Contains(string(d), f) {
							return "base64 of " + f
						}
					}
				}
			}
		}
	}
	return ""
}

// b64Runs are the maximal runs of base64 characters in s.
func b64Runs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r >= 256 || classes[r] == 0 })
}

// maskedOnly reports whether out is in with some non-empty ranges replaced
// by Mask and nothing else changed (in must not contain Mask).
func maskedOnly(in, out string) bool {
	pieces := strings.Split(out, Mask)
	if !strings.HasPrefix(in, pieces[0]) {
		return false
	}
	if len(pieces) == 1 {
		return in == out
	}
	cur := len(pieces[0])
	last := pieces[len(pieces)-1]
	for _, p := range pieces[1 : len(pieces)-1] {
		i := strings.Index(in[min(cur+1, len(in)):], p)
		if i < 0 {
			return false
		}
		cur = min(cur+1, len(in)) + i + len(p)
	}
	return strings.HasSuffix(in, last) && len(in)-len(last) >= cur+1
}

func assertMaskedOnly(t *testing.T, in, out string) {
	t.Helper()
	if !maskedOnly(in, out) {
		t.Errorf("output changes more than masked ranges:\nin:  %q\nout: %q", in, out)
	}
}

// tokenIn reports whether f stands as a whole token (isToken) somewhere in
// piece, a part of the output between masks: its edges next to a mask
// count as word bytes (the masked bytes are unknown), those at the start
// (first) and end (last) of the output as the stream's ends.
func tokenIn(piece, f string, first, last bool) bool {
	at := func(i int) int {
		if (i < 0 && first) || (i >= len(piece) && last) {
			return -1
		}
		if i < 0 || i >= len(piece) {
			return 'x'
		}
		return int(piece[i])
	}
	for i := 0; ; {
		j := strings.Index(piece[i:], f)
		if j < 0 {
			return false
		}
		s, e := i+j, i+j+len(f)
		if isToken(at(s-1), at(e), at(e+1)) {
			return true
		}
		i = s + 1
	}
}
