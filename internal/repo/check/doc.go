// Package check audits a repository of SOPS files against its .sops.yaml
// creation rules: files a rule says must be encrypted but are not, files
// whose metadata is broken or whose MAC does not verify, recipients that
// drifted from the rules, data keys older than a maximum age and,
// optionally, plaintext values that look like secrets. It is the engine of
// `helm secrets check` (docs/check.md).
//
// Every input is untrusted: files are read only when regular (never
// through a symbolic link), up to a size cap, and only below the root.
package check
