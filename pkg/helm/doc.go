// Package helm runs Helm with SOPS-encrypted values: it rewrites a helm
// command line so that encrypted values files and literals reach helm
// decrypted without ever touching the disk, serves the secrets:// getter
// protocols, and selects secret backends.
package helm
