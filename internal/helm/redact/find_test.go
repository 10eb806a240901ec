package redact

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// TestFinderSharedPrefixes: among many values with a long common prefix,
// each occurrence is attributed to its own value at its own offset, in
// plain, escaped and base64 form.
func TestFinderSharedPrefixes(t *testing.T) {
	var secrets []Secret
	for i := 0; i < 300; i++ {
		secrets = append(secrets, Secret{Name: fmt.Sprint("k", i), Value: []byte(fmt.Sprintf("postgres://app:pw-%04d@db.internal/app", i))})
	}
	secrets = append(secrets, Secret{Name: "q", Value: []byte(`say "hi" <now>`)})
	f := NewFinder(secrets, 6)
	text := "x " + string(secrets[123].Value) + " y " + base64.StdEncoding.EncodeToString([]byte("ab"+string(secrets[7].Value))) + ` z {"m":"say \"hi\" \u003cnow\u003e"}`
	got := map[string]Form{}
	f.Find([]byte(text), func(si int, form Form, start, end int) {
		if start < 0 || end > len(text) || start >= end {
			t.Errorf("bad range %d-%d", start, end)
		}
		got[secrets[si].Name] = form
	})
	want := map[string]Form{"k123": FormPlain, "k7": FormBase64, "q": FormEscaped}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("found %v, want %v", got, want)
	}
	if f.Contains([]byte("postgres://app:pw-9999@db.internal/app")) || !f.Contains([]byte(text)) {
		t.Error("Contains is wrong")
	}
}

// TestFinderSkipsShortAndArmour: short values are skipped and named; PEM
// armour lines alone do not match.
func TestFinderSkipsShortAndArmour(t *testing.T) {
	pem := "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
	f := NewFinder([]Secret{{Name: "short", Value: []byte("abc12")}, {Name: "key", Value: []byte(pem)}}, 6)
	if strings.Join(f.Skipped(), ",") != "short" {
		t.Errorf("Skipped %v", f.Skipped())
	}
	if f.Contains([]byte("-----BEGIN PRIVATE KEY-----\nother\n-----END PRIVATE KEY-----")) {
		t.Error("armour lines match")
	}
	if !f.Contains([]byte(`{"k":"` + strings.ReplaceAll(pem, "\n", `\n`) + `"}`)) {
		t.Error("the JSON-escaped key is not found")
	}
}
