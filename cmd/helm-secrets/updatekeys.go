package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
	"github.com/helm-secrets/helm-secrets/internal/repo/check"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

func newUpdateKeysCmd(a *app) *cobra.Command {
	var tree treeOptions
	c := a.fileCommand("updatekeys FILE | updatekeys -r [--dry-run] FILE|DIR...", "Update the recipients of secrets file from .sops.yaml", updatekeysUsage, false,
		func(c *cobra.Command, file string) error {
			return a.runUpdateKeys(c.Context(), file)
		})
	c.Flags().BoolVarP(&tree.recursive, "recursive", "r", false, "update every encrypted file below the directories")
	c.Flags().BoolVar(&tree.dryRun, "dry-run", false, "report what would change, write nothing")
	oneFile := c.RunE
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 && tree.treeMode(args) {
			return a.runUpdateKeysTree(c.Context(), args, tree.dryRun)
		}
		return oneFile(c, args)
	}
	return c
}

// runUpdateKeysTree updates the recipients of every encrypted file of args
// (runTree), reporting the keys added and removed per file.
func (a *app) runUpdateKeysTree(ctx context.Context, args []string, dryRun bool) error {
	if err := a.requireSops("updatekeys"); err != nil {
		return err
	}
	return a.runTree(ctx, "updatekeys", args, dryRun, func(ctx context.Context, file string) ([]byte, []string, error) {
		if err := staysInTree(file); err != nil {
			return nil, nil, err
		}
		before, err := a.engine.ReadRaw(file)
		if err != nil {
			return nil, nil, err
		}
		ctx, rec := a.keyRecord(ctx)
		out, changed, err := a.engine.UpdateKeysFile(ctx, file)
		if aerr := a.recordKeyUpdate(file, rec, changed, err); aerr != nil {
			return nil, nil, aerr
		}
		if err != nil || !changed {
			return nil, []string{"keys already up to date"}, err
		}
		lines := keyUpdateLines(file, before, out)
		if dryRun {
			lines = append(lines, "keys would be updated")
		} else {
			lines = append(lines, "keys updated")
		}
		return out, lines, nil
	})
}

// staysInTree refuses a file that updatekeys or rotate -i would rewrite
// although it lies outside the tree it is named in: a symlink (or a path
// through a symlinked folder) in the tree of the .sops.yaml that applies to
// it (the working directory when none does) that resolves out of that
// tree. A repository could otherwise have a file of the user's elsewhere
// re-keyed for the recipients its own .sops.yaml lists. Naming the target
// itself still works: its own .sops.yaml then applies.
func staysInTree(file string) error {
	root := "."
	if conf := sopslite.ConfigFileFor(file); conf != "" {
		root = filepath.Dir(conf)
	}
	if !pathpolicy.LeavesTree(root, file) {
		return nil
	}
	link := "a symlink"
	if l := pathpolicy.FirstSymlink(file); l != "" {
		link = "the symlink " + l
	}
	return fmt.Errorf("refused to rewrite %s: it goes through %s to a file outside %s (the tree of its .sops.yaml), whose recipients would be applied to it; run the command on the file the link points to", file, link, root)
}

// recordKeyUpdate writes the audit events of updatekeys when it unwrapped
// the data key (the recipients changed, or it failed): decrypt, then
// encrypt for the new recipients.
func (a *app) recordKeyUpdate(file string, rec *encrypt.KeyRecord, changed bool, opErr error) error {
	if !changed && opErr == nil {
		return nil // nothing was unwrapped
	}
	if err := a.recordDecrypt("updatekeys", file, rec, opErr); err != nil || opErr != nil {
		return err
	}
	return a.recordEncrypt("updatekeys", file, rec, nil)
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

func (a *app) runUpdateKeys(ctx context.Context, file string) error {
	if err := a.requireSops("updatekeys"); err != nil {
		return err
	}
	if err := a.requireFile(file); err != nil {
		return err
	}
	if err := staysInTree(file); err != nil {
		return a.errorf("updatekeys: %v", err)
	}
	before, err := a.engine.ReadRaw(file)
	if err != nil {
		return a.errorf("%v", err)
	}
	a.debugf("updating the keys of %s", file)
	ctx, rec := a.keyRecord(ctx)
	out, changed, err := a.engine.UpdateKeysFile(ctx, file)
	if err := a.recordKeyUpdate(file, rec, changed, err); err != nil {
		return err
	}
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return a.errorf("File is not encrypted: %s", file)
	case err != nil:
		return a.encryptError("updating keys of", file, err)
	case !changed:
		a.infof("%s: keys already up to date", file)
		return nil
	}
	if err := writeInPlace(file, out, 0o644); err != nil {
		return a.errorf("%v", err)
	}
	for _, line := range keyUpdateLines(file, before, out) {
		a.infof("%s: %s", file, line)
	}
	a.infof("%s: keys updated", file)
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
