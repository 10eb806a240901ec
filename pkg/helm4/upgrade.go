package helm4

import (
	"context"
	"errors"
	"fmt"

	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/getter"
	"helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Upgrade is `helm secrets upgrade`: Helm 4's upgrade action with its
// values decrypted in memory. The embedded action.Upgrade holds the CLI's
// flags (Namespace, Install, WaitStrategy, Timeout, RollbackOnFailure,
// ReuseValues, ServerSideApply, ...); set Install for
// `upgrade --install`.
type Upgrade struct {
	*action.Upgrade

	// CreateNamespace is --create-namespace: with Install, create the
	// release namespace when the release is installed.
	CreateNamespace bool
	// Values are the values sources; encrypted ones are decrypted in memory.
	Values ValueOptions
	// Engine decrypts; nil means keys from the environment.
	Engine *encrypt.Engine
	// Getters fetch values sources given as URLs (nil: local files only).
	Getters getter.Providers

	cfg *action.Configuration
}

// NewUpgrade returns an Upgrade that works with cfg, with the helm CLI's
// defaults (ServerSideApply "auto", WaitStrategy hookOnly).
func NewUpgrade(cfg *action.Configuration) *Upgrade {
	u := action.NewUpgrade(cfg)
	setCLIWaitDefaults(&u.WaitStrategy, &u.WaitOptions)
	return &Upgrade{Upgrade: u, cfg: cfg}
}

// Run merges and decrypts the values and upgrades release name to ch.
// With Install set, a release that does not exist (or was uninstalled
// with its history kept) is installed instead, with the same flags, as
// `helm upgrade --install` does. Cancelling ctx stops the upgrade.
// Nothing changes when a value cannot be decrypted.
func (u *Upgrade) Run(ctx context.Context, name string, ch *chart.Chart) (*release.Release, error) {
	vals, err := u.Values.MergeValues(ctx, u.Engine, u.Getters)
	if err != nil {
		return nil, err
	}
	if err := checkChart(ch); err != nil {
		return nil, err
	}
	if u.Install {
		hist := action.NewHistory(u.cfg)
		hist.Max = 1
		versions, err := hist.Run(name)
		var last *release.Release
		if len(versions) > 0 {
			last, _ = v1Release(versions[len(versions)-1], nil)
		}
		uninstalled := last != nil && last.Info != nil && last.Info.Status == common.StatusUninstalled
		switch {
		case errors.Is(err, driver.ErrReleaseNotFound) || uninstalled:
			inst := u.installAction(name)
			inst.Replace = uninstalled
			return v1Release(inst.RunWithContext(ctx, ch, vals))
		case err != nil:
			return nil, fmt.Errorf("release %s: %w", name, err)
		}
	}
	rel, err := v1Release(u.Upgrade.RunWithContext(ctx, name, ch, vals))
	if err != nil {
		return rel, fmt.Errorf("UPGRADE FAILED: %w", err)
	}
	return rel, nil
}

// RunPath is Run with a chart loaded from a directory or a .tgz.
func (u *Upgrade) RunPath(ctx context.Context, name, chartPath string) (*release.Release, error) {
	ch, err := LoadChart(chartPath)
	if err != nil {
		return nil, err
	}
	return u.Run(ctx, name, ch)
}

// installAction copies the upgrade's flags to an install, as the helm 4
// CLI does for `upgrade --install`.
func (u *Upgrade) installAction(name string) *action.Install {
	c := u.Upgrade
	i := action.NewInstall(u.cfg)
	i.ReleaseName = name
	i.CreateNamespace = u.CreateNamespace
	i.ChartPathOptions = c.ChartPathOptions
	i.ForceReplace = c.ForceReplace
	i.DryRunStrategy = c.DryRunStrategy
	i.DisableHooks = c.DisableHooks
	i.SkipCRDs = c.SkipCRDs
	i.Timeout = c.Timeout
	i.WaitStrategy = c.WaitStrategy
	i.WaitOptions = c.WaitOptions
	i.WaitForJobs = c.WaitForJobs
	i.Devel = c.Devel
	i.Namespace = c.Namespace
	i.RollbackOnFailure = c.RollbackOnFailure
	i.PostRenderer = c.PostRenderer
	i.PostRenderStrategy = c.PostRenderStrategy
	i.DisableOpenAPIValidation = c.DisableOpenAPIValidation
	i.SubNotes = c.SubNotes
	i.HideNotes = c.HideNotes
	i.SkipSchemaValidation = c.SkipSchemaValidation
	i.Description = c.Description
	i.DependencyUpdate = c.DependencyUpdate
	i.Labels = c.Labels
	i.EnableDNS = c.EnableDNS
	i.HideSecret = c.HideSecret
	i.TakeOwnership = c.TakeOwnership
	i.ForceConflicts = c.ForceConflicts
	i.ServerSideApply = c.ServerSideApply != "false"
	return i
}
