package helmwrap

import (
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
)

func TestRedactByDefault(t *testing.T) {
	for _, tc := range []struct {
		args  string
		debug bool
		want  bool
	}{
		{"diff upgrade r c", false, true},
		{"diff revision r 1 2", false, true},
		{"lint c", false, true},
		{"status r", false, true},
		{"history r", false, true},
		{"get values r", false, true},
		{"get -n ns all r", false, true},
		{"get manifest r", false, false},
		{"upgrade --install r c --dry-run", false, true},
		{"install r c --dry-run=server", false, true},
		{"install r c --dry-run=false", false, false},
		{"upgrade r c --debug", false, true},
		// Before: --debug=true (helm's --debug) left helm's output as it was.
		{"upgrade r c --debug=true", false, true},
		{"upgrade r c --debug=false", false, false},
		{"upgrade r c", true, true},
		{"template r c", false, false},
		{"template r c -- --debug", false, false},
		{"install r c", false, false},
		{"upgrade r c", false, false},
	} {
		if got := RedactByDefault(strings.Fields(tc.args), tc.debug); got != tc.want {
			t.Errorf("%s (HELM_DEBUG %t): %t, want %t", tc.args, tc.debug, got, tc.want)
		}
	}
}

// TestRedactSecretsSkipsUnencryptedLeaves: leaves an encrypted_regex rule
// left in clear text are public and not masked; every encrypted leaf is.
func TestRedactSecretsSkipsUnencryptedLeaves(t *testing.T) {
	enc := "image: nginx-public\npassword: ENC[AES256_GCM,data:abc,type:str]\nnested:\n  token: ENC[AES256_GCM,data:def,type:str]\n  region: eu-west-1\nsops:\n  version: 3.9.0\n"
	plain := "image: nginx-public\npassword: hunter2-pw\nnested:\n  token: tok-value\n  region: eu-west-1\n"
	got := RedactSecrets([]wrapper.Plaintext{
		{Source: "s.yaml", Values: true, Content: []byte(plain)},
		{Source: "--set k", Content: []byte("literal-value")},
		{Source: "--set-json j", Content: []byte(`{"user":"json-user","pw":"json-pw-value"}`)},
	}, func(name string) ([]byte, error) {
		if name != "s.yaml" {
			t.Errorf("read %q", name)
		}
		return []byte(enc), nil
	})
	var names []string
	for _, s := range got {
		names = append(names, s.Name+"="+string(s.Value))
	}
	if strings.Join(names, ",") != "s.yaml:password=hunter2-pw,s.yaml:nested.token=tok-value,--set k=literal-value,"+
		`--set-json j={"user":"json-user","pw":"json-pw-value"},--set-json j:user=json-user,--set-json j:pw=json-pw-value` {
		t.Fatalf("secrets: %s", strings.Join(names, ","))
	}
}
