package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/helm-secrets/helm-secrets/internal/limitbuf"
)

// Timeout bounds one fetch.
const Timeout = 2 * time.Minute

// ErrFetch wraps every failure to get a source.
var ErrFetch = errors.New("fetch failed")

// Fetcher gets remote values sources.
type Fetcher struct {
	// PluginDirs are the folders holding helm plugins (HELM_PLUGINS, a
	// path list); their downloaders serve the schemes they declare.
	PluginDirs []string
	// Skip lists schemes never fetched here (helm gets them itself, e.g.
	// our own secrets:// protocols).
	Skip func(scheme string) bool
	// Limit caps a source's size in bytes (0: no limit).
	Limit int64
	// Client serves http(s) (nil: http.DefaultClient).
	Client *http.Client
	// Stderr receives a getter plugin's stderr (nil: discarded).
	Stderr io.Writer
	// Env is the plugins' base environment (nil: os.Environ()).
	Env []string

	downloaders map[string]downloader // by scheme, loaded on first use
}

// downloader is one getter plugin command.
type downloader struct {
	plugin, dir, command string
}

// Scheme returns the lower-cased scheme of a URL-like source
// ("git+https" for git+https://...), or "" when src is not scheme://...
func Scheme(src string) string {
	i := strings.Index(src, "://")
	if i <= 0 {
		return ""
	}
	for _, r := range src[:i] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return ""
		}
	}
	return strings.ToLower(src[:i])
}

// Handles reports whether Fetch would get src: an http(s) URL, or a
// scheme some getter plugin declares, unless Skip says no.
func (f *Fetcher) Handles(src string) bool {
	s := Scheme(src)
	if s == "" || (f.Skip != nil && f.Skip(s)) {
		return false
	}
	if s == "http" || s == "https" {
		return true
	}
	_, ok := f.plugins()[s]
	return ok
}

// Fetch gets src. The error names src with its password removed.
func (f *Fetcher) Fetch(ctx context.Context, src string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var (
		data []byte
		err  error
	)
	switch s := Scheme(src); {
	case s == "http" || s == "https":
		data, err = HTTPGet(ctx, f.Client, src, f.Limit)
	case f.plugins()[s].command != "":
		data, err = f.runPlugin(ctx, f.plugins()[s], src)
	default:
		err = fmt.Errorf("no getter for the scheme %q", s)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrFetch, Redact(src), scrub(err.Error(), src))
	}
	return data, nil
}

// plugins loads the getter plugins' downloaders once.
func (f *Fetcher) plugins() map[string]downloader {
	if f.downloaders != nil {
		return f.downloaders
	}
	f.downloaders = map[string]downloader{}
	for _, root := range f.PluginDirs {
		entries, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		for _, e := range entries {
			dir := filepath.Join(root, e.Name())
			b, err := os.ReadFile(filepath.Join(dir, "plugin.yaml"))
			if err != nil || len(b) > 1<<20 {
				continue
			}
			var m struct {
				Name        string `json:"name"`
				Downloaders []struct {
					Command   string   `json:"command"`
					Protocols []string `json:"protocols"`
				} `json:"downloaders"`
			}
			if yaml.Unmarshal(b, &m) != nil {
				continue
			}
			for _, d := range m.Downloaders {
				for _, p := range d.Protocols {
					p = strings.ToLower(p)
					if _, dup := f.downloaders[p]; !dup && d.Command != "" {
						// The first plugin found wins, as in helm.
						f.downloaders[p] = downloader{plugin: m.Name, dir: dir, command: d.Command}
					}
				}
			}
		}
	}
	return f.downloaders
}

// runPlugin runs a getter plugin as helm v3 and v4 do for values files:
// the command split on spaces, its first word relative to the plugin
// folder, then the empty cert, key and CA file arguments and the URL.
func (f *Fetcher) runPlugin(ctx context.Context, d downloader, src string) ([]byte, error) {
	words := strings.Fields(d.command)
	prog := os.ExpandEnv(words[0])
	if !filepath.IsAbs(prog) {
		prog = filepath.Join(d.dir, prog)
	}
	cmd := exec.CommandContext(ctx, prog, append(words[1:], "", "", "", src)...)
	env := f.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(append([]string{}, env...),
		"HELM_PLUGIN_NAME="+d.plugin, "HELM_PLUGIN_DIR="+d.dir,
		"HELM_PLUGIN_USERNAME=", "HELM_PLUGIN_PASSWORD=", "HELM_PLUGIN_PASS_CREDENTIALS_ALL=false")
	out := &limitbuf.Buffer{Limit: f.Limit}
	cmd.Stdout = out
	cmd.Stderr = f.Stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if out.Over() {
			return nil, fmt.Errorf("over the limit of %d bytes", f.Limit)
		}
		return nil, fmt.Errorf("getter plugin %q: %v", d.plugin, err)
	}
	return out.Bytes(), nil
}

// HTTPGet fetches an http(s) URL (basic auth from the URL) with client
// (nil: http.DefaultClient), refusing a non-2xx status and bodies over
// limit bytes (0: no limit). Errors do not quote the URL, which may hold
// credentials.
func HTTPGet(ctx context.Context, client *http.Client, src string, limit int64) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, unwrapURLError(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, unwrapURLError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	if limit > 0 && resp.ContentLength > limit {
		return nil, fmt.Errorf("%d bytes is over the limit of %d", resp.ContentLength, limit)
	}
	r := io.Reader(resp.Body)
	if limit > 0 {
		r = io.LimitReader(resp.Body, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, fmt.Errorf("over the limit of %d bytes", limit)
	}
	return data, nil
}

func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// Redact returns src with the password of its user info replaced by
// "xxxxx" (as url.URL.Redacted does); src itself when it has none or does
// not parse.
func Redact(src string) string {
	u, err := url.Parse(src)
	if err != nil {
		// Still never show what looks like user:password@.
		if at := strings.Index(src, "@"); at > 0 {
			if i := strings.Index(src, "://"); i > 0 && i < at {
				return src[:i+3] + "xxxxx" + src[at:]
			}
		}
		return src
	}
	if u.User == nil {
		return src
	}
	return u.Redacted()
}

// scrub removes src's password from a message, wherever it appears.
func scrub(msg, src string) string {
	u, err := url.Parse(src)
	if err != nil || u.User == nil {
		return msg
	}
	if p, ok := u.User.Password(); ok && p != "" {
		msg = strings.ReplaceAll(msg, p, "xxxxx")
		msg = strings.ReplaceAll(msg, url.QueryEscape(p), "xxxxx")
	}
	return msg
}
