package gitsecrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/atomicfile"
	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// HasGitMarkers reports whether data holds git's own whole-file conflict
// markers: a line starting with "<<<<<<< ", a "=======" line and a line
// starting with ">>>>>>> ", in that order. git writes them when it merged
// an encrypted file without the merge driver.
func HasGitMarkers(data []byte) bool {
	state := 0
	for line := range bytes.Lines(data) {
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case state == 0 && bytes.HasPrefix(line, []byte("<<<<<<< ")):
			state = 1
		case state == 1 && bytes.Equal(line, []byte("=======")):
			state = 2
		case state == 2 && bytes.HasPrefix(line, []byte(">>>>>>> ")):
			return true
		}
	}
	return false
}

// ErrNoStages: a file with git's conflict markers cannot be merged again
// because git's index does not hold the versions of the conflict.
var ErrNoStages = errors.New("git's index does not hold the versions of this conflict")

// RemergeFromIndex redoes the merge of file, which holds git's own
// conflict markers around ciphertext, with the merge driver: it takes the
// versions of the conflict from git's index (stage 1, the base, may be
// absent; stages 2 and 3, ours and theirs), merges them as RunMerge does
// (the same recipient and MAC checks) and replaces file with the result,
// atomically: an encrypted file whose conflicting values hold both sides
// between conflict markers. Only ciphertext is written. It reports
// whether conflicts remain. If the stages are missing (not in a git work
// tree, or the conflict was committed) the error wraps ErrNoStages and
// says how to redo the merge.
func RemergeFromIndex(ctx context.Context, eng *encrypt.Engine, file string, stderr io.Writer) (conflict bool, err error) {
	if stderr == nil {
		stderr = io.Discard
	}
	how := fmt.Sprintf("merge it again with the merge driver: run helm secrets git setup, then, while the merge is in progress, git checkout -m -- %s (or git merge --abort and merge again); if the conflict was committed, redo that merge", file)
	abs, err := filepath.Abs(file)
	if err != nil {
		return false, err
	}
	dir := filepath.Dir(abs)
	top, err := topLevel(ctx, dir)
	if err != nil {
		return false, fmt.Errorf("%s holds git's conflict markers and is not in a git work tree (%w): %s", file, ErrNoStages, how)
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	rel, err := filepath.Rel(top, filepath.Join(dir, filepath.Base(abs)))
	if err != nil || strings.HasPrefix(rel, "..") {
		return false, fmt.Errorf("%s holds git's conflict markers and is outside the git work tree (%w): %s", file, ErrNoStages, how)
	}
	rel = filepath.ToSlash(rel)
	stage := func(n int) ([]byte, error) { return git(ctx, top, "show", fmt.Sprintf(":%d:%s", n, rel)) }
	ours, err2 := stage(2)
	theirs, err3 := stage(3)
	if err2 != nil || err3 != nil {
		return false, fmt.Errorf("%s holds git's conflict markers, but %w (the conflict was committed, or resolved in the index): %s", file, ErrNoStages, how)
	}
	base, err := stage(1)
	if err != nil {
		base = nil // added on both sides
	}

	// Only ciphertext goes to these files.
	tmp, err := os.MkdirTemp("", "helm-secrets-remerge-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	// Path selects the format and the .sops.yaml rule, as for edit.
	o := MergeOptions{Engine: eng, Path: file, Stderr: stderr,
		Base: filepath.Join(tmp, "base"), Ours: filepath.Join(tmp, "ours"), Theirs: filepath.Join(tmp, "theirs")}
	for name, data := range map[string][]byte{o.Base: base, o.Ours: ours, o.Theirs: theirs} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			return false, err
		}
	}
	refused := false
	o.refused = &refused
	code := RunMerge(ctx, o)
	if refused {
		return false, fmt.Errorf("%s: the merge driver refused to merge the versions of this conflict (see above); %s was not changed", file, file)
	}
	out, err := bounds.ReadFile(o.Ours, encrypt.DefaultMaxInputSize)
	if err != nil {
		return false, err
	}
	if !encrypt.IsEncrypted(out, encrypt.DetectFormat(file, out)) {
		return false, fmt.Errorf("%s: the versions of this conflict are not SOPS-encrypted: merge it by hand; %s was not changed", file, file)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return false, err
	}
	if err := atomicfile.Write(abs, out, st.Mode().Perm()); err != nil {
		return false, err
	}
	return code != ExitClean, nil
}
