package helm

import (
	"fmt"
	"os"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
)

// NewConfiguration returns the action.Configuration the helm CLI would
// use with `-n namespace` ("" means settings.Namespace(): HELM_NAMESPACE,
// else the kubeconfig context's): the kubeconfig and context from settings
// (KUBECONFIG, HELM_KUBECONTEXT, ...), the storage driver from
// HELM_DRIVER. Nil settings means cli.New(); a namespace is set on
// settings, as -n does. log receives helm's debug lines; nil discards
// them.
func NewConfiguration(settings *cli.EnvSettings, namespace string, log action.DebugLog) (*action.Configuration, error) {
	if settings == nil {
		settings = cli.New()
	}
	if namespace == "" {
		namespace = settings.Namespace()
	} else {
		settings.SetNamespace(namespace) // where the kube client puts resources
	}
	if log == nil {
		log = func(string, ...interface{}) {}
	}
	cfg := new(action.Configuration)
	if err := cfg.Init(settings.RESTClientGetter(), namespace, os.Getenv("HELM_DRIVER"), log); err != nil {
		return nil, fmt.Errorf("helm configuration: %w", err)
	}
	return cfg, nil
}

// LoadChart loads a chart from a local directory or a packaged .tgz. To
// use a chart from a repository or an OCI registry, locate it first with
// action.ChartPathOptions.LocateChart, as the helm CLI does. Install,
// Upgrade and Template check what `helm install` checks before using a
// chart: that it is an application chart and that its dependencies are
// present in charts/.
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
	if req := ch.Metadata.Dependencies; req != nil {
		if err := action.CheckDependencies(ch, req); err != nil {
			return fmt.Errorf("an error occurred while checking for chart dependencies; you may need to run `helm dependency build` to fetch missing dependencies: %w", err)
		}
	}
	return nil
}
