package main

import "os"

// The edit guard removes edit's private directory (the decrypted temporary
// file, and whatever the editor put next to it: swap, backup, .save files)
// when helm-secrets dies without doing it itself: SIGKILL, the OOM killer,
// a crash. It is a second process, `helm-secrets __edit-guard DIR`, started
// before any plaintext is written, in its own session (a signal sent to our
// process group does not reach it) and ignoring the catchable signals. It
// reads our pid reports of the editor from a pipe whose write end only we
// hold; end-of-file means we are gone, whatever the cause. It then waits
// for the editor to stop (on Linux the editor gets SIGTERM when we die;
// elsewhere the guard sends it), at most editorStopWait, and removes the
// directory. Both processes hold a shared flock on the directory, so a later
// run can tell an abandoned one (lock free) from a live one and sweep it.

const (
	// editGuardCommand is the guard's hidden command word.
	editGuardCommand = "__edit-guard"
	// editDirPrefix names edit's private temporary directories.
	editDirPrefix = "helm-secrets-edit-"
)

// editGuardMain runs the guard when args are its command line and reports
// whether they were.
func editGuardMain(args []string) (int, bool) {
	if len(args) != 2 || args[0] != editGuardCommand {
		return 0, false
	}
	return runEditGuard(args[1], os.Stdin), true
}
