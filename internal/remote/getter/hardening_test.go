package getter_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/remote/getter"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestKeyLocationPrefixOnResolvedPaths: HELM_SECRETS_KEY_LOCATION_PREFIX
// compares cleaned paths resolved through symlinks, not strings (before,
// `/allowed/../keys/key.txt` passed).
func TestKeyLocationPrefixOnResolvedPaths(t *testing.T) {
	f := newGetterFixture(t)
	allowed := filepath.Join(f.dir, "allowed")
	if err := os.Mkdir(allowed, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(f.keyFile), filepath.Join(allowed, "link")); err != nil {
		t.Fatal(err)
	}
	f.write(t, "secrets.yaml", "password: "+getterCanary+"\n", encrypt.FormatYAML)
	t.Setenv("HELM_SECRETS_KEY_LOCATION_PREFIX", allowed+"/")
	for _, key := range []string{
		allowed + "/../" + filepath.Base(f.keyFile),
		filepath.Join(allowed, "link", filepath.Base(f.keyFile)),
		allowed + "X/" + filepath.Base(f.keyFile),
	} {
		if f.keyFile == key {
			t.Fatal("test setup")
		}
		_, err := fetch(t, "secrets+age-import://"+key+"?secrets.yaml")
		if err == nil || !strings.Contains(err.Error(), "Key location '"+key+"' is not allowed") {
			t.Errorf("%s: %v, want refused", key, err)
		}
	}
	// Inside the directory, it works.
	inside := filepath.Join(allowed, "key.txt")
	b, _ := os.ReadFile(f.keyFile)
	if err := os.WriteFile(inside, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := fetch(t, "secrets+age-import://"+inside+"?secrets.yaml"); err != nil || !strings.Contains(got, getterCanary) {
		t.Fatalf("inside the prefix: %q, %v", got, err)
	}
}

// TestMaxSizeAppliesToLocalFiles: Options.MaxSize caps local files too
// (before, it reached only downloads and engines Fetch created itself).
func TestMaxSizeAppliesToLocalFiles(t *testing.T) {
	f := newGetterFixture(t)
	f.write(t, "secrets.yaml", "password: "+getterCanary+"\n", encrypt.FormatYAML)
	o := pluginenv.Getter()
	o.Engine = encrypt.New(encrypt.Options{}) // the caller's engine, default cap
	o.MaxSize = 10
	_, err := getter.Fetch(context.Background(), "secrets://secrets.yaml", o)
	if !errors.Is(err, encrypt.ErrTooLarge) {
		t.Fatalf("%v, want ErrTooLarge", err)
	}
}

// TestKeyFileFIFONeverBlocks: a FIFO named as the key file of
// secrets+age-import:// is refused at once (before, the getter blocked
// forever before helm could go on).
func TestKeyFileFIFONeverBlocks(t *testing.T) {
	f := newGetterFixture(t)
	f.write(t, "secrets.yaml", "password: "+getterCanary+"\n", encrypt.FormatYAML)
	fifo := filepath.Join(f.dir, "key.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := fetch(t, "secrets+age-import://"+fifo+"?secrets.yaml"); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("%v, want a refusal", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("blocked on a FIFO key file for 5 s")
	}
}

// TestURLVariableExpansionAllowlist: with expansion on, a URL naming a
// variable that is neither in the documented default list nor in
// HELM_SECRETS_URL_VARIABLE_EXPANSION_ALLOWLIST (an age key, a database
// URL, a CI job token, a GitHub token) sends nothing to its host; listed
// names and the defaults expand.
func TestURLVariableExpansionAllowlist(t *testing.T) {
	f := newGetterFixture(t)
	var hits atomic.Int64
	var leaked atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if strings.Contains(r.URL.String(), "AGE-SECRET-KEY") {
			leaked.Store(true)
		}
		http.Error(w, "no", http.StatusNotFound)
	}))
	defer srv.Close()
	t.Setenv("HELM_SECRETS_URL_VARIABLE_EXPANSION", "true")
	t.Setenv("SOPS_AGE_KEY", "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ")
	t.Setenv("GITHUB_TOKEN", "ghp-token-value")
	t.Setenv("APP_PATH", "dir")
	t.Setenv("DATABASE_URL", "postgres://u:pw@db/x")
	t.Setenv("CI_JOB_JWT", "eyJjwt")
	t.Setenv("GITHUB_PAT", "github_pat_value")
	t.Setenv("ARGOCD_APP_NAME", "app")
	for _, c := range []struct {
		allow, url, refused string
	}{
		{"", srv.URL + "/x?k=${SOPS_AGE_KEY}", "SOPS_AGE_KEY"},
		{"", srv.URL + "/${GITHUB_TOKEN}/v.yaml", "GITHUB_TOKEN"},
		{"APP_PATH", srv.URL + "/${GITHUB_TOKEN}/v.yaml", "GITHUB_TOKEN"},
		{"", srv.URL + "/x?db=${DATABASE_URL}", "DATABASE_URL"},
		{"", srv.URL + "/x?jwt=${CI_JOB_JWT}", "CI_JOB_JWT"},
		{"", srv.URL + "/${GITHUB_PAT}/v.yaml", "GITHUB_PAT"},
		{"", srv.URL + "/${APP_PATH}/v.yaml", "APP_PATH"},
		{"", srv.URL + "/${ARGOCD_APP_NAME}/v.yaml", ""},
		{"APP_PATH", srv.URL + "/${APP_PATH}/v.yaml", ""},
		{"APP_PATH", srv.URL + "/${ARGOCD_APP_NAME}/v.yaml", ""},
		{"GITHUB_TOKEN", srv.URL + "/${GITHUB_TOKEN}/v.yaml", ""},
		{"GITHUB_TOKEN", srv.URL + "/${APP_PATH}/v.yaml", "APP_PATH"},
	} {
		t.Setenv("HELM_SECRETS_URL_VARIABLE_EXPANSION_ALLOWLIST", c.allow)
		before := hits.Load()
		_, err := fetch(t, "secrets+age-import://"+f.keyFile+"?"+c.url)
		if err == nil {
			t.Fatalf("%s: the fake server serves nothing", c.url)
		}
		if c.refused != "" {
			if !strings.Contains(err.Error(), "variables not allowed in URL: "+c.refused) || hits.Load() != before || strings.Contains(err.Error(), "pw@") {
				t.Errorf("allow %q, %s: %v (%d requests), want %s refused before any request", c.allow, c.url, err, hits.Load()-before, c.refused)
			}
		} else if hits.Load() == before {
			t.Errorf("allow %q, %s: no request (%v)", c.allow, c.url, err)
		}
	}
	if leaked.Load() {
		t.Fatal("the age key reached the URL's host")
	}
}
