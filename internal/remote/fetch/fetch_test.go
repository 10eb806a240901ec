package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
)

const pass = "s3cr3t-Pa55"

func TestHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); r.URL.Path == "/auth" && (!ok || u != "me" || p != pass) {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/big" {
			_, _ = w.Write(make([]byte, 100))
			return
		}
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("body " + r.URL.Path))
	}))
	defer srv.Close()
	f := &Fetcher{Limit: 50}
	authURL := strings.Replace(srv.URL, "http://", "http://me:"+pass+"@", 1)
	if got, err := f.Fetch(context.Background(), srv.URL+"/a.yaml"); err != nil || string(got) != "body /a.yaml" {
		t.Fatalf("%q %v", got, err)
	}
	if got, err := f.Fetch(context.Background(), authURL+"/auth"); err != nil || string(got) != "body /auth" {
		t.Fatalf("basic auth: %q %v", got, err)
	}
	for _, tc := range []struct{ url, want string }{
		{authURL + "/missing", "404"},
		{strings.Replace(authURL, pass, pass+"x", 1) + "/auth", "401"},
		{srv.URL + "/big", "limit"},
		{"http://me:" + pass + "@127.0.0.1:1/x", "127.0.0.1:1"},
	} {
		_, err := f.Fetch(context.Background(), tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), pass) {
			t.Errorf("%s: %v", urls.Redact(tc.url), err)
		}
	}
}

func TestPlugin(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the plugin is a shell script")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "my-getter")
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := "name: my-getter\nversion: 1.0.0\ndownloaders:\n  - command: \"bin/get.sh --flag\"\n    protocols: [\"s3\", \"Git+HTTPS\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n[ \"$1\" = --flag ] && [ \"$2\" = '' ] && [ \"$3\" = '' ] && [ \"$4\" = '' ] || exit 3\n" +
		"case \"$5\" in *fail*) echo \"cannot get $5\" >&2; exit 1;; esac\n" +
		"printf '%s from %s in %s' \"$5\" \"$HELM_PLUGIN_NAME\" \"$HELM_PLUGIN_DIR\"\n"
	if err := os.WriteFile(filepath.Join(dir, "bin", "get.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	f := &Fetcher{PluginDirs: []string{filepath.Join(root, "none"), root}}
	for _, src := range []string{"s3://bucket/x.yaml", "git+https://host/repo@x.yaml?ref=main"} {
		if !f.Handles(src) {
			t.Fatalf("Handles(%s) = false", src)
		}
		got, err := f.Fetch(context.Background(), src)
		if err != nil || string(got) != src+" from my-getter in "+dir {
			t.Fatalf("%s: %q %v", src, got, err)
		}
	}
	_, err := f.Fetch(context.Background(), "s3://me:"+pass+"@bucket/fail.yaml")
	if err == nil || !strings.Contains(err.Error(), "s3://me:xxxxx@bucket/fail.yaml") || strings.Contains(err.Error(), pass) {
		t.Fatalf("failing plugin: %v", err)
	}
	for _, src := range []string{"oci://x/y", "secrets://x.yaml", "x.yaml", "-"} {
		if (&Fetcher{PluginDirs: []string{root}, Skip: func(s string) bool { return strings.HasPrefix(s, "secrets") }}).Handles(src) {
			t.Errorf("Handles(%s) = true", src)
		}
	}
	if (&Fetcher{PluginDirs: []string{root}, Skip: func(s string) bool { return s == "s3" }}).Handles("s3://b/k") {
		t.Error("Skip ignored")
	}
}

// TestPluginV1: a Helm 4 getter/v1 plugin (runtimeConfig.protocolCommands)
// serves its schemes as Helm 4 runs it: the platform's command relative to
// the plugin folder, its args, then cert, key, CA and the URL. Other v1
// plugin types declare no downloaders.
func TestPluginV1(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the plugin is a shell script")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "v1-getter")
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := `apiVersion: v1
type: getter/v1
name: v1-getter
version: 1.0.0
runtime: subprocess
config:
  protocols: ["gs", "Git+SSH"]
runtimeConfig:
  protocolCommands:
    - protocols: ["gs", "Git+SSH"]
      platformCommand:
        - os: plan9
          command: "bin/wrong.sh"
        - command: "bin/get.sh --flag"
          args: ["--arg"]
`
	if err := os.WriteFile(filepath.Join(dir, "plugin.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := filepath.Join(root, "v1-cli")
	if err := os.MkdirAll(cli, 0o755); err != nil {
		t.Fatal(err)
	}
	cliManifest := "apiVersion: v1\ntype: cli/v1\nname: v1-cli\nruntimeConfig:\n  protocolCommands:\n    - protocols: [\"xx\"]\n      platformCommand:\n        - command: \"bin/x\"\n"
	if err := os.WriteFile(filepath.Join(cli, "plugin.yaml"), []byte(cliManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n[ \"$1\" = --flag ] && [ \"$2\" = --arg ] && [ \"$3\" = '' ] && [ \"$4\" = '' ] && [ \"$5\" = '' ] || exit 3\n" +
		"printf '%s from %s in %s' \"$6\" \"$HELM_PLUGIN_NAME\" \"$HELM_PLUGIN_DIR\"\n"
	if err := os.WriteFile(filepath.Join(dir, "bin", "get.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	f := &Fetcher{PluginDirs: []string{root}}
	for _, src := range []string{"gs://bucket/x.yaml", "git+ssh://host/repo@x.yaml"} {
		if !f.Handles(src) {
			t.Fatalf("Handles(%s) = false", src)
		}
		got, err := f.Fetch(context.Background(), src)
		if err != nil || string(got) != src+" from v1-getter in "+dir {
			t.Fatalf("%s: %q %v", src, got, err)
		}
	}
	if f.Handles("xx://a/b") {
		t.Error("a cli/v1 plugin's protocolCommands taken for a getter")
	}
}
