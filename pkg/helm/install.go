package helm

import (
	"context"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/release"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Install is `helm secrets install`: Helm's install action with its values
// decrypted in memory. The embedded action.Install holds the CLI's flags
// (ReleaseName, Namespace, CreateNamespace, Wait, Timeout, Atomic, DryRun,
// ...); Values holds -f, --set and friends.
type Install struct {
	*action.Install

	// Values are the values sources; encrypted ones are decrypted in memory.
	Values ValueOptions
	// Engine decrypts; nil means keys from the environment.
	Engine *encrypt.Engine
	// Getters fetch values sources given as URLs (nil: local files only).
	Getters getter.Providers
}

// NewInstall returns an Install that works with cfg.
func NewInstall(cfg *action.Configuration) *Install {
	return &Install{Install: action.NewInstall(cfg)}
}

// Run merges and decrypts the values, checks the chart as `helm install`
// does, and installs it. Cancelling ctx stops waiting for the release.
// Nothing is installed when a value cannot be decrypted.
func (i *Install) Run(ctx context.Context, ch *chart.Chart) (*release.Release, error) {
	vals, err := i.Values.MergeValues(ctx, i.Engine, i.Getters)
	if err != nil {
		return nil, err
	}
	if err := checkChart(ch); err != nil {
		return nil, err
	}
	return i.Install.RunWithContext(ctx, ch, vals)
}

// RunPath is Run with a chart loaded from a directory or a .tgz.
func (i *Install) RunPath(ctx context.Context, chartPath string) (*release.Release, error) {
	ch, err := LoadChart(chartPath)
	if err != nil {
		return nil, err
	}
	return i.Run(ctx, ch)
}
