package main

import (
	"os"

	"github.com/helm-secrets/helm-secrets/internal/hardening/privdir"
)

// editKind is edit's private directory (privdir): the decrypted temporary
// file, and whatever the editor puts next to it (swap, backup, .save
// files), guarded by `helm-secrets __edit-guard DIR`.
func editKind() privdir.Kind {
	return privdir.Kind{Prefix: "helm-secrets-edit-", Command: "__edit-guard"}
}

// guardExecutable is the binary the guard runs (tests replace it).
var guardExecutable = os.Executable
