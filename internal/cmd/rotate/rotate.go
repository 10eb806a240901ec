// Package rotate is the rotate command: re-encrypt a SOPS file with a new
// data key, one file (to stdout or in place) or every encrypted file of a
// tree (filetree).
package rotate

import (
	"context"
	"errors"
	"fmt"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/filetree"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Options are the arguments of rotate on one file.
type Options struct {
	Factory *cmdutil.Factory
	File    string
	InPlace bool // -i: write the file instead of printing it
}

// Run rotates the data key of one file.
func Run(ctx context.Context, o *Options) error {
	f := o.Factory
	if err := f.RequireSops("rotate"); err != nil {
		return err
	}
	if err := f.RequireFile(o.File); err != nil {
		return err
	}
	if o.InPlace {
		if err := filetree.StaysInTree(o.File); err != nil {
			return f.Errorf("rotate: %v", err)
		}
	}
	f.Debugf("rotating the data key of %s", o.File)
	ctx, rec := f.KeyRecord(ctx)
	out, err := f.Engine.RotateFile(ctx, o.File)
	if err := record(f, o.File, rec, err); err != nil {
		return err
	}
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return f.Errorf("File is not encrypted: %s", o.File)
	case err != nil:
		fmt.Fprintf(f.IO.ErrOut, "%sError while rotating file: %s\n", cmdutil.Prefix, o.File)
		return f.Errorf("%v", err)
	}
	if o.InPlace {
		if err := cmdutil.WriteInPlace(o.File, out, 0o644); err != nil {
			return f.Errorf("%v", err)
		}
		return nil
	}
	_, err = f.IO.Out.Write(out)
	return err
}

// record writes the audit events of a rotation: the old data key was
// unwrapped (decrypt), the new one wrapped (encrypt).
func record(f *cmdutil.Factory, file string, rec *encrypt.KeyRecord, opErr error) error {
	if err := f.RecordDecrypt("rotate", file, rec, opErr); err != nil || opErr != nil {
		return err
	}
	return f.RecordEncrypt("rotate", file, rec, nil)
}

// TreeOptions are the arguments of rotate -r / --dry-run / a directory.
type TreeOptions struct {
	Factory *cmdutil.Factory
	Paths   []string // files and directories
	DryRun  bool
}

// RunTree rotates the data key of every encrypted file of Paths in place
// (filetree.Run).
func RunTree(ctx context.Context, o *TreeOptions) error {
	f := o.Factory
	if err := f.RequireSops("rotate"); err != nil {
		return err
	}
	return filetree.Run(ctx, f, "rotate", o.Paths, o.DryRun, func(ctx context.Context, file string) ([]byte, []string, error) {
		if err := filetree.StaysInTree(file); err != nil {
			return nil, nil, err
		}
		ctx, rec := f.KeyRecord(ctx)
		out, err := f.Engine.RotateFile(ctx, file)
		if aerr := record(f, file, rec, err); aerr != nil {
			return nil, nil, aerr
		}
		if err != nil {
			return nil, nil, err
		}
		line := "rotated"
		if o.DryRun {
			line = "would rotate"
		}
		return out, []string{line}, nil
	})
}
