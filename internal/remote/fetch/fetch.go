package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmplugin"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
)

// ErrFetch is what every fetch failure matches with errors.Is.
var ErrFetch = errors.New("fetch failed")

// Error is a failure to get a source: the URL without its password and
// why (with the password removed too).
type Error struct {
	URL, Reason string
}

func (e *Error) Error() string { return e.URL + ": " + e.Reason }

// Is makes errors.Is(err, ErrFetch) work.
func (e *Error) Is(target error) bool { return target == ErrFetch }

// Fetcher gets remote values sources.
type Fetcher struct {
	// PluginDirs are the folders holding helm plugins (HELM_PLUGINS, a
	// path list); their downloaders serve the schemes they declare.
	PluginDirs []string
	// Skip lists schemes never fetched here (helm gets them itself, e.g.
	// our own secrets:// protocols).
	Skip func(scheme string) bool
	// Limit caps a source's size in bytes (0: no limit).
	Limit int64
	// Client serves http(s) (nil: http.DefaultClient).
	Client *http.Client
	// Stderr receives a getter plugin's stderr (nil: discarded).
	Stderr io.Writer
	// Env is the plugins' base environment (nil: os.Environ()).
	Env []string
	// FindPluginDirs, when PluginDirs is empty, is asked once for them
	// (e.g. `helm env HELM_PLUGINS`), the first time a scheme other than
	// http(s) is seen.
	FindPluginDirs func() []string

	once        sync.Once
	downloaders map[string]downloader // by scheme, loaded on first use
}

// downloader is one getter plugin command: a Helm 3 style `downloaders:`
// entry, or (v1) a Helm 4 getter/v1 plugin's protocol command with its
// args.
type downloader struct {
	plugin, dir, command string
	args                 []string
	v1                   bool
}

// Handles reports whether Fetch would get src: an http(s) URL, or a
// scheme some getter plugin declares, unless Skip says no.
func (f *Fetcher) Handles(src string) bool {
	s := urls.Scheme(src)
	if s == "" || (f.Skip != nil && f.Skip(s)) {
		return false
	}
	if s == "http" || s == "https" {
		return true
	}
	_, ok := f.plugins()[s]
	return ok
}

// Fetch gets src. The error names src with its password removed.
func (f *Fetcher) Fetch(ctx context.Context, src string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, urls.Timeout)
	defer cancel()
	var (
		data []byte
		err  error
	)
	switch s := urls.Scheme(src); {
	case s == "http" || s == "https":
		data, err = urls.Download(ctx, f.Client, src, f.Limit)
	case f.plugins()[s].command != "":
		// A getter plugin's output is capped by Limit as it is read, and
		// then charged to the run's input budget.
		if data, err = f.runPlugin(ctx, f.plugins()[s], src); err == nil {
			err = bounds.BudgetFrom(ctx).Take(int64(len(data)))
		}
	default:
		err = fmt.Errorf("no getter for the scheme %q", s)
	}
	if err != nil {
		return nil, &Error{URL: urls.Redact(src), Reason: scrub(err.Error(), src)}
	}
	return data, nil
}

// plugins loads the getter plugins' downloaders once.
func (f *Fetcher) plugins() map[string]downloader {
	f.once.Do(f.loadPlugins)
	return f.downloaders
}

func (f *Fetcher) loadPlugins() {
	f.downloaders = map[string]downloader{}
	if len(f.PluginDirs) == 0 && f.FindPluginDirs != nil {
		f.PluginDirs = f.FindPluginDirs()
	}
	for _, root := range f.PluginDirs {
		entries, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		for _, e := range entries {
			dir := filepath.Join(root, e.Name())
			// Capped while reading, and only a regular file, as
			// internal/helm/helmplugin reads a plugin.yaml.
			b, err := bounds.ReadFile(filepath.Join(dir, "plugin.yaml"), 1<<20)
			if err != nil {
				continue
			}
			var m manifest
			if yaml.Unmarshal(b, &m) != nil {
				continue
			}
			for p, d := range m.downloaders(dir) {
				if _, dup := f.downloaders[p]; !dup {
					// The first plugin found wins, as in helm.
					f.downloaders[p] = d
				}
			}
		}
	}
}

