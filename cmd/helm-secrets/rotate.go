package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// rotateOptions are the arguments of rotate.
type rotateOptions struct {
	file    string
	inPlace bool
	tree    treeOptions
}

func newRotateCmd(a *app) *cobra.Command {
	o := &rotateOptions{}
	c := a.fileCommand("rotate [-i] FILE | rotate -r [--dry-run] FILE|DIR...", "Re-encrypt secrets file with a new data key", rotateUsage, false,
		func(c *cobra.Command, file string) error {
			o.file = file
			return a.runRotate(c.Context(), o)
		})
	c.Flags().BoolVarP(&o.inPlace, "in-place", "i", false, "rotate the file in place")
	c.Flags().BoolVarP(&o.tree.recursive, "recursive", "r", false, "rotate every encrypted file below the directories, in place")
	c.Flags().BoolVar(&o.tree.dryRun, "dry-run", false, "with -r: report what would be rotated, write nothing")
	oneFile := c.RunE
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 && o.tree.treeMode(args) {
			return a.runRotateTree(c.Context(), args, o.tree.dryRun)
		}
		return oneFile(c, args)
	}
	return c
}

// requireSops refuses commands that only make sense for SOPS files when
// another backend was chosen.
func (a *app) requireSops(cmd string) error {
	if a.sopsBackend() {
		return nil
	}
	return a.errorf("%s needs the sops backend (the %s backend was selected)", cmd, a.backend.Name())
}

func (a *app) runRotate(ctx context.Context, o *rotateOptions) error {
	if err := a.requireSops("rotate"); err != nil {
		return err
	}
	if err := a.requireFile(o.file); err != nil {
		return err
	}
	if o.inPlace {
		if err := staysInTree(o.file); err != nil {
			return a.errorf("rotate: %v", err)
		}
	}
	a.debugf("rotating the data key of %s", o.file)
	ctx, rec := a.keyRecord(ctx)
	out, err := a.engine.RotateFile(ctx, o.file)
	if err := a.recordRotation(o.file, rec, err); err != nil {
		return err
	}
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return a.errorf("File is not encrypted: %s", o.file)
	case err != nil:
		fmt.Fprintf(a.streams.Stderr, "%sError while rotating file: %s\n", prefix, o.file)
		return a.errorf("%v", err)
	}
	if o.inPlace {
		if err := writeInPlace(o.file, out, 0o644); err != nil {
			return a.errorf("%v", err)
		}
		return nil
	}
	_, err = a.streams.Stdout.Write(out)
	return err
}

// recordRotation writes the audit events of a rotation: the old data key
// was unwrapped (decrypt), the new one wrapped (encrypt).
func (a *app) recordRotation(file string, rec *encrypt.KeyRecord, opErr error) error {
	if err := a.recordDecrypt("rotate", file, rec, opErr); err != nil || opErr != nil {
		return err
	}
	return a.recordEncrypt("rotate", file, rec, nil)
}

// runRotateTree rotates the data key of every encrypted file of args in
// place (runTree).
func (a *app) runRotateTree(ctx context.Context, args []string, dryRun bool) error {
	if err := a.requireSops("rotate"); err != nil {
		return err
	}
	return a.runTree(ctx, "rotate", args, dryRun, func(ctx context.Context, file string) ([]byte, []string, error) {
		if err := staysInTree(file); err != nil {
			return nil, nil, err
		}
		ctx, rec := a.keyRecord(ctx)
		out, err := a.engine.RotateFile(ctx, file)
		if aerr := a.recordRotation(file, rec, err); aerr != nil {
			return nil, nil, aerr
		}
		if err != nil {
			return nil, nil, err
		}
		line := "rotated"
		if dryRun {
			line = "would rotate"
		}
		return out, []string{line}, nil
	})
}
