package encrypt

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (wrapped, with the file name and key sources) by
// the engine. Test for them with errors.Is.
var (
	// ErrNotEncrypted means the input has no SOPS metadata.
	ErrNotEncrypted = errors.New("not encrypted with sops")
	// ErrAlreadyEncrypted means Encrypt was given a file that already has SOPS metadata.
	ErrAlreadyEncrypted = errors.New("already encrypted")
	// ErrMalformed means the input claims to be SOPS-encrypted but its
	// structure or metadata cannot be parsed (truncated, hand-edited, corrupted).
	ErrMalformed = errors.New("malformed sops file")
	// ErrMACMismatch means the values were decrypted but the file's message
	// authentication code does not match them: the file was tampered with.
	ErrMACMismatch = errors.New("MAC mismatch: the file was modified after encryption")
	// ErrTampered means an encrypted value failed authentication (AES-GCM)
	// under the file's data key: the value, its IV or tag was modified.
	ErrTampered = errors.New("encrypted value failed authentication: the file was modified after encryption")
	// ErrNoKey means none of the file's master keys could decrypt the data key.
	ErrNoKey = errors.New("no key could decrypt the data key")
	// ErrUnauthenticated means Options.Strict refused a value the MAC does
	// not cover (an empty value, or an unencrypted one with
	// mac_only_encrypted): anyone could have added or changed it.
	ErrUnauthenticated = errors.New("strict: a value is not authenticated by the MAC")
	// ErrTooLarge means the input exceeds Options.MaxInputSize.
	ErrTooLarge = errors.New("input exceeds the size limit")
	// ErrNoRecipients means there is nothing to encrypt to: no matching
	// .sops.yaml creation rule, no explicit recipients and no SOPS_* recipient variables.
	ErrNoRecipients = errors.New("no recipients: add a creation rule to .sops.yaml or pass recipients")
	// ErrNoCreationRule means a .sops.yaml exists but none of its creation
	// rules matches the file. It wraps ErrNoRecipients.
	ErrNoCreationRule = fmt.Errorf("%w: no matching creation rules found", ErrNoRecipients)
	// ErrInvalidContent means the plaintext could not be parsed in its format.
	ErrInvalidContent = errors.New("invalid content")
	// ErrInternal wraps a panic recovered from the sops library.
	ErrInternal = errors.New("internal error in the sops library")
)
