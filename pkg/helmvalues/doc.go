// Package helmvalues is the Helm-version-independent core of the SDK
// packages (pkg/helm for Helm 3, pkg/helm4 for Helm 4): Merge combines
// values sources (files, URLs, --set, --set-string, --set-json,
// --set-literal, --set-file) with exactly Helm's precedence, decrypting
// SOPS-encrypted files and literals in memory with a pkg/encrypt Engine.
// It depends on no Helm SDK: the caller supplies its Helm's strvals parser
// (literals.Parser, ready-made in literals/helm3 and literals/helm4) and
// getters (Resolver).
//
// Most programs use pkg/helm or pkg/helm4, which wire both in; use this
// package to merge values for a Helm-compatible tool of your own. It sits
// between the engine and the SDKs: it imports pkg/encrypt and nothing of
// the plugin's internals above it.
package helmvalues
