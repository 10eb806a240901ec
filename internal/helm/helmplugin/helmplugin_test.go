package helmplugin

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func writePlugin(t *testing.T, root, dir, manifest string) string {
	t.Helper()
	d := filepath.Join(root, dir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "plugin.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

const prManifest = `apiVersion: v1
type: postrenderer/v1
name: @NAME@
version: 1.0.0
runtime: subprocess
runtimeConfig:
  platformCommand:
    - os: plan9
      command: "wrong"
    - command: "$HELM_PLUGIN_DIR/render.sh --mode $MODE"
      args: ["$HELM_PLUGIN_NAME", "fixed"]
`

func TestFindPostRenderer(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writePlugin(t, a, "cli", strings.ReplaceAll(strings.ReplaceAll(prManifest, "postrenderer/v1", "cli/v1"), "@NAME@", "kustomize"))
	writePlugin(t, a, "broken", "apiVersion: [")
	writePlugin(t, a, "legacy", "name: kustomize\ncommand: x\n")
	want := writePlugin(t, b, "z-dir", strings.ReplaceAll(prManifest, "@NAME@", "kustomize"))
	writePlugin(t, b, "zz-second", strings.ReplaceAll(prManifest, "@NAME@", "kustomize"))
	got, err := FindPostRenderer([]string{a, b}, "kustomize")
	if err != nil || got != want {
		t.Fatalf("FindPostRenderer = %q, %v; want %q", got, err, want)
	}
	if _, err := FindPostRenderer([]string{a, b}, "other"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"other"`) {
		t.Fatalf("missing plugin: %v", err)
	}
}

func TestPostRendererCommand(t *testing.T) {
	dir := writePlugin(t, t.TempDir(), "k", strings.ReplaceAll(prManifest, "@NAME@", "kustomize"))
	c, err := PostRendererCommand(dir, []string{"$NOT_EXPANDED", "x y"}, []string{"MODE=strict", "HELM_PLUGIN_NAME=secrets-post-renderer", "HELM_PLUGIN_DIR=/ours"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "kustomize" || c.Path != dir+"/render.sh" {
		t.Errorf("command %q %q", c.Name, c.Path)
	}
	if want := []string{"--mode", "strict", "kustomize", "fixed", "$NOT_EXPANDED", "x y"}; !slices.Equal(c.Args, want) {
		t.Errorf("args %q, want %q", c.Args, want)
	}
	if want := []string{"MODE=strict", "HELM_PLUGIN_NAME=kustomize", "HELM_PLUGIN_DIR=" + dir}; !slices.Equal(c.Env, want) {
		t.Errorf("env %q, want %q", c.Env, want)
	}

	wasm := writePlugin(t, t.TempDir(), "w", strings.ReplaceAll(strings.ReplaceAll(prManifest, "subprocess", "extism/v1"), "@NAME@", "wasm"))
	if _, err := PostRendererCommand(wasm, nil, nil); err == nil || !strings.Contains(err.Error(), "extism/v1") {
		t.Errorf("extism plugin: %v", err)
	}
	none := writePlugin(t, t.TempDir(), "n", "apiVersion: v1\ntype: postrenderer/v1\nname: none\nruntime: subprocess\nruntimeConfig:\n  platformCommand:\n    - os: plan9\n      command: x\n")
	if _, err := PostRendererCommand(none, nil, nil); err == nil || !strings.Contains(err.Error(), "no plugin command is applicable") {
		t.Errorf("no command for %s: %v", runtime.GOOS, err)
	}
	cli := writePlugin(t, t.TempDir(), "c", strings.ReplaceAll(strings.ReplaceAll(prManifest, "postrenderer/v1", "cli/v1"), "@NAME@", "cli"))
	if _, err := PostRendererCommand(cli, nil, nil); err == nil {
		t.Error("a cli/v1 plugin prepared as a post-renderer")
	}
}

func TestPickPlatform(t *testing.T) {
	cmds := []PlatformCommand{
		{Command: "any"},
		{OS: "linux", Command: "linux"},
		{OS: "linux", Arch: "arm64", Command: "linux-arm64"},
		{OS: "darwin", Command: "darwin"},
	}
	for _, tc := range []struct{ goos, goarch, want string }{
		{"linux", "arm64", "linux-arm64"},
		{"linux", "amd64", "linux"},
		{"darwin", "arm64", "darwin"},
		{"windows", "amd64", "any"},
	} {
		got, ok := PickPlatform(cmds, tc.goos, tc.goarch)
		if !ok || got.Command != tc.want {
			t.Errorf("%s/%s: %q %t, want %q", tc.goos, tc.goarch, got.Command, ok, tc.want)
		}
	}
	if _, ok := PickPlatform([]PlatformCommand{{OS: "plan9", Command: "x"}}, "linux", "amd64"); ok {
		t.Error("a command for another OS picked")
	}
}
