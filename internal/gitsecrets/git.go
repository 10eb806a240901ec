package gitsecrets

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// maxGitOutput bounds what we read from one git command (a listing, or one
// version of a file).
const maxGitOutput = 64 << 20

// git runs git in dir and returns its stdout; on failure the error holds
// git's first stderr line (git prints no file content there).
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout = &limitWriter{w: &out, n: maxGitOutput}
	cmd.Stderr = &limitWriter{w: &errb, n: 4096}
	if err := cmd.Run(); err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(errb.String()), "\n")
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	if out.Len() >= maxGitOutput {
		return nil, fmt.Errorf("git %s: output over %d bytes", args[0], maxGitOutput)
	}
	return out.Bytes(), nil
}

// limitWriter keeps the first n bytes and drops the rest.
type limitWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if room := l.n - l.w.Len(); room > 0 {
		if len(p) > room {
			l.w.Write(p[:room])
		} else {
			l.w.Write(p)
		}
	}
	return len(p), nil
}

// topLevel returns the work tree's top directory.
func topLevel(ctx context.Context, dir string) (string, error) {
	out, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
