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

// LiteralScheme is the getter scheme whose "URL" is the secret itself
// (secrets+literal://VALUE): Redact never shows what follows it.
const LiteralScheme = "secrets+literal"

// LiteralMask replaces what follows secrets+literal:// (a placeholder,
// no hash: a hash of a short value is as good as the value).
const LiteralMask = "…"

// Redact returns s for messages, debug output and the audit log: the one
// redactor of URL credentials. Every URL in s, at its start or anywhere
// inside it (an argument like --repo=https://…, a URL nested in a getter
// URL such as secrets://https://… or secrets+gpg-import://KEY?https://…,
// a message quoting one), loses the password of its userinfo
// (user:xxxxx@host), or its user name when that is all there is (often a
// token: xxxxx@host). A secrets+literal:// URL loses everything after its
// scheme, to the end of s (secrets+literal://…): the literal is the
// secret. Text without "://" is returned unchanged.
//
// The authority of a URL ends at the first '/', '?', '#' or white space;
// its userinfo is everything before the last '@' in it, so a password
// holding an unescaped '@' or ':' is masked whole.
func Redact(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	done := 0 // s[:done] is written
	for {
		j := strings.Index(s[done:], "://")
		if j < 0 {
			break
		}
		j += done
		k := j // the scheme is s[k:j]
		for k > done && isSchemeByte(s[k-1]) {
			k--
		}
		auth := j + len("://")
		b.WriteString(s[done:auth])
		done = auth
		if strings.EqualFold(s[k:j], LiteralScheme) {
			if done < len(s) {
				b.WriteString(LiteralMask)
			}
			return b.String()
		}
		end := auth
		for end < len(s) && !strings.ContainsRune("/?#", rune(s[end])) && !isSpace(s[end]) {
			end++
		}
		at := strings.LastIndexByte(s[auth:end], '@')
		if at < 0 {
			continue
		}
		userinfo := s[auth : auth+at]
		if user, _, hasPassword := strings.Cut(userinfo, ":"); hasPassword {
			b.WriteString(user + ":xxxxx")
		} else {
			b.WriteString("xxxxx")
		}
		done = auth + at // the '@' and the host follow
	}
	b.WriteString(s[done:])
	return b.String()
}

func isSchemeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '.' || c == '-'
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
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
