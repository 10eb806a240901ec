package urls_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
)

// TestDownloadLimit: a download over the cap is refused, with or without
// Content-Length.
func TestDownloadLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("chunked") != "" {
			w.(http.Flusher).Flush() // no Content-Length
		}
		_, _ = w.Write(bytes.Repeat([]byte("x"), 100))
	}))
	defer srv.Close()
	for _, u := range []string{srv.URL, srv.URL + "?chunked=1"} {
		if _, err := urls.Download(context.Background(), nil, u, 99); err == nil {
			t.Errorf("%s: over the limit accepted: %v", u, err)
		}
		if data, err := urls.Download(context.Background(), nil, u, 100); err != nil || len(data) != 100 {
			t.Errorf("%s: at the limit: %d bytes, %v", u, len(data), err)
		}
	}
}
