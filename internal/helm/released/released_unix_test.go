//go:build unix

package released_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/helm/released"
)

// fakeHelm answers `helm get values app --output yaml` with the stored
// values and records its arguments; any other release fails, as helm does.
func fakeHelm(t *testing.T) (helm, log string) {
	dir := t.TempDir()
	log = filepath.Join(dir, "args")
	helm = filepath.Join(dir, "helm")
	script := "#!/bin/sh\necho \"$@\" >>" + log + "\n[ \"$3\" = app ] || { echo 'Error: release: not found' >&2; exit 1; }\n" +
		"printf 'db:\\n  host: db.example\\n  password: old-Secret-1\\nreplicas: 2\\n'\n"
	if err := os.WriteFile(helm, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return helm, log
}

func TestSecretsOfDiffUpgrade(t *testing.T) {
	helm, log := fakeHelm(t)
	secrets := append(redact.Leaves("secrets.yaml", []byte("db:\n  password: new-Secret-2\n")), redact.Secret{Name: "--set x", Value: []byte("y")})
	paths := released.KeyPaths(secrets, []string{"secrets.yaml"})
	if len(paths) != 1 || !paths["db.password"] {
		t.Fatalf("KeyPaths = %v", paths)
	}
	got := released.Secrets(context.Background(), helm,
		[]string{"diff", "upgrade", "--namespace", "ns", "--context", "3", "app", "./chart", "-f", "secrets.yaml", "--kube-context=kc"}, paths)
	if len(got) != 1 || string(got[0].Value) != "old-Secret-1" || got[0].Name != "release app:db.password" {
		t.Fatalf("Secrets = %+v", got)
	}
	b, _ := os.ReadFile(log)
	if want := "get values app --output yaml --namespace=ns --kube-context=kc"; strings.TrimSpace(string(b)) != want {
		t.Errorf("helm ran with %q, want %q", strings.TrimSpace(string(b)), want)
	}
	// Not a diff upgrade, no such release, no secret paths: nothing.
	for _, args := range [][]string{
		{"upgrade", "app", "./chart"},
		{"diff", "revision", "app", "1", "2"},
		{"diff", "upgrade", "other", "./chart"},
	} {
		if got := released.Secrets(context.Background(), helm, args, paths); got != nil {
			t.Errorf("%q: %+v", args, got)
		}
	}
	if got := released.Secrets(context.Background(), helm, []string{"diff", "upgrade", "app", "./chart"}, nil); got != nil {
		t.Errorf("no paths: %+v", got)
	}
}
