// Package getter implements the downloader protocols that plain helm and
// Argo CD use through the secrets-getter plugin (secrets://,
// secrets+age-import://, secrets+age-import-kubernetes://,
// secrets+gpg-import://, secrets+gpg-import-kubernetes://,
// secrets+literal://): url.go parses their grammar, fetch.go resolves a
// URL to plaintext, keys.go, gpg.go and kube.go import the keys the
// key-import protocols name. It reads no environment: the plugin binary
// fills Options from the shell plugin's variables.
package getter
