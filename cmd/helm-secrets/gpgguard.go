package main

import (
	"os"

	"github.com/helm-secrets/helm-secrets/internal/hardening/gpghome"
)

// The gpg guard removes the private GNUPGHOME of a key import (the private
// key, and the socket of its gpg-agent) when helm-secrets dies without
// doing it itself: SIGKILL, the OOM killer, a crash. As the edit guard
// (editguard.go), it is a second process, `helm-secrets __gpg-guard HOME
// GPGCONF`, started before the key is imported, in its own session and
// ignoring the catchable signals; it waits for end-of-file on a pipe whose
// write end only we hold (gpghome.RunGuard).

// gpgGuardCommand is the guard's hidden command word.
const gpgGuardCommand = "__gpg-guard"

// gpgGuardMain runs the guard when args are its command line and reports
// whether they were.
func gpgGuardMain(args []string) (int, bool) {
	if len(args) != 3 || args[0] != gpgGuardCommand {
		return 0, false
	}
	ignoreGuardSignals()
	return gpghome.RunGuard(args[1], args[2], os.Stdin), true
}
