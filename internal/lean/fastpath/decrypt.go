package fastpath

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"filippo.io/age"
	"go.yaml.in/yaml/v3"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/lean/delivery/boundary"
	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
)

// MaxInputSize is the full engine's default cap on one file
// (encrypt.DefaultMaxInputSize), MaxTotalInputSize on all the files of a
// run (encrypt.DefaultMaxTotalInputSize).
const (
	MaxInputSize      = 32 << 20
	MaxTotalInputSize = bounds.MaxRunInput
)

// IsYAMLPath reports whether path names a YAML file by its extension, the
// only files DecryptYAMLFile takes.
func IsYAMLPath(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// ReadFile reads a local values file the way the engine does: a regular
// file (a FIFO does not block: the open is non-blocking) under the cap,
// nested no deeper than the engine accepts. ok is false for anything else.
func ReadFile(path string) (data []byte, ok bool) {
	data, err := bounds.ReadFile(path, MaxInputSize)
	if err != nil || bounds.CheckYAMLDepth(data) != nil {
		return nil, false
	}
	return data, true
}

// DecryptYAML decrypts data, read from the YAML file path, when the fast
// path gives exactly what the engine gives: a document whose data key is
// wrapped for one of ids, with no .sops.yaml stores section for path, MAC
// verified (internal/lean/sopslite). With HELM_SECRETS_STRICT=true the engine's
// Options.Strict check applies. ok is false in every other case, and for
// every failure: the caller hands the case to the full binary, whose error
// is authoritative.
func DecryptYAML(path string, data []byte, ids []age.Identity) (plain []byte, ok bool) {
	if StoresConfigured(path) {
		return nil, false
	}
	return DecryptYAMLChecked(data, ids)
}

// DecryptYAMLChecked is DecryptYAML for a file whose StoresConfigured the
// caller has checked (false).
func DecryptYAMLChecked(data []byte, ids []age.Identity) (plain []byte, ok bool) {
	if len(ids) == 0 {
		return nil, false
	}
	out, err := sopslite.Options{Strict: settings.Load().Strict}.DecryptYAML(data, ids)
	// The delivery boundary's check: ciphertext left in the output (a
	// bug, or input sops decrypts to more ciphertext) goes to the full
	// binary, which refuses it naming the file.
	if err != nil || boundary.Check("", out) != nil {
		return nil, false
	}
	return out, true
}

// StoresConfigured reports whether the .sops.yaml that applies to path
// (the one the engine would use) has a stores section, which changes sops'
// output format, or cannot be read.
func StoresConfigured(path string) bool {
	conf := sopslite.ConfigFileFor(path)
	if conf == "" {
		return false
	}
	b, err := bounds.ReadConfig(conf)
	if err != nil {
		return true
	}
	var c map[string]any
	if err := yaml.Unmarshal(b, &c); err != nil {
		return true
	}
	_, has := c["stores"]
	return has
}

// largeInput is the input size above which PaceGC collects more often.
const largeInput = 4 << 20

// PaceGC makes the garbage collector run at 50 % heap growth instead of
// 100 % when the files a lean binary decrypts total more than 4 MiB and
// GOGC is not set: the YAML trees of a large file are the process's peak
// memory, which this lowers by a fifth (a 15 MiB encrypted file: 105
// instead of 135 MiB) for 15-30 % more time (docs/performance.md). Small
// inputs never start a collection, so they are not affected.
func PaceGC(total int64) {
	if total > largeInput && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}
