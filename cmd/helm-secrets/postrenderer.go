package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/cmd/postrender"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmplugin"
)

// valsSession is the run's helm-secrets-vals process (started on first
// use): one vals runtime, one cache, for every file, literal and manifest.
func (a *app) valsSession() *valsproto.Session {
	return valsproto.NewSession(valsproto.Options{
		Binary: pluginenv.ValsBinary(),
		Policy: pluginenv.ValsPolicy(),
		Stderr: a.streams.Stderr,
		Debug:  a.debug,
		Quiet:  func() bool { return a.opts.quiet },
		Warn:   a.warnValsAll,
	})
}

// valsAllWarned makes the HELM_SECRETS_VALS_PROVIDERS=all warning once
// per process.
var valsAllWarned sync.Once

// warnValsAll prints the HELM_SECRETS_VALS_PROVIDERS=all warning once,
// unless quiet (-q, HELM_SECRETS_QUIET) or in Argo CD: from the wrapper
// when it appends our post-renderer or evaluates itself, from the getter.
// The post-renderer itself stays silent (runPostRenderer): helm shows its
// stderr only when it fails, and the wrapper has warned.
func (a *app) warnValsAll(msg string) {
	if settings.Load().ArgoCD || a.opts.quiet {
		return
	}
	valsAllWarned.Do(func() { fmt.Fprintf(a.streams.Stderr, "%sWarning: %s\n", prefix, msg) })
}

// runPostRenderer runs the post-renderer (postrender.Run) with this
// run's streams and vals session; its failures are printed on stderr.
func (a *app) runPostRenderer(ctx context.Context, args []string) error {
	valsAllWarned.Do(func() {}) // the wrapper that appended us has warned
	err := postrender.Run(ctx, postrender.Options{
		Args:          args,
		DecodeSecrets: a.opts.evaluateTemplatesDecodeSecrets,
		Backends:      a.backends,
		In:            a.streams.Stdin,
		Out:           a.streams.Stdout,
		ErrOut:        a.streams.Stderr,
	})
	if postrender.IsFailure(err) {
		return a.errorf("%v", err)
	}
	return err
}

// postRendererArgs adds our post-renderer to a helm command line
// (postrender.HelmArgs) for --evaluate-templates, and for the placement
// check of install and upgrade (checkPlacement). On Helm 4 the user's own
// --post-renderer is looked up in HELM_PLUGINS as helm would, so a
// missing one fails before helm starts, and the post-renderer's messages
// are relayed (a.relay).
func (a *app) postRendererArgs(ctx context.Context, helm string, args []string, checkPlacement bool) ([]string, error) {
	evaluate := a.opts.evaluateTemplates
	if !evaluate && !checkPlacement {
		return args, nil
	}
	what := "--evaluate-templates"
	if evaluate {
		if _, err := a.backends.Get(backend.ValsName); err != nil {
			return nil, err
		}
		if w := pluginenv.ValsPolicy().Warning(); w != "" {
			a.warnValsAll(w)
		}
	} else {
		what = "--check-placement"
	}
	major, err := helmMajor(ctx, helm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	w := postrender.Wiring{
		Helm4:          major >= 4,
		Evaluate:       evaluate,
		DecodeSecrets:  a.opts.evaluateTemplatesDecodeSecrets,
		CheckPlacement: checkPlacement,
		FindPlugin: func(name string) (string, error) {
			dir, err := helmplugin.FindPostRenderer(a.helmPluginDirs(ctx, helm), name)
			if err != nil {
				return "", fmt.Errorf("%s: your --post-renderer: %w", what, err)
			}
			return dir, nil
		},
	}
	if !w.Helm4 {
		if w.Self, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	out, err := postrender.HelmArgs(args, w)
	if err != nil {
		return nil, err
	}
	if w.Helm4 {
		if a.relay, err = postrender.NewRelayLog(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// helmPluginDirs are helm's plugin folders: HELM_PLUGINS (helm sets it
// for plugins), else what `helm env HELM_PLUGINS` says.
func (a *app) helmPluginDirs(ctx context.Context, helm string) []string {
	if v := os.Getenv("HELM_PLUGINS"); v != "" {
		return filepath.SplitList(v)
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, helm, "env", "HELM_PLUGINS").Output()
	if err != nil {
		a.debugf("helm env HELM_PLUGINS: %v", err)
		return nil
	}
	return filepath.SplitList(strings.TrimSpace(string(out)))
}

// helmMajor asks helm for its major version (only the post-renderer
// needs it: the post-renderer flag means a path on Helm 3 and a plugin on
// Helm 4).
func helmMajor(ctx context.Context, helm string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, helm, "version", "--template", "{{.Version}}").Output()
	if err != nil {
		return 0, fmt.Errorf("%s version: %w", helm, err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	switch {
	case strings.HasPrefix(v, "3."):
		return 3, nil
	case strings.HasPrefix(v, "4."):
		return 4, nil
	}
	return 0, errors.New("cannot tell helm's version from " + fmt.Sprintf("%q", v))
}

// printRelayed prints what the post-renderer plugin reported and removes
// its message file.
func (a *app) printRelayed() {
	a.relay.Print(a.streams.Stderr)
	a.relay = nil
}
