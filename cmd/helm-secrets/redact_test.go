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

func TestRedactByDefault(t *testing.T) {
	for _, tc := range []struct {
		args  string
		debug bool
		want  bool
	}{
		{"diff upgrade r c", false, true},
		{"diff revision r 1 2", false, true},
		{"lint c", false, true},
		{"status r", false, true},
		{"history r", false, true},
		{"get values r", false, true},
		{"get -n ns all r", false, true},
		{"get manifest r", false, false},
		{"upgrade --install r c --dry-run", false, true},
		{"install r c --dry-run=server", false, true},
		{"install r c --dry-run=false", false, false},
		{"upgrade r c --debug", false, true},
		// Before: --debug=true (helm's --debug) left helm's output as it was.
		{"upgrade r c --debug=true", false, true},
		{"upgrade r c --debug=false", false, false},
		{"upgrade r c", true, true},
		{"template r c", false, false},
		{"template r c -- --debug", false, false},
		{"install r c", false, false},
		{"upgrade r c", false, false},
	} {
		if got := helmwrap.RedactByDefault(strings.Fields(tc.args), tc.debug); got != tc.want {
			t.Errorf("%s (HELM_DEBUG %t): %t, want %t", tc.args, tc.debug, got, tc.want)
		}
	}
}

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

// TestRedactSecretsSkipsUnencryptedLeaves: leaves an encrypted_regex rule
// left in clear text are public and not masked; every encrypted leaf is.
func TestRedactSecretsSkipsUnencryptedLeaves(t *testing.T) {
	enc := "image: nginx-public\npassword: ENC[AES256_GCM,data:abc,type:str]\nnested:\n  token: ENC[AES256_GCM,data:def,type:str]\n  region: eu-west-1\nsops:\n  version: 3.9.0\n"
	plain := "image: nginx-public\npassword: hunter2-pw\nnested:\n  token: tok-value\n  region: eu-west-1\n"
	got := helmwrap.RedactSecrets([]wrapper.Plaintext{
		{Source: "s.yaml", Values: true, Content: []byte(plain)},
		{Source: "--set k", Content: []byte("literal-value")},
		{Source: "--set-json j", Content: []byte(`{"user":"json-user","pw":"json-pw-value"}`)},
	}, func(name string) ([]byte, error) {
		if name != "s.yaml" {
			t.Errorf("read %q", name)
		}
		return []byte(enc), nil
	})
	var names []string
	for _, s := range got {
		names = append(names, s.Name+"="+string(s.Value))
	}
	if strings.Join(names, ",") != "s.yaml:password=hunter2-pw,s.yaml:nested.token=tok-value,--set k=literal-value,"+
		`--set-json j={"user":"json-user","pw":"json-pw-value"},--set-json j:user=json-user,--set-json j:pw=json-pw-value` {
		t.Fatalf("secrets: %s", strings.Join(names, ","))
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
