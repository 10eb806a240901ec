// Command helm-secrets-getter is the downloader of the secrets-getter
// plugin: Helm runs it once per secrets:// file, as
// `helm-secrets-getter CERT KEY CA URL`.
//
// Helm starts one process per file, so start-up time is the getter's cost.
// This binary links only age, YAML and the standard library (a few
// milliseconds to start, where the full helm-secrets binary links sops and
// the Helm SDK and needs ~70 ms). It decrypts the common case itself: a
// local secrets:// YAML file whose data key is wrapped for age, with the
// age identities of the environment (internal/lean/sopslite, MAC verified,
// output byte for byte that of `sops --decrypt`). Every other case, and
// every failure, is handed unchanged to `helm-secrets downloader` next to
// it, which gives the authoritative output or error: this binary never
// prints an error of its own for a value it could not decrypt.
package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/foundation/version"
	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
	"github.com/helm-secrets/helm-secrets/internal/hardening/nodump"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/lean/fastpath"
	"github.com/helm-secrets/helm-secrets/internal/lean/handoff"
	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
)

func main() {
	// End with Helm: a stopped render stops us (and, across the exec, the
	// full downloader, which binds itself again).
	lifecycle.BindToParent()
	// No core dump and no same-user ptrace of a process holding plaintext.
	_ = nodump.NotDumpable()
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-v") {
		os.Stdout.WriteString(version.String() + "\n")
		return
	}
	if out, ok := fastPath(os.Args[1:]); ok {
		if _, err := os.Stdout.Write(out); err != nil {
			os.Exit(1)
		}
		return
	}
	// Every other case is the full downloader's, unchanged.
	code, err := handoff.Exec("helm-secrets", append([]string{"downloader"}, os.Args[1:]...))
	if err != nil {
		fmt.Fprintf(os.Stderr, "[helm-secrets] cannot start helm-secrets downloader: %v\n", err)
	}
	os.Exit(code)
}

// fastPath returns the plaintext when this binary can produce exactly what
// the full downloader would, and false otherwise.
func fastPath(args []string) ([]byte, bool) {
	if len(args) != 4 {
		return nil, false
	}
	path, ok := strings.CutPrefix(args[3], "secrets://")
	// "?" (ignore missing), NAME! (backend) and URLs are the full
	// downloader's.
	if !ok || path == "" || path[0] == '?' || strings.ContainsAny(path, "!") || strings.Contains(path, "://") {
		return nil, false
	}
	if !fastpath.Allows(fastpath.Getter, os.Environ()) || pathpolicy.FromEnv().Check(path) != nil || !fastpath.IsYAMLPath(path) {
		return nil, false
	}
	data, ok := fastpath.ReadFile(path)
	if !ok {
		return nil, false
	}
	fastpath.PaceGC(int64(len(data)))
	ids := sopslite.EnvIdentities()
	out, ok := fastpath.DecryptYAML(path, data, ids)
	if !ok {
		return nil, false
	}
	// HELM_SECRETS_AUDIT_LOG: the event before the plaintext goes out; if
	// it cannot be written, the full binary gives the error.
	if err := recordAudit(path, data, ids); err != nil {
		return nil, false
	}
	return out, true
}

// recordAudit writes the audit event of a fast-path decryption
// (internal/foundation/audit) when HELM_SECRETS_AUDIT_LOG is set. The keys named are
// the recipients of the available age identities that the file lists.
func recordAudit(path string, data []byte, ids []age.Identity) error {
	l, err := audit.Open(settings.Load().AuditLog)
	if err != nil || !l.Enabled() {
		return err
	}
	defer l.Close()
	var keys []string
	ours, _ := sopslite.Recipients(ids)
	for r := range ours {
		if bytes.Contains(data, []byte(r)) {
			keys = append(keys, "age "+r)
		}
	}
	slices.Sort(keys)
	return l.RecordLocal("decrypt", "getter", "secrets://"+path, path, keys, nil)
}
