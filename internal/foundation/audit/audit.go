package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// MaxLine is the largest line written, newline included: PIPE_BUF on
// Linux (and more than POSIX's minimum of 512), the size up to which a
// write to a pipe is atomic. Longer fields are shortened to fit.
const MaxLine = 4096

// maxField caps one string field before the line is assembled.
const maxField = 1024

// Event is one decryption or encryption. It holds names only: never a
// value, a plaintext or key material.
type Event struct {
	Time      string   `json:"time"`                 // RFC 3339, UTC, nanoseconds
	Op        string   `json:"op"`                   // "decrypt" or "encrypt"
	Command   string   `json:"command"`              // decrypt, encrypt, edit, rotate, updatekeys, wrapper, getter, check, ...
	File      string   `json:"file"`                 // as given (URLs redacted by the caller); "--set KEY" (the flag and key) for an encrypted literal
	Keys      []string `json:"keys,omitempty"`       // master keys that unwrapped (decrypt) or wrapped (encrypt) the data key: "age age1...", "pgp FPR", "gcp_kms projects/...", ...
	User      string   `json:"user,omitempty"`       // the OS user name
	UID       string   `json:"uid,omitempty"`        // the OS user id
	Host      string   `json:"host,omitempty"`       // the host name
	PID       int      `json:"pid"`                  // this process
	GitCommit string   `json:"git_commit,omitempty"` // HEAD of the git work tree holding the file (or ARGOCD_APP_REVISION)
	ArgoCDApp string   `json:"argocd_app,omitempty"` // ARGOCD_APP_NAME
	Error     string   `json:"error,omitempty"`      // set when the operation failed (our message, never a value)
}

// Logger appends events to one destination. The zero value and nil are
// disabled loggers: Record does nothing.
type Logger struct {
	w    io.Writer
	f    *os.File // nil for stderr
	mu   sync.Mutex
	base Event // user, host, pid, Argo CD app: the same for every event
}

// Open returns a logger for dest: "" disables the trail (nil, no error),
// "-" writes to stderr, anything else is a file opened for appending
// (created 0600; the directory must exist).
func Open(dest string) (*Logger, error) {
	if dest == "" {
		return nil, nil
	}
	l := &Logger{base: baseEvent()}
	if dest == "-" {
		l.w = os.Stderr
		return l, nil
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	l.w, l.f = f, f
	return l, nil
}

// OpenWriter returns a logger that writes to w (tests, or a caller's own
// stream). Lines still go out with one Write each.
func OpenWriter(w io.Writer) *Logger { return &Logger{w: w, base: baseEvent()} }

// Enabled reports whether events are recorded.
func (l *Logger) Enabled() bool { return l != nil && l.w != nil }

// Close closes the log file.
func (l *Logger) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	return l.f.Close()
}

// Record appends one event: op "decrypt" or "encrypt", the command, the
// file and the keys used. The time, user, host, pid, Argo CD app and the
// file's git commit are filled in. It returns the write error, which
// callers should report: an audit trail that silently loses events is
// worse than none.
func (l *Logger) Record(op, command, file string, keys []string, opErr error) error {
	return l.RecordLocal(op, command, file, Local(file), keys, opErr)
}

// Local is the local file of an event's source as logged: file itself,
// or "" for a URL or a literal ("--set KEY"), which are in no work tree.
func Local(file string) string {
	if strings.Contains(file, "://") || strings.HasPrefix(file, "--") {
		return ""
	}
	return file
}

