package check

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// MaxListOutput caps what `git ls-files` may print (file names): far above
// any real repository, below what would exhaust memory.
const MaxListOutput = 256 << 20

// GitRoot returns the top of the git work tree that holds dir, or "" when
// dir is not in one (or git is not installed).
func GitRoot(ctx context.Context, git, dir string) string {
	if git == "" {
		git = "git"
	}
	cmd := exec.CommandContext(ctx, git, "rev-parse", "--show-toplevel")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	root := strings.TrimRight(string(out), "\r\n")
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	return root
}

// listFiles returns the files to check, as slash-separated paths relative
// to root, sorted and without duplicates. With no paths it is the whole
// tree; a directory argument is everything below it; a file argument is
// that file (even when .gitignore ignores it: it was named on purpose).
// In a git work tree (inGit) the listing is git's: tracked and untracked
// files that .gitignore does not ignore; elsewhere a walk that does not
// follow symbolic links and skips .git directories. A path that resolves
// outside root is an error.
func listFiles(ctx context.Context, git, root string, inGit bool, paths []string) ([]string, error) {
	if len(paths) == 0 {
		paths = []string{root}
	}
	seen := map[string]bool{}
	var out []string
	add := func(rel string) {
		if !seen[rel] {
			seen[rel] = true
			out = append(out, rel)
		}
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		rel, err := relInside(root, abs)
		if err != nil {
			return nil, err
		}
		st, err := os.Lstat(abs)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			add(rel)
			continue
		}
		var names []string
		if inGit {
			names, err = gitFiles(ctx, git, root, rel)
		} else {
			names, err = walkFiles(root, rel)
		}
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			add(n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// relInside returns abs relative to root (slash-separated, "." for root
// itself) after resolving the symbolic links of its directory, or an error
// when it lies outside root.
func relInside(root, abs string) (string, error) {
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	if abs == root {
		dir, base = root, ""
	}
	rdir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, filepath.Join(rdir, base))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s: outside the repository root %s", abs, root)
	}
	return filepath.ToSlash(rel), nil
}

// gitFiles lists the files below rel ("." for all) that git tracks or
// would track: `git ls-files -z -co --exclude-standard`.
func gitFiles(ctx context.Context, git, root, rel string) ([]string, error) {
	if git == "" {
		git = "git"
	}
	cmd := exec.CommandContext(ctx, git, "-c", "core.quotepath=off", "ls-files", "-z", "-c", "-o", "--exclude-standard", "--", rel)
	cmd.Dir = root
	stdout := bounds.Buffer{Limit: MaxListOutput}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if stdout.Over() {
			return nil, fmt.Errorf("git ls-files in %s: more than %d bytes of file names", root, MaxListOutput)
		}
		return nil, fmt.Errorf("git ls-files in %s: %v: %s", root, err, strings.TrimSpace(stderr.String()))
	}
	var names []string
	for _, n := range bytes.Split(stdout.Bytes(), []byte{0}) {
		if len(n) > 0 {
			names = append(names, string(n))
		}
	}
	return names, nil
}

// walkFiles lists the files below rel outside git: regular files and
// symbolic links (which are reported, never followed), skipping .git.
func walkFiles(root, rel string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(filepath.Join(root, filepath.FromSlash(rel)), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		r, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(r))
		return nil
	})
	return names, err
}
