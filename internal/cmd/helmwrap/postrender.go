package helmwrap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/cmd/postrender"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmplugin"
)

// HelmTimeout bounds the short calls to helm (helm env, helm version,
// completion).
const HelmTimeout = 10 * time.Second

// postRendererArgs adds our post-renderer to a helm command line
// (postrender.HelmArgs) for --evaluate-templates, and for the placement
// check of install and upgrade (checkPlacement). On Helm 4 the user's own
// --post-renderer is looked up in HELM_PLUGINS as helm would, so a
// missing one fails before helm starts, and the post-renderer's messages
// are relayed (*relay).
func (o *Options) postRendererArgs(ctx context.Context, helm string, args []string, checkPlacement bool, relay **postrender.RelayLog) ([]string, error) {
	evaluate := o.EvaluateTemplates
	if !evaluate && !checkPlacement {
		return args, nil
	}
	what := "--evaluate-templates"
	if evaluate {
		if _, err := o.Backends.Get(backend.ValsName); err != nil {
			return nil, err
		}
		if w := pluginenv.ValsPolicy().Warning(); w != "" && o.WarnValsAll != nil {
			o.WarnValsAll(w)
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
		DecodeSecrets:  o.EvaluateTemplatesDecodeSecrets,
		CheckPlacement: checkPlacement,
		FindPlugin: func(name string) (string, error) {
			dir, err := helmplugin.FindPostRenderer(o.helmPluginDirs(ctx, helm), name)
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
		if *relay, err = postrender.NewRelayLog(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// helmPluginDirs are helm's plugin folders: HELM_PLUGINS (helm sets it
// for plugins), else what `helm env HELM_PLUGINS` says.
func (o *Options) helmPluginDirs(ctx context.Context, helm string) []string {
	if v := os.Getenv("HELM_PLUGINS"); v != "" {
		return filepath.SplitList(v)
	}
	ctx, cancel := context.WithTimeout(ctx, HelmTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, helm, "env", "HELM_PLUGINS").Output()
	if err != nil {
		o.Debugf("helm env HELM_PLUGINS: %v", err)
		return nil
	}
	return filepath.SplitList(strings.TrimSpace(string(out)))
}

// helmMajor asks helm for its major version (only the post-renderer
// needs it: the post-renderer flag means a path on Helm 3 and a plugin on
// Helm 4).
func helmMajor(ctx context.Context, helm string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, HelmTimeout)
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
