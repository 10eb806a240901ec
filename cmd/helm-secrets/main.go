// Command helm-secrets is the helm-secrets Helm plugin: a drop-in
// replacement for the shell plugin jkroepke/helm-secrets that runs SOPS in
// process and never writes decrypted values to disk.
//
//	helm secrets [ OPTIONS ] encrypt|decrypt|edit|rotate|updatekeys|dir|patch FILE
//	helm secrets [ OPTIONS ] <helm command> [ helm args ]
//
// See docs/cli.md for every command, option, variable and exit code.
package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/edit"
	hsversion "github.com/helm-secrets/helm-secrets/internal/foundation/version"
	"github.com/helm-secrets/helm-secrets/internal/hardening/gpghome"
	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
	"github.com/helm-secrets/helm-secrets/internal/hardening/nodump"
	"github.com/helm-secrets/helm-secrets/internal/hardening/privdir"
)

// version is the plugin version: internal/foundation/version, the one source of it.
var version = hsversion.String()

func main() {
	args := os.Args[1:]
	if code, ok := privdir.GuardMain(args, edit.Kind(), gpghome.Kind()); ok {
		os.Exit(code)
	}
	// Not a guard (those outlive us on purpose): end with our parent. Helm
	// stopping a render (a timeout, Argo CD) must stop its downloader.
	lifecycle.BindToParent()
	// No core file of a process holding plaintext (inherited by helm and
	// the editor, which hold it too). Commands other than the wrapper also
	// become non-dumpable (runMain).
	_ = nodump.LimitCore()
	notDumpable = nodump.NotDumpable
	// Helm runs <plugin dir>/plugin.complete for dynamic completion; when
	// that is a link to this binary, behave as `helm-secrets __complete`.
	// A copy named helm-secrets-getter (installs without the lean getter
	// binary) is the downloader, as cmd/helm-secrets-getter is.
	switch strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") {
	case "plugin.complete":
		args = append([]string{cobra.ShellCompRequestCmd}, args...)
	case "helm-secrets-getter":
		args = append([]string{"downloader"}, args...)
	}
	os.Exit(run(args, IOStreams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
