package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/helmwrap"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestRedactOption: --redact and HELM_SECRETS_REDACT choose; --redact=false
// wins over the command's default and the variable; the skipped values are
// named on stderr (never their values); helm's exit code is kept.
func TestRedactOption(t *testing.T) {
	testenv.Isolate(t)
	const secret = "s3cret-canary-value"
	replaceWrap(t, func(_ context.Context, o wrapper.Options, prepared helmwrap.PreparedFunc) (int, error) {
		stdout, stderr := prepared(helmwrap.Prepared{Args: o.Args, Plaintexts: []wrapper.Plaintext{
			{Source: "s.yaml", Values: true, Content: []byte("pw: " + secret + "\nenabled: true\n")},
		}})
		if stdout == nil {
			stdout = o.Stdout
		}
		if stderr == nil {
			stderr = o.Stderr
		}
		fmt.Fprintf(stdout, "out %s", secret[:5])
		fmt.Fprintf(stdout, "%s\n", secret[5:])
		fmt.Fprintf(stderr, "err %s\n", secret)
		return 7, nil
	})
	for _, tc := range []struct {
		env    string
		args   []string
		masked bool
	}{
		{"", []string{"template", "r", "c"}, false},
		{"", []string{"--redact", "template", "r", "c"}, true},
		{"", []string{"--redact", "true", "template", "r", "c"}, true},
		{"", []string{"diff", "upgrade", "r", "c"}, true},
		{"", []string{"--redact=false", "diff", "upgrade", "r", "c"}, false},
		{"", []string{"--redact", "false", "upgrade", "r", "c", "--dry-run"}, false},
		{"true", []string{"template", "r", "c"}, true},
		{"yes", []string{"template", "r", "c"}, true},
		{"false", []string{"lint", "c"}, false},
		{"true", []string{"--redact=false", "template", "r", "c"}, false},
		{"false", []string{"--redact", "template", "r", "c"}, true},
		{"stderr", []string{"template", "r", "c"}, false},
		{"", []string{"--redact=stderr", "template", "r", "c"}, false},
		{"", []string{"--redact", "stderr", "template", "r", "c"}, false},
	} {
		t.Run(tc.env+" "+strings.Join(tc.args, " "), func(t *testing.T) {
			t.Setenv("HELM_SECRETS_REDACT", tc.env)
			out, errOut, code := runCLI(t, "", tc.args...)
			if code != 7 {
				t.Fatalf("exit code %d, want helm's 7", code)
			}
			if tc.masked {
				if out != "out [redacted]\n" || !strings.Contains(errOut, "err [redacted]\n") {
					t.Fatalf("not masked: %q %q", out, errOut)
				}
				if !strings.Contains(errOut, "Not redacted (shorter than 4 bytes or too common): s.yaml:enabled\n") {
					t.Fatalf("skipped values not named: %q", errOut)
				}
			} else if stderrOnly := strings.Contains(tc.env+strings.Join(tc.args, " "), "stderr"); out != "out "+secret+"\n" ||
				strings.Contains(errOut, "Not redacted") != stderrOnly || strings.Contains(errOut, secret) == stderrOnly {
				t.Fatalf("stdout masked, or stderr masked/warned unasked: %q %q", out, errOut)
			}
		})
	}
	if _, errOut, code := runCLI(t, "", "--redact=yes", "template", "r", "c"); code != 1 || !strings.Contains(errOut, "--redact takes true, false or stderr") {
		t.Fatalf("--redact=yes: %d %q", code, errOut)
	}
}

// TestRedactOneWriterForBoth: when stdout and stderr are one writer, helm
// gets one filter for both (exec then never writes to it concurrently).
func TestRedactOneWriterForBoth(t *testing.T) {
	testenv.Isolate(t)
	replaceWrap(t, func(_ context.Context, o wrapper.Options, prepared helmwrap.PreparedFunc) (int, error) {
		stdout, stderr := prepared(helmwrap.Prepared{Args: o.Args, Plaintexts: []wrapper.Plaintext{{Source: "f", Content: []byte("one-writer-secret")}}})
		if stdout == nil || stdout != stderr {
			t.Errorf("two filters for one writer")
		}
		fmt.Fprint(stdout, "a one-writer-secret b\n")
		return 0, nil
	})
	var b strings.Builder
	if code := run([]string{"--redact", "template", "r", "c"}, IOStreams{Stdin: strings.NewReader(""), Stdout: &b, Stderr: &b}); code != 0 || b.String() != "a [redacted] b\n" {
		t.Fatalf("%d %q", code, b.String())
	}
}

// TestRedactNoticeSilent: the notice naming values too short to mask is
// printed normally, but never in Argo CD mode (ARGOCD_APP_NAME set, even
// with HELM_SECRETS_QUIET=false) or with -q: then stderr is helm's own,
// byte for byte (masked). Before, lint in Argo CD mode added the notice.
func TestRedactNoticeSilent(t *testing.T) {
	testenv.Isolate(t)
	replaceWrap(t, func(_ context.Context, o wrapper.Options, prepared helmwrap.PreparedFunc) (int, error) {
		_, stderr := prepared(helmwrap.Prepared{Args: o.Args, Plaintexts: []wrapper.Plaintext{
			{Source: "s.yaml", Values: true, Content: []byte("pw: s3cret-Canary-9\nenabled: true\n")},
		}})
		if stderr == nil {
			stderr = o.Stderr
		}
		fmt.Fprint(stderr, "==> Linting c\npw s3cret-Canary-9\n")
		return 0, nil
	})
	const helmErr = "==> Linting c\npw [redacted]\n"
	for _, tc := range []struct {
		env    []string
		args   []string
		notice bool
	}{
		{nil, []string{"lint", "c"}, true},
		{[]string{"ARGOCD_APP_NAME", "guestbook"}, []string{"lint", "c"}, false},
		{[]string{"ARGOCD_APP_NAME", ""}, []string{"lint", "c"}, false},
		{[]string{"ARGOCD_APP_NAME", "guestbook", "HELM_SECRETS_QUIET", "false"}, []string{"lint", "c"}, false},
		{nil, []string{"-q", "lint", "c"}, false},
		{[]string{"HELM_SECRETS_QUIET", "true"}, []string{"diff", "upgrade", "r", "c"}, false},
	} {
		t.Run(strings.Join(append(tc.env, tc.args...), " "), func(t *testing.T) {
			for i := 0; i < len(tc.env); i += 2 {
				t.Setenv(tc.env[i], tc.env[i+1])
			}
			_, errOut, code := runCLI(t, "", tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if tc.notice {
				if !strings.Contains(errOut, "Not redacted (shorter than 4 bytes or too common): s.yaml:enabled\n") || !strings.HasSuffix(errOut, helmErr) {
					t.Fatalf("stderr %q", errOut)
				}
			} else if errOut != helmErr {
				t.Fatalf("stderr %q, want helm's own %q", errOut, helmErr)
			}
		})
	}
}
