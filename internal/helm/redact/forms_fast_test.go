package redact

import (
	"math/rand"
	"slices"
	"testing"
)

// TestTextFormsShortcut: for printable ASCII without escaped characters,
// textForms gives the same set of forms as computing every form.
func TestTextFormsShortcut(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	alphabet := []byte("abcXYZ019 -_.~+/=:@!#$%()*,;?[]{}|^`")
	cases := []string{"plain", "with space", "a+b/c=d", "p@ss:w0rd!", "x?y=z&w", "100%", "tab\\tnot"}
	for i := 0; i < 2000; i++ {
		b := make([]byte, 1+r.Intn(40))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if !plainASCII(s) {
			continue
		}
		got, want := textForms(s), allTextForms(s)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(slices.Compact(got), slices.Compact(want)) {
			t.Errorf("%q: forms %q, want %q", s, got, want)
		}
	}
	for _, s := range []string{`a"b`, `a\b`, "a<b", "a'b", "a\nb", "é"} {
		if plainASCII(s) {
			t.Errorf("%q counted as plain", s)
		}
	}
}
