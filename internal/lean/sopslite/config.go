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
	// sops walks ".", "..", "../..": the working directory's physical
	// parents, which are the lexical parents of the working directory
	// with its symlinks resolved (Getwd may return $PWD, which may not be).
	if wd, err := os.Getwd(); err == nil {
		if phys, err := filepath.EvalSymlinks(wd); err == nil {
			return lookupConfig(phys)
		}
	}
	return lookupConfig(".")
}

// lookupConfig looks for .sops.yaml in dir and its parents, at most 100
// levels; an absolute dir stops at the root, where sops' walk would only
// look at the root's .sops.yaml again.
func lookupConfig(dir string) string {
	for range 100 {
		p := filepath.Join(dir, ".sops.yaml")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Join(dir, "..")
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}
