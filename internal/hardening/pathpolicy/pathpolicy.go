// Package pathpolicy is the local-path hardening of the values a run may
// read (HELM_SECRETS_VALUES_ALLOW_*) and of the key files it may import
// (HELM_SECRETS_KEY_LOCATION_PREFIX), shared by pkg/helm and the lean
// getter binary, which must not link pkg/helm.
//
// The string checks (absolute, traversal) treat both '/' and '\' as
// separators and know Windows volume forms (`C:`, `C:\`, `\\server\share`,
// `\\?\`, `\\.\`) on every OS, so a path is refused the same way on Linux
// and Windows. The symlink check resolves the path one component at a
// time, as the kernel does, and refuses the first symlink it meets, so
// `linkdir/file` and `rootlink/etc/passwd` are refused like `link` is.
package pathpolicy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
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
	return From(settings.Load())
}

// From is the policy the settings give.
func From(s settings.Settings) Policy {
	return Policy{DenySymlinks: s.ValuesDenySymlinks, DenyAbsolute: s.ValuesDenyAbsolute, DenyTraversal: s.ValuesDenyTraversal}
}

// Check returns the refusal for path, or nil. The message depends only on
// the path string and on the symlinks along it up to the first one, never
// on what lies behind a symlink or whether the file exists, so a refusal
// reveals nothing about files outside the allowed tree.
func (p Policy) Check(path string) error {
	if p.DenyAbsolute && IsAbsolute(path) {
		return fmt.Errorf("Values filepath '%s' is an absolute path. Absolute paths are not allowed.", path)
	}
	if p.DenyTraversal && HasTraversal(path) {
		return fmt.Errorf("Values filepath '%s' contains '..'. Path traversal is not allowed.", path)
	}
	if p.DenySymlinks {
		if link := FirstSymlink(path); link != "" {
			if link == path {
				return fmt.Errorf("Values file '%s' is a symlink. Symlinks are not allowed.", path)
			}
			return fmt.Errorf("Values file '%s' goes through the symlink '%s'. Symlinks are not allowed.", path, link)
		}
	}
	return nil
}

// IsAbsolute reports whether path is absolute or names a volume, in Unix
// or Windows form, on any OS: "/x", "\x", "C:", "C:\x", "C:x", `\\host\s`,
// `\\?\C:\x`, `//?/C:/x`. Like the shell plugin it treats any ':' as a
// volume (a colon in a relative file name is refused too).
func IsAbsolute(path string) bool {
	return strings.HasPrefix(path, "/") || strings.HasPrefix(path, `\`) || strings.Contains(path, ":")
}

// HasTraversal reports whether path has a ".." component with either
// separator, or any of the shell plugin's substrings ("../", "/..", "..\"),
// so `a\..`, `a/..`, `..` and `\\?\C:\x\..` are all refused.
func HasTraversal(path string) bool {
	if strings.Contains(path, "../") || strings.Contains(path, "/..") || strings.Contains(path, `..\`) || strings.Contains(path, `\..`) {
		return true
	}
	for _, c := range Components(path) {
		if c == ".." {
			return true
		}
	}
	return false
}

// Components splits path at '/' and '\' and drops empty and "." parts. It
// is the OS-independent view the string checks use.
func Components(path string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '\\' }) {
		if c != "." {
			out = append(out, c)
		}
	}
	return out
}

// FirstSymlink returns the first prefix of path, resolved component by
// component from the start of path as the OS would (a ".." component is
// applied after the one before it, so `link/..` still counts), that is a
// symlink; "" when there is none. A component that does not exist ends the
// walk: nothing behind it can be a symlink.
func FirstSymlink(path string) string {
	vol := filepath.VolumeName(path)
	rest := path[len(vol):]
	prefix := vol
	if rest != "" && os.IsPathSeparator(rest[0]) {
		prefix += string(filepath.Separator)
	}
	var parts []string
	for _, c := range strings.FieldsFunc(rest, func(r rune) bool { return os.IsPathSeparator(uint8(r)) }) {
		if c != "." {
			parts = append(parts, c)
		}
	}
	for i, c := range parts {
		if prefix == "" || os.IsPathSeparator(prefix[len(prefix)-1]) {
			prefix += c
		} else {
			prefix += string(filepath.Separator) + c
		}
		if c == ".." {
			continue // the parent of a checked directory: checked already
		}
		st, err := os.Lstat(prefix)
		if err != nil {
			return ""
		}
		if st.Mode()&os.ModeSymlink != 0 {
			if i == len(parts)-1 {
				return path
			}
			return prefix
		}
	}
	return ""
}

// WithinPrefix reports whether path lies in the directory prefix
// (HELM_SECRETS_KEY_LOCATION_PREFIX) once both are made absolute, cleaned
// and resolved through symlinks: `/allowed/../keys/k` and a symlink under
// /allowed that points elsewhere are outside it. The part of a path that
// does not exist is appended to its resolved existing ancestor, so the
// answer does not depend on whether the file exists. An empty prefix
// allows everything. A prefix ending in a separator or not, "/etc/keys"
// and "/etc/keys/", mean the same directory; "/etc/keysX" is outside it.
func WithinPrefix(prefix, path string) bool {
	if prefix == "" {
		return true
	}
	p, err1 := resolve(prefix)
	f, err2 := resolve(path)
	if err1 != nil || err2 != nil {
		return false
	}
	return Under(p, f)
}

// LeavesTree reports whether path lies in the directory root as written
// (both made absolute and cleaned, no symlink followed) but not once both
// are resolved through their symlinks: a symlink inside the tree that
// points out of it. A path written outside root is not "leaving" it (the
// user named it). Commands that rewrite a file for the recipients of the
// tree's .sops.yaml (updatekeys, rotate -i) refuse such a path.
func LeavesTree(root, path string) bool {
	r, err1 := filepath.Abs(root)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil || !Under(r, p) {
		return false
	}
	return !WithinPrefix(root, path)
}

// Under reports whether the cleaned path f equals dir or lies below it,
// component-wise (never a string prefix).
func Under(dir, f string) bool {
	rel, err := filepath.Rel(dir, f)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel))
}

// resolve makes path absolute and resolves it one component at a time as
// the OS would: an existing component's symlinks are followed before a
// later ".." applies (so `/allowed/link/..` is the link target's parent),
// and the part that does not exist is applied lexically.
func resolve(path string) (string, error) {
	if !filepath.IsAbs(path) {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		path = wd + string(filepath.Separator) + path
	}
	vol := filepath.VolumeName(path)
	cur := vol + string(filepath.Separator)
	exists := true
	for _, c := range strings.FieldsFunc(path[len(vol):], func(r rune) bool { return os.IsPathSeparator(uint8(r)) }) {
		switch {
		case c == ".":
			continue
		case c == "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, c)
		if exists {
			if r, err := filepath.EvalSymlinks(next); err == nil {
				cur = r
				continue
			}
			exists = false
		}
		cur = next
	}
	return filepath.Clean(cur), nil
}
