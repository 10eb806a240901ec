// Package encrypt is an in-process SOPS engine: it encrypts, decrypts,
// edits, rotates and re-keys SOPS documents (YAML, JSON, dotenv, INI and
// binary) in memory, with age, PGP, GCP KMS and every other key type sops
// supports, and stays byte-compatible with the sops CLI in both directions.
//
// Most programs need three calls:
//
//	eng := encrypt.New(encrypt.Options{})             // keys from the environment, like sops
//	plain, err := eng.DecryptFile(ctx, "secrets.yaml") // MAC always verified
//	enc, err := eng.Encrypt(ctx, plain, encrypt.EncryptOptions{Path: "secrets.yaml"}) // .sops.yaml rules
//
// Keys can be injected instead of read from the environment
// (Options.Keys): age identities as parsed values (ParseAgeIdentities), a
// GnuPG home directory, and GCP KMS client options (a token source,
// credentials JSON, gRPC dial options). With Keys.NoEnvironment set, the
// engine never looks at SOPS_AGE_* variables or the home directory.
//
// Decryption fails closed: a file whose values, IVs, tags or MAC were
// modified, a file with missing or broken metadata, a key that does not
// match, and an input over Options.MaxInputSize all return an error (see the
// Err* values) and no plaintext. Error messages name the file and the key
// types tried, never secret material. Panics inside the sops library are
// recovered into ErrInternal, and sops' own log output is discarded unless
// SetSopsLog routes it somewhere.
//
// DecryptFiles decrypts many files concurrently, so key-service round trips
// (KMS, gpg-agent) overlap. Edit keeps the data key and the ciphertext of
// unchanged values, so re-encrypted files diff well in git.
//
// Importing sops has process-wide side effects worth knowing: its audit
// package reads /etc/sops/audit.yaml at start-up, and its loggers are
// global.
package encrypt
