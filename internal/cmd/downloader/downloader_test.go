package downloader

import (
	"context"
	"errors"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
)

// The plaintext, and only it, on stdout.
func TestDownloader(t *testing.T) {
	e := cmdtest.New(t, "sops")
	file := e.Encrypted(t, "secrets.yaml", "password: hunter2\n")
	if err := Run(context.Background(), &Options{Factory: e.F, Args: []string{"", "", "", "secrets://" + file}}); err != nil {
		t.Fatalf("%v; stderr %q", err, e.ErrOut)
	}
	if e.Out.String() != "password: hunter2\n" || e.ErrOut.Len() != 0 {
		t.Fatalf("stdout %q stderr %q", e.Out, e.ErrOut)
	}
}

// Helm's protocol has four arguments; fewer is an error on stderr.
func TestDownloaderArgs(t *testing.T) {
	e := cmdtest.New(t, "sops")
	err := Run(context.Background(), &Options{Factory: e.F, Args: []string{"secrets://x"}})
	if !errors.Is(err, cmdutil.ErrReported) || e.ErrOut.String() != "[helm-secrets] downloader: expected 4 arguments: CERT_FILE KEY_FILE CA_FILE URL\n" || e.Out.Len() != 0 {
		t.Fatalf("err %v stderr %q stdout %q", err, e.ErrOut, e.Out)
	}
}

// schemeOf never shows more than the scheme (a literal may follow).
func TestSchemeOf(t *testing.T) {
	for in, want := range map[string]string{"secrets+literal://c2VjcmV0": "secrets+literal://", "values.yaml": "(no scheme)"} {
		if got := schemeOf(in); got != want {
			t.Errorf("schemeOf(%q) = %q, want %q", in, got, want)
		}
	}
}
