package helm4

import (
	"context"

	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/getter"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Install is `helm secrets install`: Helm 4's install action with its
// values decrypted in memory. The embedded action.Install holds the CLI's
// flags (ReleaseName, Namespace, CreateNamespace, WaitStrategy, Timeout,
// RollbackOnFailure, DryRunStrategy, ...); Values holds -f, --set and
// friends.
type Install struct {
	*action.Install

	// Values are the values sources; encrypted ones are decrypted in memory.
	Values ValueOptions
	// Engine decrypts; nil means keys from the environment.
	Engine *encrypt.Engine
	// Getters fetch values sources given as URLs (nil: local files only).
	Getters getter.Providers
}

// NewInstall returns an Install that works with cfg, with the helm CLI's
// defaults: Helm 4's (server-side apply) and the CLI's wait defaults
// (WaitStrategy hookOnly, as without --wait).
func NewInstall(cfg *action.Configuration) *Install {
	i := action.NewInstall(cfg)
	setCLIWaitDefaults(&i.WaitStrategy, &i.WaitOptions)
	return &Install{Install: i}
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
	return v1Release(i.Install.RunWithContext(ctx, ch, vals))
}

// RunPath is Run with a chart loaded from a directory or a .tgz.
func (i *Install) RunPath(ctx context.Context, chartPath string) (*release.Release, error) {
	ch, err := LoadChart(chartPath)
	if err != nil {
		return nil, err
	}
	return i.Run(ctx, ch)
}

// cliStatusComputeWorkers is the helm CLI's number of concurrent
// status-compute workers while waiting (Helm's SDK default is none).
const cliStatusComputeWorkers = 8

// setCLIWaitDefaults gives an action the helm CLI's wait defaults.
func setCLIWaitDefaults(strategy *kube.WaitStrategy, opts *[]kube.WaitOption) {
	*strategy = kube.HookOnlyStrategy
	*opts = append(*opts, kube.WithStatusComputeWorkers(cliStatusComputeWorkers))
}
