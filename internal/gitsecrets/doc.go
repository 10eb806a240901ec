// Package gitsecrets makes Git work with SOPS-encrypted files: a merge
// driver that merges the decrypted structure of three versions key by key
// and writes the result encrypted again (conflicts included, as encrypted
// strings holding conflict markers), a textconv filter for readable diffs,
// a key-level diff that never prints a value, and the setup that registers
// them in a repository.
//
// Each command has an options struct and a Run function; cmd/helm-secrets
// only parses arguments. Nothing decrypted is ever written to disk: the
// three versions are decrypted, merged and re-encrypted in memory.
package gitsecrets
