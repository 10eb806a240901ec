package urls

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestNetrcLogin(t *testing.T) {
	text := "machine other.example login o password op\n" +
		"macdef init\n  machine values.example login evil password evil\n\n" +
		"machine values.example\n  login alice\n  password s3cret\n" +
		"default login anyone password everywhere\n"
	for host, want := range map[string][2]string{
		"values.example": {"alice", "s3cret"},
		"VALUES.example": {"alice", "s3cret"},
		"other.example":  {"o", "op"},
		"attacker.test":  {"", ""}, // default is never used
	} {
		l, p, ok := netrcLogin(text, host)
		if l != want[0] || p != want[1] || ok != (want[0] != "") {
			t.Errorf("%s: %q %q %v, want %q", host, l, p, ok, want)
		}
	}
}

// TestDownloadNetrc: a URL without credentials gets the .netrc entry of
// its host (NETRC names the file); one with credentials keeps its own.
func TestDownloadNetrc(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		got = append(got, u+":"+p)
		_, _ = w.Write([]byte("a: 1\n"))
	}))
	defer srv.Close()
	host := "127.0.0.1"
	netrc := filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(netrc, []byte("machine "+host+" login alice password s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NETRC", netrc)
	if _, err := Download(context.Background(), nil, srv.URL+"/v.yaml", 1<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := Download(context.Background(), nil, "http://bob:pw@"+srv.Listener.Addr().String()+"/v.yaml", 1<<20); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NETRC", filepath.Join(t.TempDir(), "missing"))
	if _, err := Download(context.Background(), nil, srv.URL+"/v.yaml", 1<<20); err != nil {
		t.Fatal(err)
	}
	want := []string{"alice:s3cret", "bob:pw", ":"}
	if len(got) != len(want) {
		t.Fatalf("requests: %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: auth %q, want %q", i, got[i], want[i])
		}
	}
}
