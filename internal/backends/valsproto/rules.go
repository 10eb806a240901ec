package valsproto

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFile caps the size of a file ref+file:// may read under the default
// policy.
const MaxFile = 8 << 20

// FileRule is where ref+file:// may read under the default policy: a
// regular file inside Root (the working directory, where vals resolves a
// relative path), after resolving symlinks; no ".." and no hidden path
// element (.git, .env, .ssh, ...); never a key file or folder (Deny); not
// at all when Root is the file system root or the home directory.
type FileRule struct {
	// Root is the working directory.
	Root string
	// Home is the user's home directory ("" if unknown).
	Home string
	// Deny are the key files and folders (KeyPaths).
	Deny []string
}

// KeyPaths are the files and folders holding keys that ref+file:// never
// reads under the default policy: the age key files sops reads
// (SOPS_AGE_KEY_FILE, SOPS_AGE_SSH_PRIVATE_KEY_FILE, sops/age/keys.txt in
// the user configuration folder), GNUPGHOME (or ~/.gnupg) and ~/.ssh.
func KeyPaths(getenv func(string) string, home string) []string {
	var out []string
	add := func(p string) {
		if p != "" {
			out = append(out, p)
		}
	}
	add(getenv("SOPS_AGE_KEY_FILE"))
	add(getenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE"))
	add(getenv("GNUPGHOME"))
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		add(filepath.Join(x, "sops", "age"))
	}
	if cfg, err := os.UserConfigDir(); err == nil {
		add(filepath.Join(cfg, "sops", "age"))
	}
	if home != "" {
		add(filepath.Join(home, ".config", "sops", "age"))
		add(filepath.Join(home, ".gnupg"))
		add(filepath.Join(home, ".ssh"))
	}
	return out
}

// allowFile says how to lift the file rule.
const allowFile = `; to allow any file, list "file" in ` + EnvProviders + ` (e.g. ` + EnvProviders + `=default,file)`

// realPath resolves p's symlinks; a path that does not exist is only
// cleaned (a key file that is not there cannot be read either).
func realPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// within reports whether p is dir or inside it (both resolved).
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil || filepath.IsAbs(rel) {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Check reports whether ref+file:// may read name (the path vals would
// open: relative to the working directory, or absolute). Its error names
// the rule and how to allow any file.
func (r FileRule) Check(name string) error {
	if name == "" {
		return errors.New("ref+file:// without a path")
	}
	for _, el := range strings.FieldsFunc(name, func(c rune) bool { return c == '/' || c == filepath.Separator }) {
		if el == ".." {
			return fmt.Errorf("ref+file:// may not use \"..\" by default (%q)%s", name, allowFile)
		}
	}
	if r.Root == "" {
		return errors.New("ref+file://: the working directory is unknown" + allowFile)
	}
	root := realPath(r.Root)
	if filepath.Dir(root) == root || (r.Home != "" && root == realPath(r.Home)) {
		return fmt.Errorf("ref+file:// reads only files inside the working directory by default, and the working directory is the file system root or your home directory; run from the chart's or the values' folder%s", allowFile)
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.Root, p)
	}
	absRoot, _ := filepath.Abs(r.Root)
	if lexical := filepath.Clean(p); !within(lexical, root) && !within(lexical, absRoot) {
		return fmt.Errorf("ref+file:// reads only files inside the working directory by default: %q is outside it%s", name, allowFile)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("ref+file://: %q does not exist", name)
		}
		return fmt.Errorf("ref+file://: %q cannot be resolved", name)
	}
	if !within(real, root) {
		return fmt.Errorf("ref+file:// reads only files inside the working directory by default (after resolving symlinks): %q is outside it%s", name, allowFile)
	}
	if rel, err := filepath.Rel(root, real); err == nil {
		for _, el := range strings.Split(rel, string(filepath.Separator)) {
			if strings.HasPrefix(el, ".") && el != "." {
				return fmt.Errorf("ref+file:// does not read hidden files or folders by default (%q)%s", name, allowFile)
			}
		}
	}
	for _, d := range r.Deny {
		if within(real, realPath(d)) {
			return fmt.Errorf("ref+file:// never reads a key file or folder (sops age keys, GnuPG home, ~/.ssh) by default (%q)%s", name, allowFile)
		}
	}
	fi, err := os.Stat(real)
	switch {
	case err != nil:
		return fmt.Errorf("ref+file://: %q cannot be read", name)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("ref+file://: %q is not a regular file", name)
	case fi.Size() > MaxFile:
		return fmt.Errorf("ref+file://: %q is larger than %d bytes", name, MaxFile)
	}
	return nil
}

