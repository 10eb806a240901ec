package encrypt

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/getsops/sops/v3"
	sopsage "github.com/getsops/sops/v3/age"
)

// ErrAgePluginNotAllowed means a file's metadata names an age plugin
// recipient (age1NAME1…) that is not allowed. Wrapping a data key for it
// runs the program age-plugin-NAME from PATH; the name comes from the
// (untrusted) file, whose recipient labels the MAC does not cover.
var ErrAgePluginNotAllowed = errors.New("age plugin not allowed")

// agePluginName returns the plugin an age recipient names, or "" for a
// native one (X25519 "age1…", hybrid "age1pq1…", SSH keys).
func agePluginName(recipient string) string {
	r := strings.ToLower(recipient)
	i := strings.LastIndex(r, "1")
	if i < 0 || !strings.HasPrefix(r, "age1") {
		return ""
	}
	name := strings.TrimPrefix(r[:i], "age1")
	if r[:i] == "age" || name == "pq" {
		return ""
	}
	return name
}

// checkAgePlugins refuses key groups whose age keys name a plugin that is
// not allowed, before any key is wrapped: rotate takes its recipients from
// the file's metadata, encrypt (without explicit Recipients) and
// updatekeys from the .sops.yaml creation rule (a repository file) or the
// SOPS_* recipient variables.
func (e *Engine) checkAgePlugins(groups []sops.KeyGroup) error {
	allowed := e.opts.Keys.AgePlugins
	for _, g := range groups {
		for _, k := range g {
			ak, ok := k.(*sopsage.MasterKey)
			if !ok {
				continue
			}
			if name := agePluginName(ak.Recipient); name != "" && !slices.Contains(allowed, name) {
				return fmt.Errorf("%w: an age key names the plugin %q, and wrapping a data key for it runs age-plugin-%s from PATH; allow it with Keys.AgePlugins (helm secrets: HELM_SECRETS_AGE_PLUGIN_ALLOWLIST=%s) only if you trust it: the name comes from the file or its .sops.yaml", ErrAgePluginNotAllowed, name, name, name)
			}
		}
	}
	return nil
}
