package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/helm-secrets/helm-secrets/internal/cmd/helmwrap"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestMain makes this test binary double as the helm-secrets command (and
// as plugin.complete, the name Helm runs for completion) in test scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"helm-secrets":    main,
		"plugin.complete": main,
		// The full binary serves as the lean wrapper where that is absent.
		"helm-secrets-wrapper": main,
		"helm-secrets-vals":    valsMain,
	})
}

// TestScripts runs testdata/script/*.txtar: terminal sessions of
// helm-secrets, with the expected output.
//
// Each script gets two fresh age keys: $SOPS_AGE_KEY_FILE holds the first
// (public key $AGE_PUBLIC_KEY), $AGE_KEY2_FILE the second ($AGE_PUBLIC_KEY2).
// $EXAMPLES_DIR is the repository's examples folder, $REPO_DIR the
// repository (a plugin folder: HELM_PLUGIN_DIR=$REPO_DIR).
// Extra commands: envsubst FILE... (expand $VARS in place), mode FILE PERM,
// isempty DIR, samematch REGEXP FILE1 FILE2, replace OLD NEW FILE.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: false,
		Setup: func(env *testscript.Env) error {
			examples, err := filepath.Abs(filepath.Join("..", "..", "examples"))
			if err != nil {
				return err
			}
			env.Setenv("EXAMPLES_DIR", examples)
			repo, err := filepath.Abs(filepath.Join("..", ".."))
			if err != nil {
				return err
			}
			env.Setenv("REPO_DIR", repo)
			// The vals backend's process: this test binary again.
			vals, err := exec.LookPath("helm-secrets-vals")
			if err != nil {
				return err
			}
			env.Setenv("HELM_SECRETS_VALS_BINARY", vals)
			keys := filepath.Join(env.WorkDir, ".keys")
			if err := os.MkdirAll(keys, 0o700); err != nil {
				return err
			}
			for i, suffix := range []string{"", "2"} {
				id, err := age.GenerateX25519Identity()
				if err != nil {
					return err
				}
				file := filepath.Join(keys, fmt.Sprintf("age%d.txt", i+1))
				if err := os.WriteFile(file, []byte(id.String()+"\n"), 0o600); err != nil {
					return err
				}
				env.Setenv("AGE_PUBLIC_KEY"+suffix, id.Recipient().String())
				if suffix == "" {
					env.Setenv("SOPS_AGE_KEY_FILE", file)
				} else {
					env.Setenv("AGE_KEY2_FILE", file)
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"envsubst":  cmdEnvsubst,
			"mode":      cmdMode,
			"isempty":   cmdIsEmpty,
			"samematch": cmdSameMatch,
			"replace":   cmdReplace,
		},
	})
}

// envsubst FILE... replaces $VAR and ${VAR} in the files with the script's
// environment.
func cmdEnvsubst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: envsubst FILE...")
	}
	for _, f := range args {
		text := os.Expand(ts.ReadFile(f), ts.Getenv)
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(text), 0o644))
	}
}

// mode FILE PERM checks a file's permission bits (octal).
func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mode FILE PERM")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	got := uint64(st.Mode().Perm())
	if (got == want) == neg {
		ts.Fatalf("%s has mode %04o, want %s%04o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// isempty DIR checks that a directory has no entries.
func cmdIsEmpty(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: isempty DIR")
	}
	entries, err := os.ReadDir(ts.MkAbs(args[0]))
	ts.Check(err)
	if (len(entries) == 0) == neg {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		ts.Fatalf("%s holds %q", args[0], names)
	}
}

// samematch REGEXP FILE1 FILE2 checks that the first match of REGEXP is the
// same text in both files (with !, that it differs).
func cmdSameMatch(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: samematch REGEXP FILE1 FILE2")
	}
	re, err := regexp.Compile("(?m)" + args[0])
	ts.Check(err)
	a, b := re.FindString(ts.ReadFile(args[1])), re.FindString(ts.ReadFile(args[2]))
	if a == "" || b == "" {
		ts.Fatalf("no match for %s in %s or %s", args[0], args[1], args[2])
	}
	if (a == b) == neg {
		ts.Fatalf("%s: %q in %s, %q in %s", args[0], a, args[1], b, args[2])
	}
}

