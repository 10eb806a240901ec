package version

import (
	_ "embed"
	"strings"
)

//go:embed VERSION
var file string

// String returns the helm-secrets version, e.g. "5.0.0" (semver, no "v").
func String() string { return strings.TrimSpace(file) }
