package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helm"
)

// httpTimeout bounds one download of a remote secrets file.
const httpTimeout = 2 * time.Minute

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// isURL reports whether src is a URL (scheme://...) rather than a path.
func isURL(src string) bool { return schemeRE.MatchString(src) }

// isHTTP reports whether src is an http:// or https:// URL.
func isHTTP(src string) bool {
	l := strings.ToLower(src)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// displayURL is src with any password removed, for messages.
func displayURL(src string) string {
	u, err := url.Parse(src)
	if err != nil || u.User == nil {
		return src
	}
	return u.Redacted()
}

// errDownload means an http(s) source could not be fetched.
var errDownload = errors.New("download failed")

// fetchURL downloads an http(s) source, refusing bodies over limit bytes.
func fetchURL(ctx context.Context, src string, limit int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, httpTimeout)
	defer cancel()
	data, err := helm.Download(ctx, nil, src, limit)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errDownload, err)
	}
	return data, nil
}

// urlPath is the path part of a URL, for format detection by extension.
func urlPath(src string) string {
	u, err := url.Parse(src)
	if err != nil {
		return ""
	}
	return path.Base(u.Path)
}

// requireFile checks that file names an existing regular file, printing
// the shell plugin's message otherwise.
func (a *app) requireFile(file string) error {
	st, err := os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid):
		return a.errorf("File does not exist: %s", file)
	case err != nil:
		return a.errorf("%v", err)
	case st.IsDir():
		return a.errorf("Not a file: %s is a directory", file)
	}
	return nil
}

// inPlaceTarget is where an in-place write of path goes: through a symlink
// to the file it points at (as sops -i does), so the link is kept.
func inPlaceTarget(path string) string {
	if t, err := filepath.EvalSymlinks(path); err == nil {
		return t
	}
	return path
}

// writeInPlace replaces path (through symlinks) atomically, keeping its mode.
func writeInPlace(path string, data []byte, newPerm fs.FileMode) error {
	return encrypt.WriteFileAtomic(inPlaceTarget(path), data, newPerm)
}
