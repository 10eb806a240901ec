package getter

import (
	"fmt"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
)

// The downloader (getter) protocols that plain helm and Argo CD use
// (docs/cli.md and docs/compatibility.md, protocols):
//
//	secrets://[?][NAME!]PATH_OR_URL
//	secrets+age-import://[?][NAME!]KEYFILE?PATH_OR_URL
//	secrets+age-import-kubernetes://[?][NAME!][NS/]SECRET#KEY?PATH_OR_URL
//	secrets+gpg-import://[?][NAME!]KEYFILE?PATH_OR_URL
//	secrets+gpg-import-kubernetes://[?][NAME!][NS/]SECRET#KEY?PATH_OR_URL
//	secrets+literal://[NAME!]LITERAL
const (
	SchemeSecrets             = "secrets"
	SchemeAgeImport           = "secrets+age-import"
	SchemeAgeImportKubernetes = "secrets+age-import-kubernetes"
	SchemeGPGImport           = "secrets+gpg-import"
	SchemeGPGImportKubernetes = "secrets+gpg-import-kubernetes"
	SchemeLiteral             = "secrets+literal"
	defaultKubeNamespace      = "default"
)

// Schemes are the protocols the getter plugin registers.
var Schemes = []string{
	SchemeSecrets, SchemeAgeImport, SchemeAgeImportKubernetes,
	SchemeGPGImport, SchemeGPGImportKubernetes, SchemeLiteral,
}

// URL is a parsed getter URL.
type URL struct {
	// Scheme is one of Schemes.
	Scheme string
	// IgnoreMissing: the URL started with "?" after the scheme.
	IgnoreMissing bool
	// Backend is the NAME of a NAME! prefix ("" when there is none).
	Backend string
	// Key is the key file (secrets+*-import://) or [NS/]SECRET#KEY
	// (secrets+*-import-kubernetes://); empty otherwise.
	Key string
	// Source is the file path or http(s) URL to decrypt, or the literal
	// (secrets+literal://).
	Source string
}

// IsKubernetes reports whether u reads its key from a Kubernetes Secret.
func (u URL) IsKubernetes() bool {
	return u.Scheme == SchemeAgeImportKubernetes || u.Scheme == SchemeGPGImportKubernetes
}

// LocalPath returns the local file a getter URL reads (its source, for
// secrets://, the import schemes and a NAME! backend prefix), or "" for a
// URL that is not one of Schemes, a literal, an http(s) source, or a URL
// that does not parse. It is for naming the file (the audit trail's git
// commit); Fetch still applies every check.
func LocalPath(rawURL string) string {
	scheme, rest, ok := splitScheme(rawURL)
	if !ok || scheme == SchemeLiteral {
		return ""
	}
	u, err := parseRest(scheme, rest)
	if err != nil || u.Source == "" || urls.HasScheme(u.Source) {
		return ""
	}
	return u.Source
}

// hasKey reports whether scheme carries a key location.
func hasKey(scheme string) bool {
	switch scheme {
	case SchemeAgeImport, SchemeAgeImportKubernetes, SchemeGPGImport, SchemeGPGImportKubernetes:
		return true
	}
	return false
}

// splitScheme cuts "SCHEME://" off raw, as text: Go's url.Parse
// would read a relative path's first element as a host.
func splitScheme(raw string) (scheme, rest string, ok bool) {
	for _, s := range Schemes {
		if r, found := strings.CutPrefix(raw, s+"://"); found {
			return s, r, true
		}
	}
	return "", "", false
}

// ParseURL parses raw with the shell plugin's grammar: after the
// scheme, an optional "?" (ignore missing), an optional NAME! (any "!"
// separates a backend name), and for key protocols the key location up to
// the first "?" followed by the source. It does not check that the backend
// exists or that the protocol is allowed.
func ParseURL(raw string) (URL, error) {
	scheme, rest, ok := splitScheme(raw)
	if !ok {
		return URL{}, fmt.Errorf("Unknown protocol '%s'!", raw)
	}
	return parseRest(scheme, rest)
}

func parseRest(scheme, rest string) (URL, error) {
	u := URL{Scheme: scheme}
	if scheme != SchemeLiteral {
		if r, found := strings.CutPrefix(rest, "?"); found {
			u.IgnoreMissing, rest = true, r
		}
	}
	if name, r, found := strings.Cut(rest, "!"); found {
		u.Backend, rest = name, r
	}
	if !hasKey(scheme) {
		u.Source = rest
		return u, nil
	}
	key, src, found := strings.Cut(rest, "?")
	if !found || key == src {
		return URL{}, fmt.Errorf("Invalid syntax: %s://[path to key]?[path secrets.yaml]", scheme)
	}
	u.Key, u.Source = key, src
	return u, nil
}

// KubeSecretRef is the [NS/]SECRET#KEY location of a key in a Secret.
type KubeSecretRef struct {
	Namespace string // "" when the location has no NS/
	Name      string
	Key       string
}

// ParseKubeSecretRef splits [NS/]SECRET#KEY as the shell plugin does: the
// secret location is the text before the last "#", the key the text after
// the first "#"; a location with "/" has the namespace before its last "/"
// and the name after its first "/".
func ParseKubeSecretRef(loc string) KubeSecretRef {
	secret, key := loc, loc
	if i := strings.LastIndex(loc, "#"); i >= 0 {
		secret = loc[:i]
	}
	if i := strings.Index(loc, "#"); i >= 0 {
		key = loc[i+1:]
	}
	r := KubeSecretRef{Name: secret, Key: key}
	if strings.Contains(secret, "/") {
		r.Namespace = secret[:strings.LastIndex(secret, "/")]
		r.Name = secret[strings.Index(secret, "/")+1:]
	}
	return r
}

// display is the secret as the shell plugin names it in errors.
func (r KubeSecretRef) display() string {
	if r.Namespace != "" {
		return r.Namespace + "/" + r.Name
	}
	return r.Name
}
