package bounds

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// MaxConfigSize caps a .sops.yaml: real ones are a few KB; sops reads the
// whole file and parses it (58 MB took 1.1 GB of memory).
const MaxConfigSize = 1 << 20

// MaxIndent is the widest indentation a .sops.yaml stores section may set
// (sops accepts any: `stores: {json: {indent: 100000000}}` with a 1 KB file
// exhausts memory).
const MaxIndent = 16

// MaxPathRegex is the longest path_regex a .sops.yaml creation rule may
// have: real ones are a few dozen characters; matching takes time and
// memory in the product of the expression's and the path's lengths (a
// 900 KB expression took 0.4 s and 440 MB for every file checked).
const MaxPathRegex = 4096

// ReadConfig reads a .sops.yaml, refusing anything but a regular file of
// at most MaxConfigSize bytes, and one with a creation rule whose
// path_regex is longer than MaxPathRegex. (A file that does not parse is
// returned as it is: its readers report that as they always did.)
func ReadConfig(path string) ([]byte, error) {
	b, err := ReadFile(path, MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkPathRegexes(path, b); err != nil {
		return nil, err
	}
	return b, nil
}

// checkPathRegexes refuses a creation rule's path_regex over MaxPathRegex
// bytes.
func checkPathRegexes(path string, b []byte) error {
	if CheckYAMLDepth(b) != nil {
		return nil // not parsed here: the readers refuse it
	}
	var c struct {
		CreationRules []struct {
			PathRegex any `yaml:"path_regex"`
		} `yaml:"creation_rules"`
	}
	if yaml.Unmarshal(b, &c) != nil {
		return nil
	}
	for i, r := range c.CreationRules {
		if s, ok := r.PathRegex.(string); ok && len(s) > MaxPathRegex {
			return fmt.Errorf("%s: creation rule %d: path_regex is %d bytes, over the limit of %d", path, i+1, len(s), MaxPathRegex)
		}
	}
	return nil
}

// CheckIndent refuses a stores indentation outside [min, MaxIndent] (min
// is -1 for JSON, whose -1 means tabs, and 0 for YAML, whose 0 means the
// default).
func CheckIndent(path, setting string, n, min int) error {
	if n < min || n > MaxIndent {
		return fmt.Errorf("%s: %s is %d, outside %d..%d", path, setting, n, min, MaxIndent)
	}
	return nil
}
