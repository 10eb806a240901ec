// Package depspin keeps the module's pinned dependencies in go.mod until the
// packages that import them land. It is never imported.
package depspin

import (
	_ "cloud.google.com/go/kms/apiv1"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/spf13/cobra"
	_ "helm.sh/helm/v3/pkg/action"
	_ "helm.sh/helm/v3/pkg/strvals"
)