// replace OLD NEW FILE replaces the first OLD with NEW in FILE.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace OLD NEW FILE")
	}
	text := ts.ReadFile(args[2])
	if !strings.Contains(text, args[0]) {
		ts.Fatalf("%s does not contain %q", args[2], args[0])
	}
	text = strings.Replace(text, args[0], args[1], 1)
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(text), 0o644))
}

// runCLI runs the command line in process and returns its output and exit
// code.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, IOStreams{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), code
}

// TestExitCodes checks exit codes and the first words of the output of the
// cases the shell plugin's tests and users' scripts depend on.
func TestExitCodes(t *testing.T) {
	testenv.Isolate(t)
	t.Setenv("ARGOCD_APP_NAME", "")
	os.Unsetenv("ARGOCD_APP_NAME")
	dir := t.TempDir()
	plain := testenv.WriteFile(t, dir, "values.yaml", "a: b\n")
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		code       int
		stdout     string
		stderr     string
		noOutputOn string // "stdout" or "stderr" that must stay empty
	}{
		{name: "no args", args: nil, code: 1, stdout: "Available Commands:"},
		{name: "empty arg", args: []string{""}, code: 1, stdout: "Available Commands:"},
		{name: "--help", args: []string{"--help"}, code: 0, stdout: "Available Commands:", noOutputOn: "stderr"},
		{name: "-h", args: []string{"-h"}, code: 0, stdout: "Available Commands:"},
		{name: "help", args: []string{"help"}, code: 0, stdout: "Available Commands:"},
		{name: "-v", args: []string{"-v"}, code: 0, stdout: version + "\n", noOutputOn: "stderr"},
		{name: "--version", args: []string{"--version"}, code: 0, stdout: version + "\n"},
		{name: "version word", args: []string{"version"}, code: 0, stdout: version + "\n"},
		{name: "options then help", args: []string{"-q", "-b", "noop", "--help"}, code: 0, stdout: "Available Commands:"},
		{name: "options only", args: []string{"-q"}, code: 1, stdout: "Available Commands:"},
		{name: "decrypt no file", args: []string{"decrypt"}, code: 1, stdout: "Error: secrets file required.\n"},
		{name: "encrypt no file", args: []string{"encrypt"}, code: 1, stdout: "Error: secrets file required.\n"},
		{name: "edit no file", args: []string{"edit"}, code: 1, stdout: "Edit encrypted secrets"},
		{name: "decrypt --help", args: []string{"decrypt", "--help"}, code: 0, stdout: "Decrypt secrets", noOutputOn: "stderr"},
		{name: "decrypt missing", args: []string{"decrypt", "nonexists"}, code: 1,
			stderr: "[helm-secrets] File does not exist: nonexists\n", noOutputOn: "stdout"},
		{name: "decrypt plain", args: []string{"decrypt", plain}, code: 1,
			stderr: "[helm-secrets] File is not encrypted: " + plain + "\n", noOutputOn: "stdout"},
		{name: "decrypt unknown flag", args: []string{"decrypt", "--nope", plain}, code: 1, stderr: "unknown flag: --nope"},
		{name: "unknown backend", args: []string{"-b", "nonexists", "decrypt", plain}, code: 1,
			stderr: "[helm-secrets] Can't find secret backend: nonexists\n"},
		{name: "unknown backend =", args: []string{"--backend=nonexists", "decrypt", plain}, code: 1,
			stderr: "[helm-secrets] Can't find secret backend: nonexists\n"},
		{name: "unknown env backend even for help", env: map[string]string{"HELM_SECRETS_BACKEND": "nonexists"},
			args: []string{"--help"}, code: 1, stderr: "[helm-secrets] Can't find secret backend: nonexists\n"},
		{name: "allow-list checks the env backend first", env: map[string]string{"HELM_SECRETS_ALLOWED_BACKENDS": "noop"},
			args: []string{"--backend=nonexists", "decrypt", plain}, code: 1,
			stderr: "[helm-secrets] secret backend 'sops' not allowed\n"},
		{name: "allow-list with allowed env backend", env: map[string]string{"HELM_SECRETS_ALLOWED_BACKENDS": "noop", "HELM_SECRETS_BACKEND": "noop"},
			args: []string{"decrypt", plain}, code: 0, stdout: "a: b\n"},
		{name: "allow-list refuses -b", env: map[string]string{"HELM_SECRETS_ALLOWED_BACKENDS": "sops"},
			args: []string{"-b", "noop", "decrypt", plain}, code: 1, stderr: "[helm-secrets] secret backend 'noop' not allowed\n"},
		{name: "-b without a name", args: []string{"-b"}, code: 1, stderr: "[helm-secrets] option -b needs a backend name\n"},
		{name: "wrapper usage", args: []string{"template"}, code: 0, stdout: "helm secrets [ OPTIONS ] template\n"},
		{name: "wrapper --help", args: []string{"install", "--help"}, code: 0, stdout: "helm secrets [ OPTIONS ] install\n"},
		{name: "wrapper help word", args: []string{"lint", "help"}, code: 0, stdout: "helm secrets [ OPTIONS ] lint\n"},
		{name: "unknown option is a helm command", args: []string{"-x"}, code: 0, stdout: "helm secrets [ OPTIONS ] -x\n"},
		{name: "patch unix", args: []string{"patch", "unix"}, code: 0, noOutputOn: "stdout"},
		{name: "patch other", args: []string{"patch", "linux"}, code: 1, stderr: "[helm-secrets] Unknown enable option linux\n"},
		{name: "dir", env: map[string]string{"HELM_PLUGIN_DIR": "/plugins/helm-secrets"}, args: []string{"dir"}, code: 0, stdout: "/plugins/helm-secrets", noOutputOn: "stderr"},
		{name: "clean missing dir", args: []string{"clean", filepath.Join(dir, "nope")}, code: 1, stderr: "Directory does not exist: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			stdout, stderr, code := runCLI(t, "", tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout %q does not contain %q", stdout, tc.stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tc.stderr)
			}
			switch tc.noOutputOn {
			case "":
			case "stdout":
				if stdout != "" {
					t.Errorf("stdout not empty: %q", stdout)
				}
			case "stderr":
				if stderr != "" {
					t.Errorf("stderr not empty: %q", stderr)
				}
			default:
				t.Fatalf("noOutputOn %q: want stdout or stderr", tc.noOutputOn)
			}
		})
	}
}

