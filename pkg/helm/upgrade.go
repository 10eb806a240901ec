package helm

import (
	"context"
	"errors"
	"fmt"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Upgrade is `helm secrets upgrade`: Helm's upgrade action with its values
// decrypted in memory. The embedded action.Upgrade holds the CLI's flags
// (Namespace, Install, Wait, Timeout, Atomic, ReuseValues, ...); set
// Install for `upgrade --install`.
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

// NewUpgrade returns an Upgrade that works with cfg.
func NewUpgrade(cfg *action.Configuration) *Upgrade {
	return &Upgrade{Upgrade: action.NewUpgrade(cfg), cfg: cfg}
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
		uninstalled := len(versions) > 0 && versions[len(versions)-1].Info != nil &&
			versions[len(versions)-1].Info.Status == release.StatusUninstalled
		switch {
		case errors.Is(err, driver.ErrReleaseNotFound) || uninstalled:
			inst := u.installAction(name)
			inst.Replace = uninstalled
			return inst.RunWithContext(ctx, ch, vals)
		case err != nil:
			return nil, fmt.Errorf("release %s: %w", name, err)
		}
	}
	rel, err := u.Upgrade.RunWithContext(ctx, name, ch, vals)
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

// installAction copies the upgrade's flags to an install, as the helm
// CLI does for `upgrade --install`.
func (u *Upgrade) installAction(name string) *action.Install {
	c := u.Upgrade
	i := action.NewInstall(u.cfg)
	i.ReleaseName = name
	i.CreateNamespace = u.CreateNamespace
	i.ChartPathOptions = c.ChartPathOptions
	i.Force = c.Force
	i.DryRun = c.DryRun
	i.DryRunOption = c.DryRunOption
	i.DisableHooks = c.DisableHooks
	i.SkipCRDs = c.SkipCRDs
	i.Timeout = c.Timeout
	i.Wait = c.Wait
	i.WaitForJobs = c.WaitForJobs
	i.Devel = c.Devel
	i.Namespace = c.Namespace
	i.Atomic = c.Atomic
	i.PostRenderer = c.PostRenderer
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
	return i
}
