package helm4

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/getter"
	release "helm.sh/helm/v4/pkg/release/v1"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Template is `helm secrets template`: renders a chart without a cluster,
// with its values decrypted in memory. Like the helm CLI it is a
// client-side dry-run install (DryRunStrategy action.DryRunClient); the
// embedded action.Install holds the flags (ReleaseName, Namespace,
// KubeVersion, APIVersions, IncludeCRDs, IsUpgrade, DisableHooks, ...).
type Template struct {
	*action.Install

	// Values are the values sources; encrypted ones are decrypted in memory.
	Values ValueOptions
	// Engine decrypts; nil means keys from the environment.
	Engine *encrypt.Engine
	// Getters fetch values sources given as URLs (nil: local files only).
	Getters getter.Providers
}

// NewTemplate returns a Template with the helm CLI's defaults (release
// name "release-name", namespace "default"). It has its own
// Configuration: client-only rendering replaces the kube client and the
// release storage.
func NewTemplate() *Template {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	i := action.NewInstall(cfg)
	setCLIWaitDefaults(&i.WaitStrategy, &i.WaitOptions)
	i.DryRunStrategy = action.DryRunClient
	i.ReleaseName = "release-name"
	i.Namespace = "default"
	i.Replace = true
	return &Template{Install: i}
}

// Run merges and decrypts the values and renders ch. The release's
// Manifest holds the rendered templates; Output formats them as
// `helm template` prints them.
func (t *Template) Run(ctx context.Context, ch *chart.Chart) (*release.Release, error) {
	vals, err := t.Values.MergeValues(ctx, t.Engine, t.Getters)
	if err != nil {
		return nil, err
	}
	if err := checkChart(ch); err != nil {
		return nil, err
	}
	return v1Release(t.Install.RunWithContext(ctx, ch, vals))
}

// RunPath is Run with a chart loaded from a directory or a .tgz.
func (t *Template) RunPath(ctx context.Context, chartPath string) (*release.Release, error) {
	ch, err := LoadChart(chartPath)
	if err != nil {
		return nil, err
	}
	return t.Run(ctx, ch)
}

// Output returns what `helm template` prints for rel: the manifests,
// then, unless t.DisableHooks, the hooks (test hooks too, as without
// --skip-tests).
func (t *Template) Output(rel *release.Release) string {
	var b strings.Builder
	fmt.Fprintln(&b, strings.TrimSpace(rel.Manifest))
	if !t.DisableHooks {
		for _, m := range rel.Hooks {
			fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Path, m.Manifest)
		}
	}
	return b.String()
}
