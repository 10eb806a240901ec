package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/cmd/helmwrap"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// encryptTo writes plain, encrypted for id, to dir/name.
func encryptTo(t *testing.T, id *age.X25519Identity, dir, name string, plain []byte) string {
	t.Helper()
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	enc, err := eng.Encrypt(context.Background(), plain, encrypt.EncryptOptions{
		Format:     encrypt.FormatYAML,
		Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return testenv.WriteFile(t, dir, name, string(enc))
}

// TestPlacementCommand: the findings of the fixture, every format free of
// the values, and the exit codes: 1 findings, 0 clean or accepted, 2
// usage, unreadable or unencrypted input, a broken exception file.
func TestPlacementCommand(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	t.Setenv("SOPS_AGE_KEY", id.String())
	td := testdataDir(t)
	dir := t.TempDir()
	t.Chdir(dir)
	plain, err := os.ReadFile(filepath.Join(td, "secrets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(td, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	encryptTo(t, id, dir, "secrets.yaml", plain)
	testenv.WriteFile(t, dir, "manifest.yaml", string(manifest))
	testenv.WriteFile(t, dir, "plain.yaml", "a: Canary-Plain-0001\n")
	testenv.WriteFile(t, dir, "clean.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: Canary-DbPass-7f3a9c}\n")
	runIt := func(stdin string, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(append([]string{"placement"}, args...), IOStreams{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
		return code, out.String(), errOut.String()
	}
	var all strings.Builder
	for _, o := range []string{"table", "json", "sarif"} {
		code, out, errOut := runIt("", "-f", "secrets.yaml", "-o", o, "manifest.yaml")
		if code != 1 {
			t.Errorf("%s: exit %d, want 1; stderr %s", o, code, errOut)
		}
		if !strings.Contains(out, "secrets.yaml:api.token") || !strings.Contains(out, "env-literal") {
			t.Errorf("%s: output lacks findings:\n%s", o, out)
		}
		all.WriteString(out + errOut)
	}
	// The same from stdin.
	if code, out, _ := runIt(string(manifest), "-f", "secrets.yaml"); code != 1 || !strings.Contains(out, "data.token") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
	for _, line := range strings.Split(string(plain), "\n") {
		_, v, ok := strings.Cut(line, ": ")
		if ok && len(v) >= 6 && strings.Contains(all.String(), v) {
			t.Errorf("a value is in the output: %s", line[:strings.Index(line, ":")])
		}
	}
	if code, out, _ := runIt("", "-f", "secrets.yaml", "clean.yaml"); code != 0 || !strings.Contains(out, "0 finding(s)") {
		t.Errorf("clean: exit %d\n%s", code, out)
	}
	// Warnings only: exit 0.
	testenv.WriteFile(t, dir, "warn.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: Canary-DbPass-7f3a9c}\n---\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{envFrom: [{secretRef: {name: s}}]}]}\n")
	if code, out, _ := runIt("", "-f", "secrets.yaml", "warn.yaml"); code != 0 || !strings.Contains(out, "secret-env") {
		t.Errorf("warnings: exit %d\n%s", code, out)
	}
	// An exception file in the current directory accepting everything.
	testenv.WriteFile(t, dir, ".helm-secrets-placement.yaml", "exceptions:\n  - {resource: '*/*/*', field: '*', reason: all accepted}\n  - {resource: '*/*', field: '*', reason: all accepted}\n")
	if code, out, _ := runIt("", "-f", "secrets.yaml", "manifest.yaml"); code != 0 || !strings.Contains(out, "all accepted") {
		t.Errorf("accepted: exit %d\n%s", code, out)
	}
	testenv.WriteFile(t, dir, "bad-policy.yaml", "exceptions:\n  - {resource: A/b, field: x}\n")
	for _, args := range [][]string{
		{"manifest.yaml"}, // no -f
		{"-f", "secrets.yaml", "-o", "xml", "manifest.yaml"},
		{"-f", "secrets.yaml", "missing.yaml"},
		{"-f", "missing.yaml", "manifest.yaml"},
		{"-f", "plain.yaml", "manifest.yaml"}, // not encrypted
		{"-f", "secrets.yaml", "--policy", "bad-policy.yaml", "manifest.yaml"},
		{"-f", "secrets.yaml", "a.yaml", "b.yaml"},
		{"-f", "secrets.yaml", "--no-such-flag"},
	} {
		code, out, errOut := runIt("", args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if strings.Contains(out+errOut, "Canary-Plain") {
			t.Errorf("%q: the plain value is printed", args)
		}
	}
}

func testdataDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../../internal/helm/placement/testdata")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCheckPlacementWiring: --check-placement sees helm's stdout as helm
// wrote it (before redaction), passes it on unchanged, prints the
// findings on stderr and fails in error mode only; other commands than
// template are not checked; a broken exception file stops the run before
// helm starts.
func TestCheckPlacementWiring(t *testing.T) {
	testenv.Isolate(t)
	os.Unsetenv("ARGOCD_APP_NAME")
	t.Chdir(t.TempDir())
	const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {p: Canary-Wired-5150}\n"
	ran := false
	replaceWrap(t, func(_ context.Context, o wrapper.Options, prepared helmwrap.PreparedFunc) (int, error) {
		ran = true
		stdout, _ := prepared(helmwrap.Prepared{Args: o.Args, Plaintexts: []wrapper.Plaintext{{Source: "s.yaml", Values: true, Content: []byte("p: Canary-Wired-5150\n")}}})
		if stdout == nil {
			stdout = o.Stdout
		}
		_, _ = stdout.Write([]byte(manifest))
		return 0, nil
	})
	for _, tc := range []struct {
		args     []string
		env      string
		code     int
		checked  bool
		redacted bool
	}{
		{args: []string{"--check-placement", "template", "r", "c"}, code: 1, checked: true},
		{args: []string{"--check-placement=error", "template", "r", "c"}, code: 1, checked: true},
		{args: []string{"--check-placement", "warn", "template", "r", "c"}, code: 0, checked: true},
		{args: []string{"--check-placement=warn", "--redact", "template", "r", "c"}, code: 0, checked: true, redacted: true},
		{args: []string{"--check-placement=error", "--redact", "template", "r", "c"}, code: 1, checked: true, redacted: true},
		{args: []string{"template", "r", "c"}, env: "error", code: 1, checked: true},
		{args: []string{"template", "r", "c"}, env: "typo", code: 1, checked: true},
		{args: []string{"template", "r", "c"}, env: "warn", code: 0, checked: true},
		{args: []string{"--check-placement=false", "template", "r", "c"}, env: "error", code: 0},
		{args: []string{"template", "r", "c"}, code: 0},
		{args: []string{"--check-placement", "--redact=false", "lint", "c"}, code: 0},
	} {
		t.Run(strings.Join(tc.args, " ")+" "+tc.env, func(t *testing.T) {
			t.Setenv("HELM_SECRETS_CHECK_PLACEMENT", tc.env)
			stdout, stderr, code := runCLI(t, "", tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			wantOut := manifest
			if tc.redacted {
				wantOut = strings.Replace(manifest, "Canary-Wired-5150", "[redacted]", 1)
			}
			if stdout != wantOut {
				t.Errorf("stdout %q, want %q", stdout, wantOut)
			}
			if got := strings.Contains(stderr, "configmap") && strings.Contains(stderr, "s.yaml:p"); got != tc.checked {
				t.Errorf("findings on stderr: %t, want %t:\n%s", got, tc.checked, stderr)
			}
			if strings.Contains(stderr, "Canary") {
				t.Errorf("the value is on stderr:\n%s", stderr)
			}
		})
	}
	testenv.WriteFile(t, ".", ".helm-secrets-placement.yaml", "exceptions:\n  - {resource: ConfigMap/c, field: 'data.*'}\n")
	ran = false
	_, stderr, code := runCLI(t, "", "--check-placement", "template", "r", "c")
	if code != 1 || ran || !strings.Contains(stderr, "reason is required") {
		t.Errorf("broken exception file: exit %d, helm ran %t, stderr %s", code, ran, stderr)
	}
	testenv.WriteFile(t, ".", ".helm-secrets-placement.yaml", "exceptions:\n  - {resource: ConfigMap/c, field: 'data.*', reason: test}\n")
	if _, stderr, code := runCLI(t, "", "--check-placement", "template", "r", "c"); code != 0 {
		t.Errorf("accepted: exit %d, stderr %s", code, stderr)
	}
}

// TestCheckPlacementPostRender: on install and upgrade, --check-placement
// adds our post-renderer (--no-evaluate --check-placement, after the
// user's, which it runs first); the post-renderer (run here in process,
// as helm would run it) hands the manifests to the wrapper's check. In
// error mode a finding stops it: nothing goes to "helm" (the cluster),
// helm's failure is ours, the findings follow on stderr, the value never;
// warn mode reports and lets the manifests through; a clean chart passes.
func TestCheckPlacementPostRender(t *testing.T) {
	testenv.Isolate(t)
	os.Unsetenv("ARGOCD_APP_NAME")
	t.Chdir(t.TempDir())
	helm := testenv.WriteFile(t, t.TempDir(), "helm", "#!/bin/sh\necho v3.99.0\n")
	if err := os.Chmod(helm, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HELM_SECRETS_HELM_PATH", helm)
	const leak = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {p: Canary-Wired-5150}\n"
	const clean = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {p: Canary-Wired-5150}\n"
	var manifest, sent string
	var helmArgs []string
	replaceWrap(t, func(_ context.Context, o wrapper.Options, prepared helmwrap.PreparedFunc) (int, error) {
		helmArgs, sent = o.Args, ""
		prepared(helmwrap.Prepared{Args: o.Args, Plaintexts: []wrapper.Plaintext{{Source: "s.yaml", Values: true, Content: []byte("p: Canary-Wired-5150\n")}}})
		// helm: render, post-render with the arguments we were given.
		var prArgs []string
		for i, a := range o.Args {
			if a == "--post-renderer-args" {
				prArgs = append(prArgs, o.Args[i+1])
			}
		}
		if len(prArgs) == 0 {
			sent = manifest
			return 0, nil
		}
		var out, errOut bytes.Buffer
		if code := run(prArgs, IOStreams{Stdin: strings.NewReader(manifest), Stdout: &out, Stderr: &errOut}); code != 0 {
			_, _ = fmt.Fprintf(o.Stderr, "Error: post-render: %s", errOut.String())
			return 1, nil
		}
		sent = out.String()
		return 0, nil
	})
	for _, tc := range []struct {
		args     []string
		manifest string
		code     int
		sent     bool
		found    bool
	}{
		{[]string{"--check-placement", "install", "r", "c"}, leak, 1, false, true},
		{[]string{"--check-placement=error", "upgrade", "--install", "r", "c", "--post-renderer", "/bin/cat"}, leak, 1, false, true},
		{[]string{"--check-placement=warn", "install", "r", "c"}, leak, 0, true, true},
		{[]string{"--check-placement=error", "upgrade", "r", "c"}, clean, 0, true, false},
		{[]string{"install", "r", "c"}, leak, 0, true, false},
		{[]string{"-q", "--check-placement=warn", "install", "r", "c"}, leak, 0, true, true},
		{[]string{"-q", "--check-placement", "upgrade", "r", "c"}, clean, 0, true, false},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			manifest = tc.manifest
			_, stderr, code := runCLI(t, "", tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if (sent == tc.manifest) != tc.sent || (sent != "" && sent != tc.manifest) {
				t.Errorf("sent to the cluster: %q (want sent: %t)", sent, tc.sent)
			}
			checking := strings.Contains(strings.Join(helmArgs, " "), "--post-renderer-args --no-evaluate --post-renderer-args --check-placement")
			if checking != (tc.args[0] != "install") {
				t.Errorf("helm's arguments: %q", helmArgs)
			}
			if slices.Contains(tc.args, "/bin/cat") && !strings.Contains(strings.Join(helmArgs, " "), "--post-renderer-args --run-first --post-renderer-args /bin/cat") {
				t.Errorf("the user's post-renderer is not run first: %q", helmArgs)
			}
			if got := strings.Contains(stderr, "configmap") && strings.Contains(stderr, "s.yaml:p"); got != tc.found {
				t.Errorf("findings on stderr: %t, want %t:\n%s", got, tc.found, stderr)
			}
			if tc.code != 0 && !strings.Contains(stderr, "placement check failed: 1 finding(s): nothing was sent to the cluster") {
				t.Errorf("no failure line:\n%s", stderr)
			}
			if strings.Contains(stderr, "Canary") {
				t.Errorf("the value is on stderr:\n%s", stderr)
			}
			// Quiet: findings still, nothing else of ours.
			if tc.args[0] == "-q" && !tc.found && stderr != "" {
				t.Errorf("quiet, no findings: stderr %q", stderr)
			}
		})
	}
}

func TestParseCheckPlacement(t *testing.T) {
	accept := func(string) error { return nil }
	for _, tc := range []struct {
		args []string
		mode string
		rest string
	}{
		{[]string{"--check-placement", "template", "c"}, "error", "c"},
		{[]string{"--check-placement", "warn", "template", "c"}, "warn", "c"},
		{[]string{"--check-placement=warn", "template", "c"}, "warn", "c"},
		{[]string{"--check-placement", "false", "template", "c"}, "", "c"},
		{[]string{"--check-placement=off", "-q", "template", "c"}, "", "c"},
	} {
		p, err := parseGlobal(tc.args, globalOptions{}, accept)
		if err != nil || p.opts.checkPlacement != tc.mode || p.command != "template" || strings.Join(p.rest, " ") != tc.rest {
			t.Errorf("%q: mode %q command %q rest %q, %v", tc.args, p.opts.checkPlacement, p.command, p.rest, err)
		}
		if i := skipGlobal(tc.args); tc.args[i] != "template" {
			t.Errorf("%q: skipGlobal found %d", tc.args, i)
		}
	}
	if _, err := parseGlobal([]string{"--check-placement=yes", "template"}, globalOptions{}, accept); err == nil {
		t.Error("--check-placement=yes accepted")
	}
}
