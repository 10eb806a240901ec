package valsproto

import (
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
)

// Involved reports whether a helm-secrets command line (its arguments
// after "helm secrets") may need vals, so that a lean front binary can
// hand it to the full one: -b/--backend vals (or =vals),
// HELM_SECRETS_BACKEND=vals, --evaluate-templates (unless =false) or
// HELM_SECRETS_EVALUATE_TEMPLATES=true, or any argument naming the vals!
// prefix (-f vals!x.yaml, --set k=vals!ref+..., secrets://vals!...). It
// errs on the side of true.
func Involved(args []string, getenv func(string) string) bool {
	if getenv(settings.EnvBackend) == "vals" || getenv(settings.EnvEvaluateTemplates) == "true" {
		return true
	}
	for i, a := range args {
		switch {
		case strings.Contains(a, "vals!"):
			return true
		case a == "-b" || a == "--backend":
			if i+1 < len(args) && args[i+1] == "vals" {
				return true
			}
		case a == "--backend=vals" || a == "-bvals" || a == "-b=vals":
			return true
		case a == "--evaluate-templates" || a == "--evaluate-templates-decode-secrets":
			if i+1 >= len(args) || args[i+1] != "false" {
				return true
			}
		case strings.HasPrefix(a, "--evaluate-templates=") && a != "--evaluate-templates=false":
			return true
		}
	}
	return false
}
