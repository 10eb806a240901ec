// Package clean is the legacy clean command: remove the decrypted files
// (HELM_SECRETS_DEC_PREFIX, HELM_SECRETS_DEC_SUFFIX) the shell plugin left
// below a directory. We never write them, but users migrating may have
// some.
package clean

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
)

// Options are the arguments of clean.
type Options struct {
	Factory *cmdutil.Factory
	Dir     string
}

// Run removes the decrypted files below Dir, naming each; a file it cannot
// remove is reported and fails the run after the others.
func Run(_ context.Context, o *Options) error {
	f, dir := o.Factory, o.Dir
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return f.Errorf("Directory does not exist: %s", dir)
	}
	s := settings.Load()
	decPrefix, decSuffix := s.DecPrefix, s.DecSuffix
	if decSuffix == "" {
		// An empty suffix would match every file: use the default.
		decSuffix = ".dec"
	}
	failed := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			_ = f.Errorf("%v", err)
			failed = true
			return nil
		}
		name := d.Name()
		if !d.Type().IsRegular() || !strings.HasPrefix(name, decPrefix) || !strings.HasSuffix(name, decSuffix) ||
			len(name) <= len(decPrefix)+len(decSuffix) {
			return nil
		}
		if err := os.Remove(path); err != nil {
			_ = f.Errorf("%v", err)
			failed = true
			return nil
		}
		f.Infof("Removed: %s", path)
		return nil
	})
	if err != nil {
		return f.Errorf("%v", err)
	}
	if failed {
		return cmdutil.ErrReported
	}
	return nil
}
