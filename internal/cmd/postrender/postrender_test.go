package postrender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestEvaluatedValues: what the post-renderer hands to the wrapper's
// filter is the scalars it changed (and a base64 one decoded), not the
// manifests' other values; a round trip through ServeEvaluated adds them
// to the set before the post-renderer goes on.
func TestEvaluatedValues(t *testing.T) {
	in := "kind: Secret\nstringData:\n  password: ref+vault://a#/b\n  user: admin\ndata:\n  k: cmVmK3ZhdWx0Oi8vYSMvYw==\n---\nkind: ConfigMap\ndata:\n  x: same\n"
	out := "kind: Secret\nstringData:\n  password: evaluated-Pw-1\n  user: admin\ndata:\n  k: ZXZhbHVhdGVkLUI2NC0y\n---\nkind: ConfigMap\ndata:\n  x: same\n"
	got := evaluatedValues([]byte(in), []byte(out))
	want := []string{"evaluated-Pw-1", "ZXZhbHVhdGVkLUI2NC0y", "evaluated-B64-2"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("evaluated values %q, want %q", got, want)
	}
	if v := evaluatedValues([]byte(in), []byte(in)); v != nil {
		t.Fatalf("unchanged manifests: %q", v)
	}

	testenv.Isolate(t)
	set := redact.Compile(nil)
	stop, err := ServeEvaluated(set)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := registerEvaluated(os.Getenv(settings.EnvRedactSocket), []byte(in), []byte(out)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	w := redact.NewWriter(&b, set)
	fmt.Fprint(w, "password: evaluated-Pw-1\n")
	w.Close()
	if b.String() != "password: [redacted]\n" {
		t.Fatalf("not masked after registering: %q", b.String())
	}
	// Nobody listening: the post-renderer must fail, not go on.
	if err := registerEvaluated(filepath.Join(t.TempDir(), "none.sock"), []byte(in), []byte(out)); err == nil {
		t.Fatal("registered with no wrapper listening")
	}
}

// TestHelmArgs: our post-renderer is appended before "--" with its
// arguments; the user's --post-renderer (both forms) and its args are
// handed to ours; --no-evaluate without --evaluate-templates;
// --check-placement when asked; a missing Helm 4 plugin fails.
func TestHelmArgs(t *testing.T) {
	find := func(name string) (string, error) {
		if name == "missing" {
			return "", errors.New("no plugin missing")
		}
		return "/plugins/" + name, nil
	}
	for _, tc := range []struct {
		args string
		w    Wiring
		want string
	}{
		{"template r c", Wiring{Self: "/bin/hs", Evaluate: true},
			"template r c --post-renderer /bin/hs --post-renderer-args post-renderer"},
		{"template r c -- x", Wiring{Self: "/bin/hs", Evaluate: true, DecodeSecrets: true},
			"template r c --post-renderer /bin/hs --post-renderer-args post-renderer --post-renderer-args --evaluate-templates-decode-secrets -- x"},
		{"install r c --post-renderer=./k.sh --post-renderer-args a", Wiring{Self: "/bin/hs", CheckPlacement: true},
			"install r c --post-renderer /bin/hs --post-renderer-args post-renderer --post-renderer-args --no-evaluate --post-renderer-args --check-placement " +
				"--post-renderer-args --run-first --post-renderer-args ./k.sh --post-renderer-args --run-first-arg --post-renderer-args a"},
		{"upgrade r c --post-renderer user-pr", Wiring{Helm4: true, FindPlugin: find, Evaluate: true, CheckPlacement: true},
			"upgrade r c --post-renderer secrets-post-renderer --post-renderer-args --check-placement --post-renderer-args --run-first-plugin --post-renderer-args /plugins/user-pr"},
	} {
		got, err := HelmArgs(strings.Fields(tc.args), tc.w)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%s:\n got %q, %v\nwant %q", tc.args, strings.Join(got, " "), err, tc.want)
		}
	}
	if _, err := HelmArgs([]string{"install", "--post-renderer", "missing"}, Wiring{Helm4: true, FindPlugin: find, CheckPlacement: true}); err == nil {
		t.Error("a missing Helm 4 plugin was accepted")
	}
}

