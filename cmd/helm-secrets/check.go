package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/repo/check"
)

// checkOptions are the flags of check.
type checkOptions struct {
	output     string
	maxAge     string
	heuristics bool
	allowList  string
	noDecrypt  bool
	root       string
}

// The exit codes of check (docs/check.md).
var (
	errCheckFindings = &exitError{code: 1} // findings were reported
	errCheckUsage    = &exitError{code: 2} // bad usage, or an I/O error stopped the check
)

// defaultAllowList is the allow-list read from the root when --allow-list
// is not given.
const defaultAllowList = ".helm-secrets-allowlist"

func newCheckCmd(a *app) *cobra.Command {
	o := &checkOptions{}
	c := &cobra.Command{
		Use:   "check [flags] [PATH...]",
		Short: "Check the repository's secrets files against .sops.yaml",
		RunE: func(c *cobra.Command, args []string) error {
			return a.runCheck(c, o, args)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.output, "output", "o", "table", "output format: table, json or sarif")
	f.StringVar(&o.maxAge, "max-age", "", "report data keys last rotated longer ago (90d, 2160h)")
	f.BoolVar(&o.heuristics, "plaintext-heuristics", false, "report plaintext values in unencrypted YAML/JSON files that look like secrets")
	f.StringVar(&o.allowList, "allow-list", "", "allow-list for --plaintext-heuristics (default: "+defaultAllowList+" in the root, if present)")
	f.BoolVar(&o.noDecrypt, "no-decrypt", false, "structural checks only: never decrypt to verify MACs")
	f.StringVar(&o.root, "root", "", "repository root (default: the git work tree of the current directory, else the current directory)")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "sarif"}, cobra.ShellCompDirectiveNoFileComp))
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, checkUsage) })
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		_ = a.errorf("check: %v (see: helm secrets check --help)", err)
		return errCheckUsage
	})
	return c
}

func (a *app) runCheck(c *cobra.Command, o *checkOptions, paths []string) error {
	usage := func(format string, args ...any) error {
		_ = a.errorf(format, args...)
		return errCheckUsage
	}
	opts := check.Options{Paths: paths, Heuristics: o.heuristics}
	switch o.output {
	case "table", "json", "sarif":
	default:
		return usage("check: --output must be table, json or sarif, not %q", o.output)
	}
	if o.maxAge != "" {
		d, err := check.ParseAge(o.maxAge)
		if err != nil {
			return usage("check: %v", err)
		}
		opts.MaxAge = d
	}
	base, err := os.Getwd()
	if err != nil {
		return usage("check: %v", err)
	}
	if o.root != "" {
		base = o.root
	}
	if opts.Root = check.GitRoot(c.Context(), "", base); opts.Root != "" {
		opts.InGit = true
	} else if opts.Root, err = filepath.Abs(base); err == nil {
		opts.Root, err = filepath.EvalSymlinks(opts.Root)
	}
	if err != nil {
		return usage("check: root %s: %v", base, err)
	}
	allow := o.allowList
	if allow == "" {
		if st, err := os.Lstat(filepath.Join(opts.Root, defaultAllowList)); err == nil && st.Mode().IsRegular() {
			allow = filepath.Join(opts.Root, defaultAllowList)
		}
	}
	if allow != "" {
		if opts.Allow, err = check.LoadAllowList(allow); err != nil {
			return usage("check: %v", err)
		}
	}
	if !o.noDecrypt && a.sopsBackend() {
		opts.Engine = a.engine
	}
	a.debugf("checking %s (git: %t)", opts.Root, opts.InGit)
	r, err := check.Run(c.Context(), opts)
	if err != nil {
		return usage("check: %v", err)
	}
	switch o.output {
	case "json":
		err = check.WriteJSON(a.streams.Stdout, r)
	case "sarif":
		err = check.WriteSARIF(a.streams.Stdout, r, version)
	default:
		err = check.WriteTable(a.streams.Stdout, r)
	}
	if err != nil {
		return usage("check: writing the report: %v", err)
	}
	a.debugf("checked %d file(s) in %s", r.Files, r.Duration)
	if len(r.Findings) > 0 {
		return errCheckFindings
	}
	return nil
}

const checkUsage = `helm secrets [ OPTIONS ] check [ flags ] [ PATH... ]

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
