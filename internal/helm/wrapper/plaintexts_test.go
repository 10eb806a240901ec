package wrapper_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/remote/fetch"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
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

// TestDecryptionsAndRemotePlaintexts: a URL source fetched and decrypted
// by the wrapper is in Plaintexts (so its values are masked) and, like
// the local file and the literal, in Decryptions with the key that
// decrypted it (under encrypt.RecordKeys) and its URL redacted.
func TestDecryptionsAndRemotePlaintexts(t *testing.T) {
	f := newFixture(t)
	sec := f.encrypted("secrets.yaml", "password: "+canary+"\n", encrypt.FormatYAML)
	remote := f.encrypted("", "remote: "+canary+"-remote\n", encrypt.FormatYAML)
	lit := f.encrypted("", canary+"-lit", encrypt.FormatBinary)
	lit = `\` + strings.ReplaceAll(strings.ReplaceAll(lit, `\`, `\\`), ",", `\,`)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(remote))
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	url := "http://u:" + canary + "-pass@" + strings.TrimPrefix(srv.URL, "http://") + "/r.yaml"
	shown := urls.Redact(url)
	var ignored bytes.Buffer
	ctx, _ := encrypt.RecordKeys(context.Background())
	r, err := wrapper.Prepare(ctx, wrapper.Options{
		Helm: os.Args[0], Args: []string{"template", "c", "-f", sec, "-f", url, "--set", "tok=" + lit},
		Backends: backend.Selector{Engine: f.eng}, Stdout: &ignored, Stderr: &ignored, Remote: &fetch.Fetcher{},
		Env: append(os.Environ(), "HELM_SECRETS_TEST_MODE=fakehelm"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	for _, p := range r.Plaintexts() {
		got = append(got, p.Source+"|"+strings.TrimSpace(string(p.Content)))
	}
	want := "--set tok|" + canary + "-lit;" + shown + "|remote: " + canary + "-remote;" + sec + "|password: " + canary
	if strings.Join(got, ";") != want {
		t.Errorf("plaintexts:\n%s\nwant\n%s", strings.Join(got, ";"), want)
	}
	key := "age " + f.id.Recipient().String()
	got = nil
	for _, d := range r.Decryptions() {
		got = append(got, d.Source+"|"+strings.Join(d.Keys, ","))
	}
	want = "--set tok|" + key + ";" + shown + "|" + key + ";" + sec + "|" + key
	if strings.Join(got, ";") != want {
		t.Errorf("decryptions:\n%s\nwant\n%s", strings.Join(got, ";"), want)
	}
	if strings.Contains(want, canary+"-pass") {
		t.Error("the URL's password is in a source name")
	}
}
