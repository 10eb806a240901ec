package helmrun

import (
	"io"
	"os"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
)

// Cmd is one helm run.
type Cmd struct {
	// Helm is the helm binary; Args its arguments.
	Helm string
	Args []string
	// Stdin, Stdout and Stderr are helm's standard streams (nil: the null
	// device, as in os/exec).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Env is helm's environment; nil means the process's own.
	Env []string
}

// Binary is the helm the wrapper runs: HELM_SECRETS_HELM_PATH, else
// HELM_BIN (set by helm for its plugins), else helm from the PATH.
func Binary() string {
	if p := settings.Load().HelmPath; p != "" {
		return p
	}
	if p := os.Getenv("HELM_BIN"); p != "" {
		return p
	}
	return "helm"
}
