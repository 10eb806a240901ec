package placement

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

const (
	secretsDoc = "db:\n  password: Canary-Cmd-4411\n"
	leak       = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {url: 'postgres://u:Canary-Cmd-4411@db/app'}\n"
	mounted    = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {p: Canary-Cmd-4411}\n"
)

func leaves(files []DecryptedFile) []redact.Secret {
	var s []redact.Secret
	for _, f := range files {
		s = append(s, redact.Leaves(f.Name, f.Content)...)
	}
	return s
}

// TestRun: the command's results (nil, ErrFindings, *UsageError) and
// its report, free of the value, with the decryption injected.
func TestRun(t *testing.T) {
	t.Chdir(t.TempDir())
	decrypt := func(_ context.Context, f string) ([]byte, error) {
		if f != "secrets.yaml" {
			return nil, errors.New("placement: decrypting " + f + ": no key")
		}
		return []byte(secretsDoc), nil
	}
	run := func(in string, o Options) (string, error) {
		var out bytes.Buffer
		o.Decrypt, o.Secrets, o.In, o.Out = decrypt, leaves, strings.NewReader(in), &out
		if o.Output == "" {
			o.Output = "table"
		}
		err := Run(context.Background(), o)
		return out.String(), err
	}
	out, err := run(leak, Options{Values: []string{"secrets.yaml"}})
	if !errors.Is(err, ErrFindings) || !strings.Contains(out, "configmap") || !strings.Contains(out, "secrets.yaml:db.password") {
		t.Errorf("leak: %v\n%s", err, out)
	}
	if strings.Contains(out, "Canary") {
		t.Errorf("the value is in the report:\n%s", out)
	}
	if out, err := run(mounted, Options{Values: []string{"secrets.yaml"}, Output: "json"}); err != nil || strings.Contains(out, "Canary") {
		t.Errorf("mounted: %v\n%s", err, out)
	}
	testenv.WriteFile(t, ".", "m.yaml", leak)
	for _, o := range []Options{
		{},
		{Values: []string{"secrets.yaml"}, Output: "xml"},
		{Values: []string{"secrets.yaml"}, Args: []string{"a", "b"}},
		{Values: []string{"secrets.yaml"}, Args: []string{"missing.yaml"}},
		{Values: []string{"other.yaml"}, Args: []string{"m.yaml"}},
	} {
		var ue *UsageError
		if _, err := run(leak, o); !errors.As(err, &ue) {
			t.Errorf("%+v: %v, want a usage error", o, err)
		}
	}
}

// TestCheckFinish: the post-render path's verdicts and report in both
// modes, a post-render that never happened, and the template path.
func TestCheckFinish(t *testing.T) {
	t.Chdir(t.TempDir())
	secrets := redact.Leaves("secrets.yaml", []byte(secretsDoc))
	for _, tc := range []struct {
		mode, manifest string
		pass           bool
		fail           string
	}{
		{"error", leak, false, "placement check failed: 1 finding(s): nothing was sent to the cluster"},
		{"warn", leak, true, ""},
		{"error", mounted, true, ""},
	} {
		c, err := NewCheck(tc.mode, true)
		if err != nil {
			t.Fatal(err)
		}
		c.SetSecrets(secrets)
		if got := c.PostRendered([]byte(tc.manifest)); got != tc.pass {
			t.Errorf("%s: pass %t, want %t", tc.mode, got, tc.pass)
		}
		var errOut bytes.Buffer
		err = c.Finish(&errOut, false, !tc.pass)
		if (err == nil) != (tc.fail == "") || err != nil && err.Error() != tc.fail {
			t.Errorf("%s: %v, want %q", tc.mode, err, tc.fail)
		}
		if tc.manifest == leak && !strings.Contains(errOut.String(), "configmap") || strings.Contains(errOut.String(), "Canary") {
			t.Errorf("%s: report:\n%s", tc.mode, errOut.String())
		}
	}
	// No post-render although helm succeeded: error mode fails, warn
	// mode warns; after a helm failure nothing is said.
	c, _ := NewCheck("error", true)
	if err := c.Finish(&bytes.Buffer{}, false, false); err == nil {
		t.Error("an unchecked install passed in error mode")
	}
	if err := c.Finish(&bytes.Buffer{}, false, true); err != nil {
		t.Errorf("after helm failed: %v", err)
	}
	c, _ = NewCheck("warn", true)
	var errOut bytes.Buffer
	if err := c.Finish(&errOut, true, false); err != nil || !strings.Contains(errOut.String(), "nothing was checked") {
		t.Errorf("warn, unchecked: %v %q", err, errOut.String())
	}
	// Template: helm's stdout through Tee.
	c, _ = NewCheck("error", false)
	c.SetSecrets(secrets)
	var stdout bytes.Buffer
	_, _ = c.Tee(&stdout).Write([]byte(leak))
	if err := c.Finish(&bytes.Buffer{}, false, false); err == nil || stdout.String() != leak {
		t.Errorf("template: %v, stdout %q", err, stdout.String())
	}
	// A broken exception file stops the run before helm starts.
	testenv.WriteFile(t, ".", ".helm-secrets-placement.yaml", "exceptions:\n  - {resource: A/b, field: x}\n")
	if _, err := NewCheck("error", true); err == nil {
		t.Error("a broken exception file was accepted")
	}
}
