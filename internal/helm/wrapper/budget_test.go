package wrapper_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/remote/fetch"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestRunInputBudget: local files, downloads and literals draw from one
// input budget per run (64 MiB): eight 30 MiB URLs, each under the
// per-file cap, are refused before helm starts, and the downloads stop
// once the total is over (the server is not read to the end).
func TestRunInputBudget(t *testing.T) {
	f := newFixture(t)
	sec := f.encrypted("secrets.yaml", "password: "+canary+"\n", encrypt.FormatYAML)
	// Not YAML from its first byte: the engine's parse stops there.
	body := append([]byte("\t"), bytes.Repeat([]byte("x"), 30<<20)...)
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for off := 0; off < len(body); off += 1 << 20 {
			n, err := w.Write(body[off:min(off+1<<20, len(body))])
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	args := []string{"template", "c", "-f", sec}
	for _, p := range []string{"/a.yaml", "/b.yaml", "/c.yaml", "/d.yaml", "/e.yaml", "/f.yaml", "/g.yaml", "/h.yaml"} {
		args = append(args, "-f", srv.URL+p)
	}
	var ignored bytes.Buffer
	r, err := wrapper.Prepare(context.Background(), wrapper.Options{
		Helm: os.Args[0], Args: args,
		Backends: backend.Selector{Engine: f.eng}, Stdout: &ignored, Stderr: &ignored, Remote: &fetch.Fetcher{Limit: encrypt.DefaultMaxInputSize},
		Env: append(os.Environ(), "HELM_SECRETS_TEST_MODE=fakehelm"),
	})
	if err == nil {
		r.Close()
		t.Fatal("eight 30 MiB downloads: accepted")
	}
	if !strings.Contains(err.Error(), "exceed the limit") || !errors.Is(err, fetch.ErrFetch) {
		t.Errorf("%v", err)
	}
	srv.CloseClientConnections()
	if s := sent.Load(); s > 160<<20 {
		t.Errorf("%d MiB sent: the downloads went on past the budget", s>>20)
	}
}
