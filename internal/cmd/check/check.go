// Package check is the check command: the repository's secrets files
// against .sops.yaml (internal/repo/check does the checking), reported as a
// table, JSON or SARIF, with its own exit codes.
package check

import (
	"context"
	"os"
	"path/filepath"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/repo/check"
)

// Options are the flags and paths of check.
type Options struct {
	Factory    *cmdutil.Factory
	Paths      []string // files or directories below the root; none: all
	Output     string   // table, json or sarif
	MaxAge     string   // --max-age: 90d, 2160h; "": no rotation check
	Heuristics bool     // --plaintext-heuristics
	AllowList  string   // --allow-list; "": DefaultAllowList in the root, if present
	NoDecrypt  bool     // --no-decrypt: structural checks only
	Root       string   // --root; "": the git work tree of the working directory, else it
}

// The exit codes of check (docs/check.md).
var (
	ErrFindings = &cmdutil.ExitError{Code: 1} // findings were reported
	ErrUsage    = &cmdutil.ExitError{Code: 2} // bad usage, or an I/O error stopped the check
)

// DefaultAllowList is the allow-list read from the root when --allow-list
// is not given.
const DefaultAllowList = ".helm-secrets-allowlist"

// Run checks the repository and writes the report on stdout.
func Run(ctx context.Context, o *Options) error {
	f := o.Factory
	usage := func(format string, args ...any) error {
		_ = f.Errorf(format, args...)
		return ErrUsage
	}
	opts := check.Options{Paths: o.Paths, Heuristics: o.Heuristics}
	switch o.Output {
	case "table", "json", "sarif":
	default:
		return usage("check: --output must be table, json or sarif, not %q", o.Output)
	}
	if o.MaxAge != "" {
		d, err := check.ParseAge(o.MaxAge)
		if err != nil {
			return usage("check: %v", err)
		}
		opts.MaxAge = d
	}
	base, err := os.Getwd()
	if err != nil {
		return usage("check: %v", err)
	}
	if o.Root != "" {
		base = o.Root
	}
	if opts.Root = check.GitRoot(ctx, "", base); opts.Root != "" {
		opts.InGit = true
	} else if opts.Root, err = filepath.Abs(base); err == nil {
		opts.Root, err = filepath.EvalSymlinks(opts.Root)
	}
	if err != nil {
		return usage("check: root %s: %v", base, err)
	}
	allow := o.AllowList
	if allow == "" {
		if st, err := os.Lstat(filepath.Join(opts.Root, DefaultAllowList)); err == nil && st.Mode().IsRegular() {
			allow = filepath.Join(opts.Root, DefaultAllowList)
		}
	}
	if allow != "" {
		if opts.Allow, err = check.LoadAllowList(allow); err != nil {
			return usage("check: %v", err)
		}
	}
	if !o.NoDecrypt && f.SopsBackend() {
		opts.Engine = f.Engine
	}
	f.Debugf("checking %s (git: %t)", opts.Root, opts.InGit)
	r, err := check.Run(ctx, opts)
	if err != nil {
		return usage("check: %v", err)
	}
	switch o.Output {
	case "json":
		err = check.WriteJSON(f.IO.Out, r)
	case "sarif":
		err = check.WriteSARIF(f.IO.Out, r, f.Version)
	default:
		err = check.WriteTable(f.IO.Out, r)
	}
	if err != nil {
		return usage("check: writing the report: %v", err)
	}
	f.Debugf("checked %d file(s) in %s", r.Files, r.Duration)
	if len(r.Findings) > 0 {
		return ErrFindings
	}
	return nil
}

// Usage is the help of check.
const Usage = `helm secrets [ OPTIONS ] check [ flags ] [ PATH... ]

Check a repository of secrets files

For every file a .sops.yaml creation rule with a path_regex matches, reports:
  not-encrypted     the file is not encrypted (error)
  malformed         its sops metadata is broken (error)
  mac-invalid       it decrypts with your key but its MAC does not verify
                    (error; without a key only the structure is checked)
  not-regular       a symbolic link or special file where a secret belongs;
                    never followed (error)
  too-large         over 32 MiB, not read (error)
  rule-error        the .sops.yaml cannot be used for the file (error)
  recipient-drift   its recipients differ from the rule, naming the added and
                    removed keys: run updatekeys (warning)
  rotation-due      with --max-age: its data key is older (warning)
  plaintext-secret  with --plaintext-heuristics: a value of an unencrypted
                    YAML/JSON file looks like a secret (warning)

PATHs are files or directories below the root (default: the whole tree). In a
git work tree the files are git's tracked and untracked ones that .gitignore
does not ignore; elsewhere every file below the root.

Flags:
  -o, --output table|json|sarif  report format (default table; sarif is SARIF 2.1.0)
      --max-age AGE              rotation due after AGE: days (90d) or a duration (2160h)
      --plaintext-heuristics     look for plaintext secrets in unencrypted values files
      --allow-list FILE          FILE or FILE:KEY glob lines the heuristics ignore
                                 (default: .helm-secrets-allowlist in the root)
      --no-decrypt               structural checks only, even when a key is available
      --root DIR                 repository root (default: the git work tree of the
                                 current directory, else the current directory)

Exit codes: 0 no findings, 1 findings, 2 usage or I/O error.

Example:
  $ helm secrets check --max-age 90d
  $ helm secrets check -o sarif > helm-secrets.sarif

`
