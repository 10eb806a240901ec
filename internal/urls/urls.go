package urls

import (
	"net/url"
	"path"
	"regexp"
	"strings"
)

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// HasScheme reports whether s starts with a URL scheme and "://"
// (https://, secrets://, oci://, git+https://, ...) rather than being a
// local path.
func HasScheme(s string) bool { return schemeRE.MatchString(s) }

// Scheme returns the scheme of s, lower-cased, or "" when s has none.
func Scheme(s string) string {
	if !HasScheme(s) {
		return ""
	}
	scheme, _, _ := strings.Cut(s, "://")
	return strings.ToLower(scheme)
}

// IsHTTP reports whether s is an http:// or https:// URL (the scheme is
// case-insensitive, as in RFC 3986).
func IsHTTP(s string) bool {
	switch Scheme(s) {
	case "http", "https":
		return true
	}
	return false
}

// Redact returns s for messages: a URL loses the password of its userinfo
// (user:xxxxx@host), or its user name when that is all there is (often a
// token: xxxxx@host); anything else is returned unchanged.
func Redact(s string) string {
	if !HasScheme(s) {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		// An unparsable URL may still hold credentials: mask everything
		// before the last '@' of its authority.
		scheme, rest, _ := strings.Cut(s, "://")
		auth, tail, hasPath := strings.Cut(rest, "/")
		i := strings.LastIndex(auth, "@")
		if i < 0 {
			return s
		}
		out := scheme + "://xxxxx" + auth[i:]
		if hasPath {
			out += "/" + tail
		}
		return out
	}
	if u.User == nil {
		return s
	}
	if _, hasPassword := u.User.Password(); !hasPassword {
		// A user name alone is often a token (https://TOKEN@host/...).
		u.User = url.User("xxxxx")
		return u.String()
	}
	return u.Redacted()
}

// Base is the last element of a URL's path ("secrets.yaml" for
// https://host/a/secrets.yaml?x=1), for format detection by extension.
func Base(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Path == "" {
		return ""
	}
	return path.Base(u.Path)
}