// TestRunPlacement: with --check-placement --no-evaluate, the
// post-renderer hands the manifests (after the user's post-renderer) to
// the wrapper's check and passes them to helm byte for byte when it says
// so; when the check stops them, or no check listens, it fails, prints
// nothing on stdout and relays its message to the wrapper; the vals
// backend is not needed.
func TestRunPlacement(t *testing.T) {
	testenv.Isolate(t)
	log := testenv.WriteFile(t, t.TempDir(), "relay.log", "")
	t.Setenv(settings.EnvPostRendererLog, log)
	const manifests = "kind: ConfigMap\ndata: {a: b}\n"
	var seen [][]byte
	pass := true
	stop, err := ServePlacement(func(m []byte) bool { seen = append(seen, m); return pass })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// Only the vals backend is disallowed: the check alone does not need it.
	sel := backend.Selector{Allowed: []string{"sops"}}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := Run(context.Background(), Options{Args: args, Backends: sel, In: strings.NewReader(manifests), Out: &out, ErrOut: &errOut})
		return out.String(), err
	}
	out, err := run("post-renderer", "--no-evaluate", "--check-placement")
	if err != nil || out != manifests || len(seen) != 1 || string(seen[0]) != manifests {
		t.Fatalf("pass: %q, %v, seen %q", out, err, seen)
	}
	// The user's post-renderer runs first: the check sees its output.
	user := testenv.WriteFile(t, t.TempDir(), "user.sh", "#!/bin/sh\ncat\necho '# added by the user'\n")
	if err := os.Chmod(user, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := run("post-renderer", "--no-evaluate", "--check-placement", "--run-first", user); err != nil || !strings.HasSuffix(string(seen[1]), "# added by the user\n") || out != string(seen[1]) {
		t.Fatalf("user's first: %q, %v, seen %q", out, err, seen[1])
	}
	pass = false
	out, err = run("post-renderer", "--no-evaluate", "--check-placement")
	if !IsFailure(err) || !errors.Is(err, ErrPlacementStop) || out != "" {
		t.Fatalf("stopped: %q, %v", out, err)
	}
	if b, _ := os.ReadFile(log); !strings.Contains(string(b), Prefix+"post-renderer: the placement check stopped") {
		t.Fatalf("not relayed: %q", b)
	}
	stop()
	if out, err := run("post-renderer", "--no-evaluate", "--check-placement"); !IsFailure(err) || out != "" {
		t.Fatalf("no check listening: %q, %v", out, err)
	}
	t.Setenv(settings.EnvPlacementSocket, "")
	if out, err := run("post-renderer", "--no-evaluate", "--check-placement"); !IsFailure(err) || out != "" {
		t.Fatalf("no socket: %q, %v", out, err)
	}
	// Evaluating needs the vals backend.
	if _, err := run("post-renderer"); !IsFailure(err) || !strings.Contains(err.Error(), "vals") {
		t.Fatalf("vals not allowed: %v", err)
	}
	if _, err := run("post-renderer", "--bogus"); !IsFailure(err) || !strings.Contains(err.Error(), `unknown argument "--bogus"`) {
		t.Fatalf("unknown argument: %v", err)
	}
}

// TestServePlacementBounds: a length over the cap, or fewer bytes than
// announced, gets no answer (the post-renderer then fails) and never
// reaches the check.
func TestServePlacementBounds(t *testing.T) {
	testenv.Isolate(t)
	called := false
	stop, err := ServePlacement(func([]byte) bool { called = true; return true })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, msg := range [][]byte{
		{0, 0, 0, 0, 0x04, 0, 0, 1}, // 64 MiB + 1
		{0, 0, 0, 0, 0, 0, 0, 10, 'a', 'b'},
	} {
		c, err := net.Dial("unix", os.Getenv(settings.EnvPlacementSocket))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write(msg)
		if uc, ok := c.(*net.UnixConn); ok {
			_ = uc.CloseWrite()
		}
		answer, _ := io.ReadAll(c)
		c.Close()
		if len(answer) != 0 {
			t.Errorf("%v: answered %q", msg, answer)
		}
	}
	if called {
		t.Error("the check saw a bad message")
	}
}
