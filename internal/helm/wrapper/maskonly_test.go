package wrapper_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestMaskOnly: with MaskOnly the -f/--values files, in every spelling,
// are decrypted (Plaintexts, Decrypted) and left out of helm's command
// line; nothing is served for them (no private directory), so helm gets
// neither a path nor the plaintext.
func TestMaskOnly(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	f.encrypted("secrets.yaml", "password: "+canary+"\n", encrypt.FormatYAML)
	f.encrypted("sub/secrets.yaml", "token: "+canary+"-2\n", encrypt.FormatYAML)
	_ = os.WriteFile("plain.yaml", []byte("port: 80\n"), 0o600)
	var out, errb bytes.Buffer
	r, err := wrapper.Prepare(context.Background(), wrapper.Options{
		Helm: os.Args[0], MaskOnly: true,
		Args: []string{"diff", "revision", "-f", "secrets.yaml,plain.yaml", "r", "--values=sub/secrets.yaml", "-fsecrets.yaml",
			"1", "-f=?missing.yaml", "--values", "secrets.yaml", "2", "--show-secrets"},
		Backends: backend.Selector{Engine: f.eng}, Stdout: &out, Stderr: &errb,
		Env: append(os.Environ(), "HELM_SECRETS_TEST_MODE=fakehelm"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Args(), " "); got != "diff revision r 1 2 --show-secrets" {
		t.Errorf("helm's args %q", got)
	}
	if want := []string{"secrets.yaml", "sub/secrets.yaml", "secrets.yaml", "secrets.yaml"}; !slices.Equal(r.Decrypted(), want) {
		t.Errorf("Decrypted() = %q, want %q", r.Decrypted(), want)
	}
	var got []string
	for _, p := range r.Plaintexts() {
		got = append(got, p.Source+"|"+strings.TrimSpace(string(p.Content)))
	}
	if want := "secrets.yaml|password: " + canary + ";sub/secrets.yaml|token: " + canary + "-2"; !strings.HasPrefix(strings.Join(got, ";"), want) {
		t.Errorf("plaintexts %q, want them to start with %q", got, want)
	}
	assertNoLeftovers(t, f.tmp) // nothing served: no private directory
	if code, err := r.Exec(context.Background()); code != 0 || err != nil {
		t.Fatalf("exec: %d %v\n%s", code, err, errb.String())
	}
	if !strings.HasPrefix(out.String(), "args: diff revision r 1 2 --show-secrets\n") || strings.Contains(out.String(), "---") || strings.Contains(out.String(), canary) {
		t.Errorf("helm got more than its own arguments:\n%s", out.String())
	}
	// A --set-file is served as usual.
	f.encrypted("cert.pem", canary+"-cert\n", encrypt.FormatBinary)
	out.Reset()
	r, err = wrapper.Prepare(context.Background(), wrapper.Options{
		Helm: os.Args[0], MaskOnly: true, Args: []string{"get", "values", "r", "-f", "secrets.yaml", "--set-file", "k=cert.pem"},
		Backends: backend.Selector{Engine: f.eng}, Stdout: &out, Stderr: &errb,
		Env: append(os.Environ(), "HELM_SECRETS_TEST_MODE=fakehelm"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if code, err := r.Exec(context.Background()); code != 0 || err != nil || !strings.Contains(out.String(), "--- cert.pem.dec\n"+canary+"-cert") ||
		strings.Contains(out.String(), "secrets.yaml") || len(r.Plaintexts()) != 2 {
		t.Errorf("--set-file: %d %v\n%s", code, err, out.String())
	}
	assertNoLeftovers(t, f.tmp)
}

// TestMaskOnlyRefuses: a source the wrapper cannot read itself, a
// directory, a missing or tampered file stop the run before helm
// starts, each named; no plaintext in the error.
func TestMaskOnlyRefuses(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	good := f.encrypted("good.yaml", "a: "+canary+"\n", encrypt.FormatYAML)
	enc, _ := os.ReadFile(good)
	_ = os.WriteFile("tampered.yaml", bytes.Replace(enc, []byte("a: ENC[AES256_GCM,data:"), []byte("a: ENC[AES256_GCM,data:AA"), 1), 0o600)
	_ = os.Mkdir("dir.yaml", 0o700)
	for _, tc := range []struct{ source, want string }{
		{"-", "-: only a local file or a URL the wrapper fetches can name the secrets to mask"},
		{"secrets://good.yaml", "secrets://good.yaml: only a local file"},
		{"oci://registry/x", "oci://registry/x: only a local file"},
		{"dir.yaml", "Not a file: dir.yaml"},
		{"nope.yaml", "File does not exist: nope.yaml"},
		{"tampered.yaml", "Error while decrypting file: tampered.yaml"},
	} {
		var out, errb bytes.Buffer
		r, err := wrapper.Prepare(context.Background(), wrapper.Options{
			Helm: os.Args[0], MaskOnly: true, Args: []string{"diff", "rollback", "r", "1", "-f", "good.yaml," + tc.source},
			Backends: backend.Selector{Engine: f.eng}, Stdout: &out, Stderr: &errb,
		})
		if err == nil {
			r.Close()
			t.Errorf("%s: accepted", tc.source)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), canary) {
			t.Errorf("%s: error %q, want %q", tc.source, err, tc.want)
		}
	}
	assertNoLeftovers(t, f.tmp)
}
