// Package gpghome imports PGP keys into a private, temporary GNUPGHOME
// (0700) for one run, and removes every trace of it afterwards: its
// gpg-agent is stopped and the folder deleted. The getter uses it for
// secrets+gpg-import://, and every command for HELM_SECRETS_LOAD_GPG_KEYS.
package gpghome
