// Package gitcmd is the git integration's commands (docs/git.md): git
// setup, git textconv, merge-driver and diff-keys. They parse nothing;
// internal/repo/gitsecrets does the work, and every decryption it does is
// audited here before the plaintext is used.
package gitcmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/repo/gitsecrets"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Usage is the help of the git commands.
const Usage = `helm secrets [ OPTIONS ] git setup [ --command CMD ] [ --pattern GLOB ]...
helm secrets [ OPTIONS ] git textconv FILE
helm secrets [ OPTIONS ] merge-driver BASE OURS THEIRS PATH
helm secrets [ OPTIONS ] diff-keys [ --output text|json ] [ REV..REV | REV ] [ PATH... ]

Git integration for SOPS-encrypted files (see docs/git.md)

git setup registers a merge driver, a diff driver and a merge tool (git
mergetool --tool=helm-secrets runs helm secrets edit) in the repository's git
config and adds ".gitattributes" lines (PATTERN merge=helm-secrets
diff=helm-secrets) for the files the .sops.yaml creation rules match, or for
secrets*.yaml, secrets*.yml and secrets*.json. Running it again changes nothing.

merge-driver is what git runs to merge an encrypted file both branches changed:
it decrypts the three versions in memory, merges them key by key and writes
the result encrypted with our data key and recipients. A key changed on both
sides holds both values between conflict markers, still encrypted; resolve it
with helm secrets edit (or git mergetool --tool=helm-secrets). A branch that changed the recipients (and the
.sops.yaml rule does not give them) or whose MAC does not verify is refused.

git textconv prints a file decrypted, for git diff (a one-line note when you
have no key for it). diff-keys lists the key paths added (+), removed (-) and
changed (~) between two commits (default: HEAD and the work tree), never a
value.

Examples:
  $ helm secrets git setup
  $ helm secrets diff-keys main..feature
  $ helm secrets diff-keys --output json HEAD~3 secrets.yaml
`

// MergeOptions are the arguments git gives its merge driver.
type MergeOptions struct {
	Factory                  *cmdutil.Factory
	Base, Ours, Theirs, Path string
}

// RunMerge merges an encrypted file both branches changed; its exit code
// is gitsecrets.RunMerge's.
func RunMerge(ctx context.Context, o *MergeOptions) error {
	f := o.Factory
	if err := f.RequireSops("merge-driver"); err != nil {
		return err
	}
	code := gitsecrets.RunMerge(ctx, gitsecrets.MergeOptions{
		Engine: f.Engine, Base: o.Base, Ours: o.Ours, Theirs: o.Theirs, Path: o.Path, Stderr: f.IO.ErrOut,
		Decrypt: decryptFunc(f, "merge-driver"),
	})
	if code != 0 {
		return &cmdutil.ExitError{Code: code}
	}
	return nil
}

// SetupOptions are the flags of git setup.
type SetupOptions struct {
	Factory  *cmdutil.Factory
	Command  string   // how git starts helm-secrets; "": "helm secrets"
	Patterns []string // .gitattributes patterns; none: from .sops.yaml
}

// RunSetup registers the drivers in the repository's git config and
// .gitattributes.
func RunSetup(ctx context.Context, o *SetupOptions) error {
	f := o.Factory
	if err := gitsecrets.RunSetup(ctx, gitsecrets.SetupOptions{Command: o.Command, Patterns: o.Patterns, Stdout: f.IO.Out}); err != nil {
		return f.Errorf("git setup: %v", err)
	}
	return nil
}

// TextconvOptions are the argument of git textconv.
type TextconvOptions struct {
	Factory *cmdutil.Factory
	File    string
}

// RunTextconv prints File decrypted, for git diff.
func RunTextconv(ctx context.Context, o *TextconvOptions) error {
	f := o.Factory
	if err := gitsecrets.RunTextconv(ctx, gitsecrets.TextconvOptions{Engine: f.Engine, File: o.File, Stdout: f.IO.Out, Decrypt: decryptFunc(f, "textconv")}); err != nil {
		return reportError(f, err)
	}
	return nil
}

// DiffKeysOptions are the arguments of diff-keys.
type DiffKeysOptions struct {
	Factory *cmdutil.Factory
	Output  string   // text or json
	Args    []string // [REV..REV | REV] [PATH...]
}

// RunDiffKeys lists the key paths that changed between two commits.
func RunDiffKeys(ctx context.Context, o *DiffKeysOptions) error {
	f := o.Factory
	if o.Output != "text" && o.Output != "json" {
		return f.Errorf("diff-keys: --output must be text or json, not %q", o.Output)
	}
	if err := gitsecrets.RunDiffKeys(ctx, gitsecrets.DiffKeysOptions{
		Engine: f.Engine, Args: o.Args, JSON: o.Output == "json", Stdout: f.IO.Out, Stderr: f.IO.ErrOut,
		Decrypt: decryptFunc(f, "diff-keys"),
	}); err != nil {
		return reportError(f, err)
	}
	return nil
}

// decryptFunc decrypts for the git commands and writes the audit event of
// each decryption (HELM_SECRETS_AUDIT_LOG) before the plaintext is used; a
// failure to write it stops the command (gitsecrets.ErrStop).
func decryptFunc(f *cmdutil.Factory, command string) gitsecrets.DecryptFunc {
	return func(ctx context.Context, data []byte, format encrypt.Format, file string) ([]byte, error) {
		ctx, rec := f.KeyRecord(ctx)
		plain, err := f.Engine.Decrypt(ctx, data, format)
		if aerr := f.RecordDecrypt(command, file, rec, err); aerr != nil {
			return nil, fmt.Errorf("%w: %w", gitsecrets.ErrStop, aerr)
		}
		return plain, err
	}
}

// reportError reports an error of a git command, unless it was reported.
func reportError(f *cmdutil.Factory, err error) error {
	if errors.Is(err, cmdutil.ErrReported) {
		return cmdutil.ErrReported
	}
	return f.Errorf("%v", err)
}
