package wrapper_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/backend"
	"github.com/helm-secrets/helm-secrets/internal/wrapper"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestPlaintextsAndSetStreams: Prepare exposes every decrypted source (a
// values file, a --set-file file, a literal; not plain files) so the CLI
// can mask them, and SetStreams replaces helm's output streams.
func TestPlaintextsAndSetStreams(t *testing.T) {
	f := newFixture(t)
	sec := f.encrypted("secrets.yaml", "password: "+canary+"\n", encrypt.FormatYAML)
	cert := f.encrypted("cert.pem", canary+"-cert\n", encrypt.FormatBinary)
	plain := f.encrypted("", canary+"-lit", encrypt.FormatBinary)
	lit := `\` + strings.ReplaceAll(strings.ReplaceAll(plain, `\`, `\\`), ",", `\,`)
	t.Chdir(f.dir)
	_ = os.WriteFile("plain.yaml", []byte("port: 80\n"), 0o600)
	var ignored, out bytes.Buffer
	r, err := wrapper.Prepare(context.Background(), wrapper.Options{
		Helm: os.Args[0], Args: []string{"template", "c", "-f", "plain.yaml", "-f", sec, "--set-file", "crt=" + cert, "--set", "tok=" + lit},
		Backends: backend.Selector{Engine: f.eng}, Stdout: &ignored, Stderr: &ignored,
		Env: append(os.Environ(), "HELM_SECRETS_TEST_MODE=fakehelm"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range r.Plaintexts() {
		got = append(got, p.Source+"|"+strings.TrimSpace(string(p.Content))+"|"+map[bool]string{true: "values", false: "whole"}[p.Values])
	}
	want := "--set tok|" + canary + "-lit|whole;" + sec + "|password: " + canary + "|values;" + cert + "|" + canary + "-cert|whole"
	if strings.Join(got, ";") != want {
		t.Fatalf("plaintexts:\n%s\nwant\n%s", strings.Join(got, ";"), want)
	}
	r.SetStreams(&out, nil)
	if code, err := r.Exec(context.Background()); code != 0 || err != nil {
		t.Fatalf("exec: %d %v\n%s", code, err, ignored.String())
	}
	if !strings.Contains(out.String(), "args: template c") || strings.Contains(ignored.String(), "args:") {
		t.Fatalf("helm's stdout not redirected: %q / %q", out.String(), ignored.String())
	}
}
