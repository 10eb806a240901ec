// Package sopslite decrypts the common kind of sops file without the sops
// library: YAML whose data key is wrapped for age. It exists for the lean
// getter (cmd/helm-secrets-getter), which Helm starts once per file and
// which must therefore start in milliseconds; linking sops costs ~70 ms of
// package initialisation.
//
// It mirrors, step by step, what sops does for such a file (its YAML
// store, metadata, data-key lookup, AES-GCM values, MAC and emitter) and
// returns exactly what `sops --decrypt` prints, or ErrUnsupported and no
// output for anything it does not handle identically and for every
// failure, so that the caller hands the file to the full engine, which
// gives the authoritative result:
//
//	out, err := sopslite.DecryptYAML(data, sopslite.EnvIdentities())
//	if err != nil {
//		// use pkg/encrypt (or `helm-secrets downloader`) instead
//	}
package sopslite
