// Package helmplugin reads Helm 4 (apiVersion: v1) plugin manifests and
// prepares a postrenderer/v1 plugin's command line as Helm 4 does, so that
// our post-renderer can run a user's post-renderer plugin before its own
// work (helm takes a single --post-renderer).
package helmplugin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// PostRendererType is the plugin type `helm --post-renderer NAME` looks
// for on Helm 4.
const PostRendererType = "postrenderer/v1"

// maxManifest caps a plugin.yaml we read.
const maxManifest = 1 << 20

// PlatformCommand is one entry of a v1 platformCommand list.
type PlatformCommand struct {
	OS      string   `json:"os"`
	Arch    string   `json:"arch"`
	Command string   `json:"command"`
	Args    []string `json:"args"`
}

// PickPlatform chooses a v1 platformCommand entry as Helm 4 does: an exact
// OS and architecture match, else the first entry for the OS without an
// architecture, else the first entry with neither.
func PickPlatform(cmds []PlatformCommand, goos, goarch string) (PlatformCommand, bool) {
	eq := strings.EqualFold
	var pick PlatformCommand
	found, foundOS := false, false
	for _, c := range cmds {
		if eq(c.OS, goos) && eq(c.Arch, goarch) {
			return c, true
		}
		if (c.OS != "" && !eq(c.OS, goos)) || c.Arch != "" {
			continue
		}
		if !foundOS && c.OS != "" {
			pick, found, foundOS = c, true, true
		} else if !found {
			pick, found = c, true
		}
	}
	return pick, found
}

// manifest is what we read of a v1 plugin.yaml.
type manifest struct {
	APIVersion    string `json:"apiVersion"`
	Name          string `json:"name"`
	Type          string `json:"type"`
	Runtime       string `json:"runtime"`
	RuntimeConfig struct {
		PlatformCommand []PlatformCommand `json:"platformCommand"`
	} `json:"runtimeConfig"`
}

func readManifest(dir string) (manifest, error) {
	var m manifest
	b, err := bounds.ReadFile(filepath.Join(dir, "plugin.yaml"), maxManifest)
	if errors.Is(err, bounds.ErrTooLarge) {
		return m, fmt.Errorf("%s: plugin.yaml is larger than %d bytes", dir, maxManifest)
	}
	if err != nil {
		return m, err
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: plugin.yaml: %w", dir, err)
	}
	return m, nil
}

// ErrNotFound means no plugin of the name and type is installed.
var ErrNotFound = errors.New("not found")

// FindPostRenderer returns the folder of the postrenderer/v1 plugin called
// name, searched as Helm 4 does: the folders of dirs (HELM_PLUGINS, split)
// in order, in each the plugins' folders in name order, the first match
// winning. Folders whose plugin.yaml cannot be read are skipped, as helm
// skips plugins it fails to load.
func FindPostRenderer(dirs []string, name string) (string, error) {
	for _, root := range dirs {
		matches, _ := filepath.Glob(filepath.Join(root, "*", "plugin.yaml"))
		for _, p := range matches {
			dir := filepath.Dir(p)
			m, err := readManifest(dir)
			if err != nil || m.APIVersion != "v1" || m.Name != name || m.Type != PostRendererType {
				continue
			}
			return dir, nil
		}
	}
	return "", fmt.Errorf("%s plugin %q in %s: %w", PostRendererType, name, strings.Join(dirs, string(filepath.ListSeparator)), ErrNotFound)
}

// Command is a plugin's command line, ready for exec.
type Command struct {
	Name string   // the plugin's name
	Path string   // the program (looked up in PATH when it has no separator, as exec does)
	Args []string // its arguments
	Env  []string // its environment
}

// PostRendererCommand prepares the command Helm 4 runs for the
// postrenderer/v1 plugin in dir with the --post-renderer-args extra: the
// platformCommand entry for this platform, split on spaces, its words and
// args expanded with the environment (env plus HELM_PLUGIN_NAME and
// HELM_PLUGIN_DIR, which the plugin also gets), then extra as they are.
// Only the subprocess runtime can be run this way.
func PostRendererCommand(dir string, extra, env []string) (Command, error) {
	m, err := readManifest(dir)
	if err != nil {
		return Command{}, err
	}
	if m.APIVersion != "v1" || m.Type != PostRendererType {
		return Command{}, fmt.Errorf("%s is not a %s plugin", dir, PostRendererType)
	}
	if m.Runtime != "" && m.Runtime != "subprocess" {
		return Command{}, fmt.Errorf("%s plugin %q: runtime %q cannot be chained (only subprocess plugins)", PostRendererType, m.Name, m.Runtime)
	}
	c, ok := PickPlatform(m.RuntimeConfig.PlatformCommand, runtime.GOOS, runtime.GOARCH)
	if !ok || c.Command == "" {
		return Command{}, fmt.Errorf("%s plugin %q: no plugin command is applicable", PostRendererType, m.Name)
	}
	full := make([]string, 0, len(env)+2)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k != "HELM_PLUGIN_NAME" && k != "HELM_PLUGIN_DIR" {
			full = append(full, kv)
		}
	}
	full = append(full, "HELM_PLUGIN_NAME="+m.Name, "HELM_PLUGIN_DIR="+dir)
	vars := map[string]string{}
	for _, kv := range full {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	expand := func(s string) string { return os.Expand(s, func(k string) string { return vars[k] }) }
	words := strings.Split(c.Command, " ")
	out := Command{Name: m.Name, Path: expand(words[0]), Env: full}
	for _, w := range words[1:] {
		out.Args = append(out.Args, expand(w))
	}
	for _, a := range c.Args {
		out.Args = append(out.Args, expand(a))
	}
	out.Args = append(out.Args, extra...)
	if out.Path == "" {
		return Command{}, fmt.Errorf("%s plugin %q: no plugin command is applicable", PostRendererType, m.Name)
	}
	return out, nil
}
