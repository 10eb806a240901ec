package encrypt_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestParseErrorsNeverQuotePlaintext: parsers quote their input in error
// messages ("unknown anchor 'x'", "invalid dotenv input line: x", ...);
// when the input is plaintext (Encrypt, an edit), none of it may reach our
// error, in any format, while the position stays.
func TestParseErrorsNeverQuotePlaintext(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	ctx := context.Background()
	cases := []struct {
		format encrypt.Format
		valid  string // a valid document, for Edit
		bad    string
		keep   string // must stay in the message
	}{
		{encrypt.FormatYAML, "a: b\n", "password: *" + canary + "\n", "unknown anchor"},
		{encrypt.FormatYAML, "a: b\n", "a: b\n" + canary + ": [x\n", "line "},
		{encrypt.FormatYAML, "a: b\n", "password: \"" + canary + "\n", "line "},
		{encrypt.FormatDotenv, "A=b\n", "A=b\n" + canary + "\n", "dotenv"},
		{encrypt.FormatDotenv, "A=b\n", "A=b\nmy secret " + canary + " words\n", "dotenv"},
		{encrypt.FormatJSON, `{"a": "b"}`, `{"password": ` + canary + `}`, "invalid character"},
		{encrypt.FormatJSON, `{"a": "b"}`, `{"password": "` + canary + `"`, ""},
		{encrypt.FormatINI, "[s]\na = b\n", "[s]\n" + canary + "\n", ""},
	}
	for _, c := range cases {
		_, err := eng.Encrypt(ctx, []byte(c.bad), encrypt.EncryptOptions{Format: c.format, Recipients: ageRecipients(id)})
		check := func(how string, err error) {
			t.Helper()
			if !errors.Is(err, encrypt.ErrInvalidContent) {
				t.Errorf("%v %s %q: err = %v, want ErrInvalidContent", c.format, how, c.bad, err)
				return
			}
			msg := err.Error()
			t.Logf("%v %s: %s", c.format, how, msg)
			for i := 0; i+6 <= len(canary); i++ {
				if strings.Contains(msg, canary[i:i+6]) {
					t.Errorf("%v %s: the error quotes the plaintext: %s", c.format, how, msg)
					break
				}
			}
			if strings.Contains(msg, "words") {
				t.Errorf("%v %s: the error quotes the plaintext: %s", c.format, how, msg)
			}
			if !strings.Contains(msg, c.keep) {
				t.Errorf("%v %s: the error lost %q: %s", c.format, how, c.keep, msg)
			}
		}
		check("Encrypt", err)
		enc, err := eng.Encrypt(ctx, []byte(c.valid), encrypt.EncryptOptions{Format: c.format, Recipients: ageRecipients(id)})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = eng.Edit(ctx, enc, c.format, func([]byte) ([]byte, error) { return []byte(c.bad), nil })
		check("Edit", err)
	}
}
