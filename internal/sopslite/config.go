package sopslite

import (
	"os"
	"path/filepath"
)

// ConfigFileFor returns the .sops.yaml that applies to path, or "": the
// first found from the file's directory upwards, else from the working
// directory upwards, each at most 100 levels (sops' config lookup depth).
// The engine and the lean getter both use it, so they pick the same file.
func ConfigFileFor(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		if conf := lookupConfig(filepath.Dir(abs)); conf != "" {
			return conf
		}
	}
	return lookupConfig(".")
}

func lookupConfig(dir string) string {
	for range 100 {
		p := filepath.Join(dir, ".sops.yaml")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		dir = filepath.Join(dir, "..")
	}
	return ""
}
