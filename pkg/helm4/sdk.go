package helm4

import (
	"fmt"
	"log/slog"
	"os"

	"helm.sh/helm/v4/pkg/action"
	ci "helm.sh/helm/v4/pkg/chart"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli"
	ri "helm.sh/helm/v4/pkg/release"
	release "helm.sh/helm/v4/pkg/release/v1"
)

// NewConfiguration returns the action.Configuration the helm CLI would
// use with `-n namespace` ("" means settings.Namespace(): HELM_NAMESPACE,
// else the kubeconfig context's): the kubeconfig and context from settings
// (KUBECONFIG, HELM_KUBECONTEXT, ...), the storage driver from
// HELM_DRIVER. Nil settings means cli.New(); a namespace is set on
// settings, as -n does. log receives helm's log records (Helm 4 logs
// through log/slog); nil discards them.
func NewConfiguration(settings *cli.EnvSettings, namespace string, log slog.Handler) (*action.Configuration, error) {
	if settings == nil {
		settings = cli.New()
	}
	if namespace == "" {
		namespace = settings.Namespace()
	} else {
		settings.SetNamespace(namespace) // where the kube client puts resources
	}
	if log == nil {
		log = slog.DiscardHandler
	}
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(log))
	if err := cfg.Init(settings.RESTClientGetter(), namespace, os.Getenv("HELM_DRIVER")); err != nil {
		return nil, fmt.Errorf("helm configuration: %w", err)
	}
	return cfg, nil
}

// LoadChart loads a chart (apiVersion v1 or v2) from a local directory or
// a packaged .tgz. To use a chart from a repository or an OCI registry,
// locate it first with action.ChartPathOptions.LocateChart, as the helm
// CLI does. Install, Upgrade and Template check what `helm install`
// checks before using a chart: that it is an application chart and that
// its dependencies are present in charts/.
func LoadChart(path string) (*chart.Chart, error) {
	ch, err := loader.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", path, err)
	}
	return ch, nil
}

// checkChart is the CLI's check before installing or upgrading.
func checkChart(ch *chart.Chart) error {
	if ch == nil || ch.Metadata == nil {
		return fmt.Errorf("no chart given")
	}
	switch ch.Metadata.Type {
	case "", "application":
	default:
		return fmt.Errorf("%s charts are not installable", ch.Metadata.Type)
	}
	if req := ch.Metadata.Dependencies; len(req) > 0 {
		deps := make([]ci.Dependency, len(req))
		for i, d := range req {
			deps[i] = d
		}
		if err := action.CheckDependencies(ch, deps); err != nil {
			return fmt.Errorf("an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: %w", err)
		}
	}
	return nil
}

// v1Release is the *release.Release behind what Helm 4's actions return
// (an interface, so that release formats can change).
func v1Release(r ri.Releaser, err error) (*release.Release, error) {
	switch rel := r.(type) {
	case nil:
		return nil, err
	case *release.Release:
		return rel, err
	case release.Release:
		return &rel, err
	default:
		if err == nil {
			err = fmt.Errorf("unsupported release type %T", r)
		}
		return nil, err
	}
}