// DefaultEnvsubstAllow are the variables ref+envsubst:// may read under
// the default policy: names that describe the deployment, never a
// credential (Helm's namespace and context, Argo CD's application
// variables without the repository URL, which may hold a password).
var DefaultEnvsubstAllow = []string{
	"HELM_NAMESPACE", "HELM_KUBECONTEXT",
	"ARGOCD_APP_NAME", "ARGOCD_APP_NAMESPACE", "ARGOCD_APP_PROJECT_NAME",
	"ARGOCD_APP_REVISION", "ARGOCD_APP_REVISION_SHORT",
	"ARGOCD_APP_SOURCE_PATH", "ARGOCD_APP_SOURCE_TARGET_REVISION",
	"KUBE_VERSION", "KUBE_API_VERSIONS",
}

// EnvsubstRule is which variables ref+envsubst:// may read under the
// default policy.
type EnvsubstRule struct {
	// Allow are the variable names (exact, case-sensitive).
	Allow []string
}

// NewEnvsubstRule is DefaultEnvsubstAllow plus extra, the names in
// HELM_SECRETS_VALS_ENVSUBST_ALLOW (settings.Settings.ValsEnvsubstAllow).
func NewEnvsubstRule(extra []string) EnvsubstRule {
	return EnvsubstRule{Allow: append(slices.Clone(DefaultEnvsubstAllow), extra...)}
}

// EnvsubstVars lists the names text may substitute, over-approximating
// envsubst's syntax: every name after "$" or "${", and every name inside a
// "${...}" (a default may name variables too).
func EnvsubstVars(text string) []string {
	var names []string
	add := func(n string) {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	isName := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	depth := 0
	afterDollar := false
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isName(r) && (afterDollar || depth > 0):
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !isName(r2) {
					break
				}
				j += s2
			}
			add(text[i:j])
			afterDollar = false
			i = j
			continue
		case r == '$':
			afterDollar = true
			if strings.HasPrefix(text[i+1:], "{") {
				depth++
				i += 2
				continue
			}
		case r == '}' && depth > 0:
			depth--
			afterDollar = false
		default:
			afterDollar = false
		}
		i += size
	}
	return names
}

// Check reports whether text (an envsubst reference's path) names only
// allowed variables. Its error names the first refused one and how to
// allow it.
func (r EnvsubstRule) Check(text string) error {
	for _, n := range EnvsubstVars(text) {
		if !slices.Contains(r.Allow, n) {
			return fmt.Errorf("ref+envsubst:// may read only the variables %s allows by default (%s, ...), not %s; to allow it, add it to %s (never a credential), or list \"envsubst\" in %s", EnvEnvsubstAllow, DefaultEnvsubstAllow[0], n, EnvEnvsubstAllow, EnvProviders)
		}
	}
	return nil
}

// Environ is the environment envsubst evaluates with: only the allowed
// variables that are set, as NAME=value.
func (r EnvsubstRule) Environ(lookup func(string) (string, bool)) []string {
	var env []string
	for _, n := range r.Allow {
		if v, ok := lookup(n); ok {
			env = append(env, n+"="+v)
		}
	}
	return env
}

// Warning is what a run prints once (unless quiet or in Argo CD) when the
// policy allows everything.
func (p Policy) Warning() string {
	if !p.All {
		return ""
	}
	return EnvProviders + "=all: vals references may read any file, run any command and send your credentials anywhere; use it only with values and charts you trust"
}
