package valsproto

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAllWarning: HELM_SECRETS_VALS_PROVIDERS=all prints one warning per
// session on stderr, none with -q, HELM_SECRETS_QUIET or in Argo CD, and
// none for any other policy. cat stands in for helm-secrets-vals: it
// answers every request with the request itself (the
// script takes the place of the binary: `fake-vals serve` runs cat).
func TestAllWarning(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	cat := filepath.Join(t.TempDir(), "fake-vals")
	if err := os.WriteFile(cat, []byte("#!/bin/sh\nexec cat\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		policy Policy
		env    map[string]string
		quiet  bool
		want   int
	}{
		{"all", ParsePolicy([]string{"all"}), nil, false, 1},
		{"default", Policy{}, nil, false, 0},
		{"listed", ParsePolicy([]string{"default", "exec"}), nil, false, 0},
		{"-q", ParsePolicy([]string{"all"}), nil, true, 0},
		{"HELM_SECRETS_QUIET", ParsePolicy([]string{"all"}), map[string]string{"HELM_SECRETS_QUIET": "true"}, false, 0},
		{"HELM_SECRETS_QUIET=false", ParsePolicy([]string{"all"}), map[string]string{"HELM_SECRETS_QUIET": "false"}, false, 1},
		{"Argo CD", ParsePolicy([]string{"all"}), map[string]string{"ARGOCD_APP_NAME": "app"}, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var stderr strings.Builder
			s := NewSession(Options{Binary: cat, Policy: c.policy, Stderr: &stderr, Quiet: func() bool { return c.quiet }})
			defer s.Close()
			for range 2 {
				if out, err := s.Literal(context.Background(), "x", "ref+echo://a"); err != nil || string(out) != "ref+echo://a" {
					t.Fatalf("Literal: %q %v", out, err)
				}
			}
			if n := strings.Count(stderr.String(), "HELM_SECRETS_VALS_PROVIDERS=all: vals references may read any file, run any command"); n != c.want {
				t.Errorf("%d warnings, want %d: %q", n, c.want, stderr.String())
			}
		})
	}
}
