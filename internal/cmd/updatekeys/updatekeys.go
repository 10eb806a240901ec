// Package updatekeys is the updatekeys command: bring the recipients of a
// SOPS file in line with its .sops.yaml rule, one file or every encrypted
// file of a tree (filetree), naming the keys added and removed.
package updatekeys

import (
	"context"
	"errors"
	"fmt"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/filetree"
	"github.com/helm-secrets/helm-secrets/internal/repo/check"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Options are the arguments of updatekeys on one file.
type Options struct {
	Factory *cmdutil.Factory
	File    string
}

// TreeOptions are the arguments of updatekeys -r / --dry-run / a directory.
type TreeOptions struct {
	Factory *cmdutil.Factory
	Paths   []string // files and directories
	DryRun  bool
}

// RunTree updates the recipients of every encrypted file of Paths
// (filetree.Run), reporting the keys added and removed per file.
func RunTree(ctx context.Context, o *TreeOptions) error {
	f := o.Factory
	if err := f.RequireSops("updatekeys"); err != nil {
		return err
	}
	return filetree.Run(ctx, f, "updatekeys", o.Paths, o.DryRun, func(ctx context.Context, file string) ([]byte, []string, error) {
		if err := filetree.StaysInTree(file); err != nil {
			return nil, nil, err
		}
		before, err := f.Engine.ReadRaw(file)
		if err != nil {
			return nil, nil, err
		}
		ctx, rec := f.KeyRecord(ctx)
		out, changed, err := f.Engine.UpdateKeysFile(ctx, file)
		if aerr := record(f, file, rec, changed, err); aerr != nil {
			return nil, nil, aerr
		}
		if err != nil || !changed {
			return nil, []string{"keys already up to date"}, err
		}
		lines := keyUpdateLines(file, before, out)
		if o.DryRun {
			lines = append(lines, "keys would be updated")
		} else {
			lines = append(lines, "keys updated")
		}
		return out, lines, nil
	})
}

// record writes the audit events of updatekeys when it unwrapped
// the data key (the recipients changed, or it failed): decrypt, then
// encrypt for the new recipients.
func record(f *cmdutil.Factory, file string, rec *encrypt.KeyRecord, changed bool, opErr error) error {
	if !changed && opErr == nil {
		return nil // nothing was unwrapped
	}
	if err := f.RecordDecrypt("updatekeys", file, rec, opErr); err != nil || opErr != nil {
		return err
	}
	return f.RecordEncrypt("updatekeys", file, rec, nil)
}

// keyUpdateLines describes how the recipients changed from before to
// out: "added KEY", "removed KEY", "shamir threshold N -> M".
func keyUpdateLines(file string, before, out []byte) []string {
	old, oldT := keyGroupsOf(file, before)
	cur, curT := keyGroupsOf(file, out)
	lines := keyChanges(old, cur)
	if oldT != curT {
		lines = append(lines, fmt.Sprintf("shamir threshold %d -> %d", oldT, curT))
	}
	return lines
}

// Run updates the recipients of one file in place.
func Run(ctx context.Context, o *Options) error {
	f, file := o.Factory, o.File
	if err := f.RequireSops("updatekeys"); err != nil {
		return err
	}
	if err := f.RequireFile(file); err != nil {
		return err
	}
	if err := filetree.StaysInTree(file); err != nil {
		return f.Errorf("updatekeys: %v", err)
	}
	before, err := f.Engine.ReadRaw(file)
	if err != nil {
		return f.Errorf("%v", err)
	}
	f.Debugf("updating the keys of %s", file)
	ctx, rec := f.KeyRecord(ctx)
	out, changed, err := f.Engine.UpdateKeysFile(ctx, file)
	if err := record(f, file, rec, changed, err); err != nil {
		return err
	}
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return f.Errorf("File is not encrypted: %s", file)
	case err != nil:
		return f.EncryptError("updating keys of", file, err)
	case !changed:
		f.Infof("%s: keys already up to date", file)
		return nil
	}
	if err := cmdutil.WriteInPlace(file, out, 0o644); err != nil {
		return f.Errorf("%v", err)
	}
	for _, line := range keyUpdateLines(file, before, out) {
		f.Infof("%s: %s", file, line)
	}
	f.Infof("%s: keys updated", file)
	return nil
}

// keyGroupsOf lists the master keys of an encrypted document, per key
// group, as "type: key" strings (public identifiers only). It reads no
// .sops.yaml (the engine's MasterKeys parses the metadata alone), so it
// cannot pick another config file than the engine's shared lookup.
func keyGroupsOf(path string, data []byte) ([][]string, int) {
	groups, threshold, err := encrypt.MasterKeys(data, encrypt.DetectFormat(path, data))
	if err != nil {
		return nil, 0
	}
	return groups, threshold
}

// keyChanges describes the difference between two key group lists.
func keyChanges(old, cur [][]string) []string {
	var lines []string
	for _, d := range check.KeyDiff(old, cur) {
		label := ""
		if max(len(old), len(cur)) > 1 {
			label = fmt.Sprintf("key group %d: ", d.Group)
		}
		for _, k := range d.Added {
			lines = append(lines, label+"added "+k)
		}
		for _, k := range d.Removed {
			lines = append(lines, label+"removed "+k)
		}
	}
	return lines
}
