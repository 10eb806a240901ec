package redact

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

// FuzzRedact: for any secrets and any text that embeds them in any form,
// written in any pieces, no maskable secret survives in any form (leaks)
// and the output is the input with some ranges replaced by Mask, nothing
// else changed (maskedOnly).
func FuzzRedact(f *testing.F) {
	f.Add("hunter2-pw", "other\nline-two", "password: ", "\nnext: 1\n", uint8(0), uint8(1))
	f.Add(`q"u\ote`, "abcd", `{"a":"`, `"}`, uint8(1), uint8(3))
	f.Add("s3cr3t-Value", "xyz", "data: ", "\n", uint8(2), uint8(0))
	f.Add("pa ss&wd", "tokentoken", "https://h/?p=", "&x=y", uint8(3), uint8(7))
	f.Add("-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----", "k", "  key: |\n    ", "\n", uint8(4), uint8(2))
	f.Fuzz(func(t *testing.T, s1, s2, pre, post string, mode, step uint8) {
		if strings.Contains(pre+post+s1+s2, Mask) || len(pre+post+s1+s2) > 4096 {
			return
		}
		var embedded string
		switch mode % 6 {
		case 0:
			embedded = s1
		case 1:
			embedded = jsonEscape(s1, true)
		case 2:
			embedded = base64.StdEncoding.EncodeToString([]byte(pre + s1 + post))
		case 3:
			embedded = url.QueryEscape(s1)
		case 4:
			embedded = strings.ReplaceAll(s1, "\n", "\n    ")
		case 5:
			embedded = base64.URLEncoding.EncodeToString([]byte(s2 + s1))
		}
		in := pre + embedded + post + s2 + pre
		secrets := []Secret{{Name: "a", Value: []byte(s1)}, {Name: "b", Value: []byte(s2)}}
		out := filter(t, secrets, in, int(step%17))
		if leak := leaks(out, []string{s1, s2}); leak != "" {
			t.Fatalf("%s survives\nin:  %q\nout: %q", leak, in, out)
		}
		if !maskedOnly(in, out) {
			t.Fatalf("non-secret bytes changed\nin:  %q\nout: %q", in, out)
		}
		// Streaming does not change the result.
		if whole := filter(t, secrets, in, 0); whole != out {
			t.Fatalf("pieces of %d give %q, one write gives %q", step%17, out, whole)
		}
	})
}