// TestHelpFirstLineEmpty: the shell plugin's help starts with an empty line.
func TestHelpFirstLineEmpty(t *testing.T) {
	testenv.Isolate(t)
	stdout, _, _ := runCLI(t, "", "--help")
	if !strings.HasPrefix(stdout, "\nhelm-secrets is a helm plugin for decrypt encrypted helm value files on the fly.\n") {
		t.Errorf("help starts with %q", stdout[:min(len(stdout), 80)])
	}
}

// wrapWant is what TestWrapOptions expects of a wrapped run: the wrapper's
// options, and whether our Decrypt lines are suppressed.
type wrapWant struct {
	Helm           string
	Args           []string
	DefaultBackend string
	Quiet          bool
	IgnoreMissing  bool
	Paths          pathpolicy.Policy
}

// TestWrapOptions checks how options and environment reach the wrapper.
func TestWrapOptions(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want wrapWant
	}{
		{name: "defaults", args: []string{"template", "chart", "-f", "s.yaml"},
			want: wrapWant{Helm: "helm", Args: []string{"template", "chart", "-f", "s.yaml"}, DefaultBackend: "sops"}},
		{name: "HELM_SECRETS_HELM_PATH beats HELM_BIN", env: map[string]string{"HELM_SECRETS_HELM_PATH": "/a/helm", "HELM_BIN": "/b/helm"},
			args: []string{"lint", "x"}, want: wrapWant{Helm: "/a/helm", Args: []string{"lint", "x"}, DefaultBackend: "sops"}},
		{name: "HELM_BIN", env: map[string]string{"HELM_BIN": "/b/helm"},
			args: []string{"lint", "x"}, want: wrapWant{Helm: "/b/helm", Args: []string{"lint", "x"}, DefaultBackend: "sops"}},
		{name: "-q and -b noop", args: []string{"-q", "-b", "noop", "upgrade", "r", "c"},
			want: wrapWant{Helm: "helm", Args: []string{"upgrade", "r", "c"}, DefaultBackend: "noop", Quiet: true}},
		{name: "--backend= and env backend", env: map[string]string{"HELM_SECRETS_BACKEND": "noop"}, args: []string{"--backend=sops", "lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops"}},
		{name: "env backend", env: map[string]string{"HELM_SECRETS_BACKEND": "noop"}, args: []string{"lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "noop"}},
		{name: "HELM_SECRETS_QUIET=0 is quiet", env: map[string]string{"HELM_SECRETS_QUIET": "0"}, args: []string{"lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops", Quiet: true}},
		{name: "HELM_SECRETS_QUIET=false", env: map[string]string{"HELM_SECRETS_QUIET": "false", "ARGOCD_APP_NAME": "app"}, args: []string{"lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops"}},
		{name: "Argo CD is quiet by default", env: map[string]string{"ARGOCD_APP_NAME": "app"}, args: []string{"lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops", Quiet: true}},
		{name: "ignore missing env", env: map[string]string{"HELM_SECRETS_IGNORE_MISSING_VALUES": "true"}, args: []string{"lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops", IgnoreMissing: true}},
		{name: "ignore missing env not true", env: map[string]string{"HELM_SECRETS_IGNORE_MISSING_VALUES": "1"}, args: []string{"lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops"}},
		{name: "--ignore-missing-values alone", args: []string{"--ignore-missing-values", "lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops", IgnoreMissing: true}},
		{name: "--ignore-missing-values true", args: []string{"--ignore-missing-values", "true", "lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops", IgnoreMissing: true}},
		{name: "--ignore-missing-values false beats env", env: map[string]string{"HELM_SECRETS_IGNORE_MISSING_VALUES": "true"},
			args: []string{"--ignore-missing-values", "false", "lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops"}},
		{name: "--ignore-missing-values=false", args: []string{"--ignore-missing-values=false", "lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops"}},
		{name: "--ignore-missing-values=yes is not true", args: []string{"--ignore-missing-values=yes", "lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops"}},
		{name: "options after the command go to helm", args: []string{"template", "c", "-q", "-b", "noop", "--ignore-missing-values"},
			want: wrapWant{Helm: "helm", Args: []string{"template", "c", "-q", "-b", "noop", "--ignore-missing-values"}, DefaultBackend: "sops"}},
		{name: "path hardening", env: map[string]string{"HELM_SECRETS_VALUES_ALLOW_SYMLINKS": "false", "HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL": "false"},
			args: []string{"lint", "x"},
			want: wrapWant{Helm: "helm", Args: []string{"lint", "x"}, DefaultBackend: "sops",
				Paths: pathpolicy.Policy{DenySymlinks: true, DenyTraversal: true}}},
		{name: "accepted no-op options", args: []string{"--decrypt-secrets-in-tmp-dir", "--evaluate-templates-decode-secrets=true", "-a", "--verbose", "template", "c"},
			want: wrapWant{Helm: "helm", Args: []string{"template", "c"}, DefaultBackend: "sops"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testenv.Isolate(t)
			t.Setenv("ARGOCD_APP_NAME", "")
			os.Unsetenv("ARGOCD_APP_NAME")
			t.Setenv("HELM_BIN", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var got wrapper.Options
			replaceWrap(t, func(_ context.Context, o wrapper.Options, prepared helmwrap.PreparedFunc) (int, error) {
				got = o
				prepared(helmwrap.Prepared{Decrypted: []string{"probe.yaml"}, Args: o.Args})
				return 0, nil
			})
			_, stderr, code := runCLI(t, "", tc.args...)
			if code != 0 {
				t.Fatalf("exit code %d: %s", code, stderr)
			}
			quiet := !strings.Contains(stderr, "[helm-secrets] Decrypt: probe.yaml\n")
			if got.Helm != tc.want.Helm || strings.Join(got.Args, "\x00") != strings.Join(tc.want.Args, "\x00") ||
				got.DefaultBackend != tc.want.DefaultBackend || quiet != tc.want.Quiet || got.IgnoreMissing != tc.want.IgnoreMissing ||
				got.Paths != tc.want.Paths {
				t.Errorf("got Helm=%q Args=%q DefaultBackend=%q Quiet=%t IgnoreMissing=%t Paths=%+v\nwant Helm=%q Args=%q DefaultBackend=%q Quiet=%t IgnoreMissing=%t Paths=%+v",
					got.Helm, got.Args, got.DefaultBackend, quiet, got.IgnoreMissing, got.Paths,
					tc.want.Helm, tc.want.Args, tc.want.DefaultBackend, tc.want.Quiet, tc.want.IgnoreMissing, tc.want.Paths)
			}
			if got.Backends.Engine == nil {
				t.Errorf("Backends.Engine is nil")
			}
			if got.Stdout == nil || got.Stderr == nil || got.Stdin == nil {
				t.Errorf("streams not passed on")
			}
		})
	}
}

func replaceWrap(t *testing.T, f func(context.Context, wrapper.Options, helmwrap.PreparedFunc) (int, error)) {
	old := wrap
	wrap = f
	t.Cleanup(func() { wrap = old })
}

// TestWrapResult: helm's exit code becomes ours; a wrapper error is printed
// with our prefix and exits 1.
func TestWrapResult(t *testing.T) {
	testenv.Isolate(t)
	t.Setenv("HELM_SECRETS_ALLOWED_BACKENDS", "sops,noop")
	replaceWrap(t, func(_ context.Context, o wrapper.Options, _ helmwrap.PreparedFunc) (int, error) {
		if len(o.Backends.Allowed) != 2 {
			t.Errorf("allow-list not passed on: %q", o.Backends.Allowed)
		}
		return 3, nil
	})
	if _, _, code := runCLI(t, "", "upgrade", "r", "c"); code != 3 {
		t.Errorf("exit code %d, want helm's 3", code)
	}
	replaceWrap(t, func(context.Context, wrapper.Options, helmwrap.PreparedFunc) (int, error) {
		return 1, errors.New("File does not exist: x.yaml")
	})
	_, stderr, code := runCLI(t, "", "upgrade", "r", "c")
	if code != 1 || stderr != "[helm-secrets] File does not exist: x.yaml\n" {
		t.Errorf("exit code %d, stderr %q", code, stderr)
	}
}

// TestDebugNeverShowsSetValues: debug output names the command but not the
// values of --set flags.
func TestDebugNeverShowsSetValues(t *testing.T) {
	testenv.Isolate(t)
	t.Setenv("HELM_SECRETS_DEBUG", "1")
	replaceWrap(t, func(context.Context, wrapper.Options, helmwrap.PreparedFunc) (int, error) { return 0, nil })
	_, stderr, _ := runCLI(t, "", "template", "c", "--set", "db.password=hunter2", "--set-string=token=abc123",
		"--set-json", `x={"k":"s3cret"}`, "--password", "pw0rd", "-f", "secrets.yaml")
	if !strings.Contains(stderr, "[debug] running helm template c --set <redacted>") || !strings.Contains(stderr, "-f secrets.yaml") {
		t.Errorf("debug output: %q", stderr)
	}
	for _, secret := range []string{"hunter2", "abc123", "s3cret", "pw0rd"} {
		if strings.Contains(stderr, secret) {
			t.Errorf("debug output shows %q: %s", secret, stderr)
		}
	}
}

func TestParseGlobal(t *testing.T) {
	accept := func(string) error { return nil }
	tests := []struct {
		args    []string
		act     action
		command string
		rest    []string
		check   func(globalOptions) bool
	}{
		{args: []string{"--ignore-missing-values", "template", "c"}, command: "template", rest: []string{"c"},
			check: func(o globalOptions) bool { return o.ignoreMissing }},
		{args: []string{"--evaluate-templates", "false", "lint"}, command: "lint", rest: []string{},
			check: func(o globalOptions) bool { return !o.evaluateTemplates }},
		{args: []string{"--evaluate-templates-decode-secrets", "x"}, command: "x", rest: []string{},
			check: func(o globalOptions) bool { return o.evaluateTemplatesDecodeSecrets }},
		{args: []string{"-a", "--verbose --output-type yaml", "decrypt", "f"}, command: "decrypt", rest: []string{"f"},
			check: func(o globalOptions) bool { return o.backendArgs == "--verbose --output-type yaml" }},
		{args: []string{"--backend-args=--verbose", "decrypt", "f"}, command: "decrypt", rest: []string{"f"},
			check: func(o globalOptions) bool { return o.backendArgs == "--verbose" }},
		{args: []string{"--quiet", "--decrypt-secrets-in-tmp-dir=true", "-b", "noop", "dir"}, command: "dir", rest: []string{},
			check: func(o globalOptions) bool { return o.quiet && o.decryptSecretsInTmpDir && o.backend == "noop" }},
		{args: []string{"-q", "-v", "ignored"}, act: actVersion},
		{args: []string{"-q", "help", "ignored"}, act: actHelp},
		{args: []string{"-q", "", "ignored"}, act: actHelpEmpty},
		{args: []string{"--ignore-missing-values"}, act: actHelpEmpty,
			check: func(o globalOptions) bool { return o.ignoreMissing }},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			p, err := parseGlobal(tc.args, globalOptions{backend: "sops"}, accept)
			if err != nil {
				t.Fatal(err)
			}
			if p.act != tc.act || p.command != tc.command || (tc.rest != nil && strings.Join(p.rest, " ") != strings.Join(tc.rest, " ")) {
				t.Errorf("got act %d command %q rest %q", p.act, p.command, p.rest)
			}
			if tc.check != nil && !tc.check(p.opts) {
				t.Errorf("options %+v", p.opts)
			}
			if i := skipGlobal(tc.args); tc.act == actCommand && (i >= len(tc.args) || tc.args[i] != tc.command) {
				t.Errorf("skipGlobal found %d", i)
			}
		})
	}
	var seen []string
	_, err := parseGlobal([]string{"-b", "noop", "--backend=sops", "--backend", "bad", "x"}, globalOptions{}, func(n string) error {
		seen = append(seen, n)
		if n == "bad" {
			return errors.New("bad backend")
		}
		return nil
	})
	if err == nil || strings.Join(seen, ",") != "noop,sops,bad" {
		t.Errorf("backends checked %q, err %v", seen, err)
	}
}