// RecordLocal is Record for a source logged as file that is the local
// file local ("" for none): a secrets:// URL naming a file in a git work
// tree gets that tree's commit.
func (l *Logger) RecordLocal(op, command, file, local string, keys []string, opErr error) error {
	if !l.Enabled() {
		return nil
	}
	e := l.base
	e.Time = time.Now().UTC().Format(time.RFC3339Nano)
	e.Op, e.Command, e.File = op, command, file
	e.Keys = keys
	if opErr != nil {
		e.Error = opErr.Error()
	}
	if e.GitCommit == "" && local != "" {
		e.GitCommit = GitHead(local)
	}
	line := encodeLine(e)
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := l.w.Write(line)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// encodeLine is e as one JSON line of at most MaxLine bytes: long fields
// are cut (marked with "…"), and if the line is still too long the keys are
// replaced by their count.
func encodeLine(e Event) []byte {
	cut := func(s string) string {
		if len(s) <= maxField {
			return s
		}
		return strings.ToValidUTF8(s[:maxField], "") + "…"
	}
	e.File, e.Error, e.User, e.Host, e.ArgoCDApp, e.GitCommit, e.Command =
		cut(e.File), cut(e.Error), cut(e.User), cut(e.Host), cut(e.ArgoCDApp), cut(e.GitCommit), cut(e.Command)
	for i, k := range e.Keys {
		e.Keys[i] = cut(k)
	}
	b, _ := json.Marshal(e)
	if len(b)+1 > MaxLine {
		e.Keys = []string{fmt.Sprintf("(%d keys, too long to list)", len(e.Keys))}
		b, _ = json.Marshal(e)
	}
	for len(b)+1 > MaxLine && len(e.File) > 64 {
		e.File = strings.ToValidUTF8(e.File[:len(e.File)/2], "") + "…"
		b, _ = json.Marshal(e)
	}
	return append(b, '\n')
}

func baseEvent() Event {
	e := Event{PID: os.Getpid(), ArgoCDApp: os.Getenv("ARGOCD_APP_NAME"), GitCommit: os.Getenv("ARGOCD_APP_REVISION")}
	if u, err := user.Current(); err == nil {
		e.User, e.UID = u.Username, u.Uid
	} else if n := os.Getenv("USER"); n != "" {
		e.User = n
	} else {
		e.User = os.Getenv("USERNAME")
	}
	e.Host, _ = os.Hostname()
	return e
}

// GitHead returns the commit HEAD points to in the git work tree holding
// file, read from .git without running git: HEAD, then the ref file or
// packed-refs. "" when file is not in a work tree or HEAD is unreadable.
// This is the checkout's commit, not the last commit that changed the file.
func GitHead(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return ""
	}
	dir := filepath.Dir(abs)
	for range 100 {
		gitDir := filepath.Join(dir, ".git")
		if st, err := os.Stat(gitDir); err == nil {
			if !st.IsDir() {
				// A worktree or submodule: "gitdir: PATH".
				b, err := readSmall(gitDir)
				p, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: ")
				if err != nil || !ok {
					return ""
				}
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				gitDir = p
			}
			return headOf(gitDir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}

func headOf(gitDir string) string {
	b, err := readSmall(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return ""
	}
	head := strings.TrimSpace(string(b))
	ref, ok := strings.CutPrefix(head, "ref: ")
	if !ok {
		return hexOnly(head)
	}
	// A linked worktree keeps its refs in the common dir.
	dirs := []string{gitDir}
	if c, err := readSmall(filepath.Join(gitDir, "commondir")); err == nil {
		cd := strings.TrimSpace(string(c))
		if !filepath.IsAbs(cd) {
			cd = filepath.Join(gitDir, cd)
		}
		dirs = append(dirs, cd)
	}
	for _, d := range dirs {
		if b, err := readSmall(filepath.Join(d, filepath.FromSlash(ref))); err == nil {
			return hexOnly(strings.TrimSpace(string(b)))
		}
		if b, err := readSmall(filepath.Join(d, "packed-refs")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if h, name, ok := strings.Cut(line, " "); ok && name == ref {
					return hexOnly(h)
				}
			}
		}
	}
	return ""
}

// hexOnly returns s when it is a commit id (40 or 64 hex digits), else "".
func hexOnly(s string) string {
	if len(s) != 40 && len(s) != 64 {
		return ""
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return ""
		}
	}
	return s
}

// readSmall reads a git metadata file of at most 1 MiB (packed-refs can be
// large; more is not a real repository's).
func readSmall(p string) ([]byte, error) {
	return bounds.ReadFile(p, 1<<20)
}
