package check

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
)

// creationRules are the path_regex entries of one .sops.yaml, in order;
// an empty regex is a rule without path_regex (it matches every file).
type creationRules struct {
	dir   string // the absolute directory of the .sops.yaml
	rules []*regexp.Regexp
	err   error // the file could not be read or parsed
}

// rulesFile is the part of a .sops.yaml the checker reads.
type rulesFile struct {
	CreationRules []struct {
		PathRegex string `yaml:"path_regex"`
	} `yaml:"creation_rules"`
}

// ruleCache finds and parses .sops.yaml files once per run: the engine's
// lookup (sopslite.ConfigFileFor, from the file's directory upwards) per
// directory, each config file parsed once.
type ruleCache struct {
	mu      sync.Mutex
	byDir   map[string]string // directory -> .sops.yaml path ("" none)
	byConf  map[string]*creationRules
	configs int
}

func newRuleCache() *ruleCache {
	return &ruleCache{byDir: map[string]string{}, byConf: map[string]*creationRules{}}
}

// forFile returns the creation rules that apply to the file at abs (an
// absolute path), or nil when no .sops.yaml applies.
func (c *ruleCache) forFile(abs string) *creationRules {
	dir := filepath.Dir(abs)
	c.mu.Lock()
	conf, ok := c.byDir[dir]
	c.mu.Unlock()
	if !ok {
		conf = sopslite.ConfigFileFor(abs)
		if conf != "" {
			if a, err := filepath.Abs(conf); err == nil {
				conf = a
			}
		}
		c.mu.Lock()
		c.byDir[dir] = conf
		c.mu.Unlock()
	}
	if conf == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.byConf[conf]; ok {
		return r
	}
	r := loadRules(conf)
	c.byConf[conf] = r
	c.configs++
	return r
}

// loadRules parses the creation rules of the .sops.yaml at conf (at most
// bounds.MaxConfigSize bytes, a regular file).
func loadRules(conf string) *creationRules {
	r := &creationRules{dir: filepath.Dir(conf)}
	data, err := bounds.ReadConfig(conf)
	if err != nil {
		r.err = err
		return r
	}
	if err := bounds.CheckYAMLDepth(data); err != nil {
		r.err = fmt.Errorf("%s: %w", conf, err)
		return r
	}
	var f rulesFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		r.err = fmt.Errorf("%s: not a valid .sops.yaml: %v", conf, err)
		return r
	}
	for i, cr := range f.CreationRules {
		if cr.PathRegex == "" {
			r.rules = append(r.rules, nil)
			continue
		}
		re, err := regexp.Compile(cr.PathRegex)
		if err != nil {
			r.err = fmt.Errorf("%s: creation rule %d: path_regex does not compile: %v", conf, i+1, err)
			return r
		}
		r.rules = append(r.rules, re)
	}
	return r
}

// requiresEncryption reports whether the first creation rule that matches
// the file at abs (as sops picks it: path relative to the .sops.yaml's
// directory) has a path_regex. A rule without one is a catch-all for
// encrypting anything; it does not say that every file must be encrypted.
func (r *creationRules) requiresEncryption(abs string) bool {
	rel, err := filepath.Rel(r.dir, abs)
	if err != nil {
		rel = abs
	}
	// sops strips "<config dir>/" from the absolute path: a file outside
	// that directory keeps its absolute path.
	if len(rel) >= 2 && rel[:2] == ".." {
		rel = abs
	}
	for _, re := range r.rules {
		if re == nil {
			return false
		}
		if re.MatchString(rel) {
			return true
		}
	}
	return false
}
