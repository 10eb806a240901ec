package literals

import "github.com/helm-secrets/helm-secrets/internal/helm/helmargs"

// SplitUnescaped splits s on sep where sep is not escaped with a backslash
// (helmargs.SplitUnescaped).
func SplitUnescaped(s string, sep byte) []string { return helmargs.SplitUnescaped(s, sep) }

// Unescape removes helm's --set backslash escapes (helmargs.Unescape).
func Unescape(s string) string { return helmargs.Unescape(s) }

// Escape escapes a --set-file path or value for helm's parser
// (helmargs.Escape).
func Escape(s string) string { return helmargs.Escape(s) }
