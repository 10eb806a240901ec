package urls

import (
	"net/http"
	"os"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// maxNetrcSize bounds the .netrc file read for a download.
const maxNetrcSize = 1 << 20

// netrcFile is the file NETRC names, as the shell plugin passes it to
// curl (--netrc-file) and wget; unset: none (curl reads no ~/.netrc by
// default either).
func netrcFile() string { return os.Getenv("NETRC") }

// netrcLogin returns the login and password of the first `machine HOST`
// entry of netrc text. A `default` entry is ignored: it would send its
// credentials to any host a values file names. Tokens are separated by
// white space; `macdef` bodies (up to an empty line) are skipped.
func netrcLogin(text, host string) (login, password string, ok bool) {
	var fields []string
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		f := strings.Fields(lines[i])
		if len(f) > 0 && f[0] == "macdef" {
			for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
				i++
			}
			continue
		}
		fields = append(fields, f...)
	}
	match := false
	for i := 0; i < len(fields); i++ {
		next := func() string {
			if i+1 < len(fields) {
				i++
				return fields[i]
			}
			return ""
		}
		switch fields[i] {
		case "machine", "default":
			if match {
				return login, password, true
			}
			if fields[i] == "machine" {
				match = strings.EqualFold(next(), host)
			}
		case "login":
			if v := next(); match {
				login = v
			}
		case "password":
			if v := next(); match {
				password = v
			}
		case "account":
			next()
		}
	}
	return login, password, match
}

// setNetrcAuth gives req basic auth from the .netrc file when its URL
// names no user, as the shell plugin's curl and wget do (NETRC). A
// missing, unreadable or oversized file, or one with no entry for the
// host, changes nothing. Go's client drops the header on a redirect to
// another host.
func setNetrcAuth(req *http.Request) {
	if req.URL.User != nil {
		return
	}
	p := netrcFile()
	if p == "" {
		return
	}
	b, err := bounds.ReadFile(p, maxNetrcSize)
	if err != nil {
		return
	}
	if login, password, ok := netrcLogin(string(b), req.URL.Hostname()); ok && (login != "" || password != "") {
		req.SetBasicAuth(login, password)
	}
}
