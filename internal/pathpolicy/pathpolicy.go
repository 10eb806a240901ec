// Package pathpolicy is the local-path hardening of the values a run may
// read (HELM_SECRETS_VALUES_ALLOW_*), shared by pkg/helm and the lean
// getter binary, which must not link pkg/helm.
package pathpolicy

import (
	"fmt"
	"os"
	"strings"
)

// Policy restricts the local values paths a run may read: the hardening
// settings for shared servers such as an Argo CD repo server. The zero
// value allows everything.
type Policy struct {
	DenySymlinks  bool // HELM_SECRETS_VALUES_ALLOW_SYMLINKS=false
	DenyAbsolute  bool // HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH=false
	DenyTraversal bool // HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL=false
}

// FromEnv reads the HELM_SECRETS_VALUES_ALLOW_* variables; only the exact
// value "false" restricts, as with the shell plugin.
func FromEnv() Policy {
	return Policy{
		DenySymlinks:  os.Getenv("HELM_SECRETS_VALUES_ALLOW_SYMLINKS") == "false",
		DenyAbsolute:  os.Getenv("HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH") == "false",
		DenyTraversal: os.Getenv("HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL") == "false",
	}
}

// Check returns the refusal for path, or nil.
func (p Policy) Check(path string) error {
	if p.DenyAbsolute && (strings.HasPrefix(path, "/") || strings.HasPrefix(path, `\`) || strings.Contains(path, ":")) {
		return fmt.Errorf("Values filepath '%s' is an absolute path. Absolute paths are not allowed.", path)
	}
	if p.DenyTraversal && (strings.Contains(path, "../") || strings.Contains(path, "/..") || strings.Contains(path, `..\`) || path == "..") {
		return fmt.Errorf("Values filepath '%s' contains '..'. Path traversal is not allowed.", path)
	}
	if p.DenySymlinks {
		if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("Values file '%s' is a symlink. Symlinks are not allowed.", path)
		}
	}
	return nil
}
