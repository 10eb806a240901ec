package gitsecrets

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// maxGitOutput bounds what we read from one git command (a listing, or one
// version of a file).
const maxGitOutput = 64 << 20

// git runs git in dir and returns its stdout; on failure the error holds
// git's first stderr line (git prints no file content there).
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out := &bounds.Buffer{Limit: maxGitOutput}
	errb := &bounds.Buffer{Limit: 4096}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Run(); err != nil {
		if out.Over() {
			return nil, fmt.Errorf("git %s: output over %d bytes", args[0], maxGitOutput)
		}
		msg, _, _ := strings.Cut(strings.TrimSpace(string(errb.Bytes())), "\n")
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	return out.Bytes(), nil
}

// topLevel returns the work tree's top directory.
func topLevel(ctx context.Context, dir string) (string, error) {
	out, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