// manifest is what a plugin.yaml says about downloaders, in either format:
// Helm 3's `downloaders:` list (also read by Helm 4), or a Helm 4
// `apiVersion: v1`, `type: getter/v1` plugin's
// runtimeConfig.protocolCommands.
type manifest struct {
	APIVersion  string `json:"apiVersion"`
	Type        string `json:"type"`
	Name        string `json:"name"`
	Downloaders []struct {
		Command   string   `json:"command"`
		Protocols []string `json:"protocols"`
	} `json:"downloaders"`
	RuntimeConfig struct {
		ProtocolCommands []struct {
			Protocols       []string                     `json:"protocols"`
			PlatformCommand []helmplugin.PlatformCommand `json:"platformCommand"`
		} `json:"protocolCommands"`
	} `json:"runtimeConfig"`
}

// downloaders returns the manifest's downloaders by lower-cased scheme.
func (m manifest) downloaders(dir string) map[string]downloader {
	out := map[string]downloader{}
	add := func(protocols []string, d downloader) {
		for _, p := range protocols {
			p = strings.ToLower(p)
			if _, dup := out[p]; !dup && d.command != "" {
				out[p] = d
			}
		}
	}
	if m.APIVersion == "v1" {
		if m.Type != "getter/v1" {
			return out
		}
		for _, pc := range m.RuntimeConfig.ProtocolCommands {
			if c, ok := helmplugin.PickPlatform(pc.PlatformCommand, runtime.GOOS, runtime.GOARCH); ok {
				add(pc.Protocols, downloader{plugin: m.Name, dir: dir, command: c.Command, args: c.Args, v1: true})
			}
		}
		return out
	}
	for _, d := range m.Downloaders {
		add(d.Protocols, downloader{plugin: m.Name, dir: dir, command: d.Command})
	}
	return out
}

// runPlugin runs a getter plugin as helm v3 and v4 do for values files:
// the command split on spaces, its first word relative to the plugin
// folder, then the empty cert, key and CA file arguments and the URL. For
// a v1 plugin, as Helm 4 runs one: the first word expanded with the
// plugin's environment and always joined to the plugin folder, the
// entry's args (not expanded) after the other words.
func (f *Fetcher) runPlugin(ctx context.Context, d downloader, src string) ([]byte, error) {
	env := f.Env
	if env == nil {
		env = os.Environ()
	}
	env = append(append([]string{}, env...),
		"HELM_PLUGIN_NAME="+d.plugin, "HELM_PLUGIN_DIR="+d.dir,
		"HELM_PLUGIN_USERNAME=", "HELM_PLUGIN_PASSWORD=", "HELM_PLUGIN_PASS_CREDENTIALS_ALL=false")
	words := strings.Fields(d.command)
	var prog string
	args := words[1:]
	if d.v1 {
		prog = filepath.Join(d.dir, os.Expand(words[0], func(k string) string { return lookup(env, k) }))
		args = append(args, d.args...)
	} else {
		prog = os.ExpandEnv(words[0])
		if !filepath.IsAbs(prog) {
			prog = filepath.Join(d.dir, prog)
		}
	}
	cmd := exec.CommandContext(ctx, prog, append(args, "", "", "", src)...)
	cmd.Env = env
	out := &bounds.Buffer{Limit: f.Limit}
	cmd.Stdout = out
	cmd.Stderr = f.Stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if out.Over() {
			return nil, fmt.Errorf("over the limit of %d bytes", f.Limit)
		}
		return nil, fmt.Errorf("getter plugin %q: %v", d.plugin, err)
	}
	return out.Bytes(), nil
}

// lookup is the last value of key in env.
func lookup(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// scrub removes src's password from a message, wherever it appears.
func scrub(msg, src string) string {
	u, err := url.Parse(src)
	if err != nil || u.User == nil {
		return msg
	}
	if p, ok := u.User.Password(); ok && p != "" {
		msg = strings.ReplaceAll(msg, p, "xxxxx")
		msg = strings.ReplaceAll(msg, url.QueryEscape(p), "xxxxx")
	}
	return msg
}
