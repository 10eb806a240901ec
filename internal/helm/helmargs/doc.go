// Package helmargs reads and rewrites the values sources of a helm
// command line (-f/--values lists, --set-file pairs, --set, --set-string
// and --set-json values) the way helm's own flag parser splits them, and
// helm's --set backslash escapes. It holds the plugin's one table of
// helm's flags (flags.go: names, value-taking, masking, values sources,
// the flags we rewrite or that make helm print values), which every
// reader of helm's command line asks. It depends on the standard library
// only, so the lean wrapper (cmd/helm-secrets-wrapper) and the full one
// (internal/helm/wrapper) share it.
package helmargs