func TestPluginDir(t *testing.T) {
	t.Setenv("HELM_PLUGIN_DIR", "")
	tests := map[string]string{
		"/plugins/helm-secrets/bin/helm-secrets": "/plugins/helm-secrets",
		"/usr/local/helm-secrets":                "/usr/local",
	}
	if runtime.GOOS == "windows" {
		t.Skip("POSIX paths")
	}
	for exe, want := range tests {
		got, err := pluginDir(func() (string, error) { return exe, nil })
		if err != nil || got != want {
			t.Errorf("pluginDir(%s) = %q, %v; want %q", exe, got, err, want)
		}
	}
	t.Setenv("HELM_PLUGIN_DIR", "/from/helm")
	if got, _ := pluginDir(os.Executable); got != "/from/helm" {
		t.Errorf("HELM_PLUGIN_DIR ignored: %q", got)
	}
}

// TestDecryptURL: http(s) sources are downloaded (size-capped) and
// decrypted; failures use the shell plugin's messages.
func TestDecryptURL(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	dir := t.TempDir()
	keyFile := testenv.WriteFile(t, dir, "key.txt", id.String()+"\n")
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
	file := testenv.WriteFile(t, dir, "secrets.yaml", "global_secret: global_bar\n")
	if _, stderr, code := runCLI(t, "", "encrypt", "-i", file); code != 0 {
		t.Fatalf("encrypt: %s", stderr)
	}
	encrypted, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/secrets.yaml":
			if u, p, ok := r.BasicAuth(); r.URL.Query().Get("auth") != "" && (!ok || u != "user" || p != "pa55") {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = w.Write(encrypted)
		case "/plain.yaml":
			_, _ = w.Write([]byte("a: b\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	stdout, stderr, code := runCLI(t, "", "decrypt", srv.URL+"/secrets.yaml")
	if code != 0 || stdout != "global_secret: global_bar\n" {
		t.Errorf("decrypt URL: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	authURL := strings.Replace(srv.URL, "http://", "http://user:pa55@", 1) + "/secrets.yaml?auth=1"
	stdout, stderr, code = runCLI(t, "", "decrypt", authURL)
	if code != 0 || stdout != "global_secret: global_bar\n" {
		t.Errorf("decrypt URL with basic auth: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, _, code = runCLI(t, "", "decrypt", "--terraform", srv.URL+"/secrets.yaml")
	if code != 0 || stdout != `{"content_base64":"Z2xvYmFsX3NlY3JldDogZ2xvYmFsX2Jhcgo="}` {
		t.Errorf("terraform URL: code %d, stdout %q", code, stdout)
	}

	missing := srv.URL + "/404.yaml"
	stdout, stderr, code = runCLI(t, "", "decrypt", missing)
	if code != 1 || stdout != "" ||
		!strings.Contains(stderr, "[helm-secrets] Error while download url "+missing) ||
		!strings.Contains(stderr, "[helm-secrets] File does not exist: "+missing+"\n") {
		t.Errorf("404: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	badAuth := strings.Replace(srv.URL, "http://", "http://user:wrong@", 1) + "/secrets.yaml?auth=1"
	_, stderr, code = runCLI(t, "", "decrypt", badAuth)
	if code != 1 || strings.Contains(stderr, "wrong") {
		t.Errorf("401: code %d, stderr shows the password or passes: %q", code, stderr)
	}
	_, stderr, code = runCLI(t, "", "decrypt", srv.URL+"/plain.yaml")
	if code != 1 || stderr != "[helm-secrets] File is not encrypted: "+srv.URL+"/plain.yaml\n" {
		t.Errorf("plain URL: code %d, stderr %q", code, stderr)
	}
	_, stderr, code = runCLI(t, "", "decrypt", "-i", srv.URL+"/secrets.yaml")
	if code != 1 || !strings.Contains(stderr, "cannot write to a URL") {
		t.Errorf("-i URL: code %d, stderr %q", code, stderr)
	}
	_, stderr, code = runCLI(t, "", "decrypt", "git+https://github.com/x/y@secrets.yaml?ref=main")
	if code != 1 || !strings.Contains(stderr, "[helm-secrets] File does not exist: git+https://github.com/x/y@secrets.yaml?ref=main") {
		t.Errorf("git URL: code %d, stderr %q", code, stderr)
	}
}
