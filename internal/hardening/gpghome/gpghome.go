package gpghome

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
	"github.com/helm-secrets/helm-secrets/internal/hardening/privdir"
)

// MaxKeySize caps a key file or a key read from a Secret.
const MaxKeySize = 1 << 20

// Options configure Import and Load.
type Options struct {
	// GPG and GPGConf are the binaries ("" means gpg, and the gpgconf next
	// to it, else gpgconf).
	GPG, GPGConf string
	// GuardExecutable returns the binary that runs the guard process of
	// the home (privdir): the plugin's binary, whose main passes Kind() to
	// privdir.GuardMain. Nil: no guard (the SDK).
	GuardExecutable func() (string, error)
}

// Kind is the private directory of a key import, for privdir: named
// helm-secrets-gnupg-..., guarded by `helm-secrets __gpg-guard HOME
// GPGCONF` (the guard needs PATH to find gpgconf), and its daemons stopped
// (gpgconf --kill all) before it is removed.
func Kind() privdir.Kind {
	return privdir.Kind{
		Prefix:   homePrefix,
		Command:  "__gpg-guard",
		Operands: 1,
		Env:      []string{"PATH"},
		Clean:    func(home string, operands []string) { killAgent(operands[0], home) },
	}
}

// Import imports key into a fresh private GNUPGHOME and returns it with a
// cleanup that stops its gpg-agent and removes it. With
// o.GuardExecutable, a guard process removes it if this process dies
// first; a guard that cannot start fails the import, since the promise
// that no private key outlives the run rests on it.
func Import(ctx context.Context, o Options, key []byte) (string, func(), error) {
	gpg, gpgconf := o.GPG, o.GPGConf
	if gpg == "" {
		gpg = "gpg"
	}
	if gpgconf == "" {
		gpgconf = "gpgconf"
		// Prefer the gpgconf that belongs to the gpg in use.
		if p, err := exec.LookPath(gpg); err == nil {
			if c := filepath.Join(filepath.Dir(p), "gpgconf"); isExecutable(c) {
				gpgconf = c
			}
		}
	}
	// privdir.New first removes the homes whose owner died (SIGKILL, OOM)
	// with its guard: they hold a private key and may have an agent.
	dir, err := privdir.New(privdir.Options{Kind: Kind(), Operands: []string{gpgconf}, Executable: o.GuardExecutable})
	var gerr *privdir.GuardError
	if errors.As(err, &gerr) {
		return "", nil, fmt.Errorf("cannot start the guard process that removes the private GNUPGHOME if this run is killed: %w", gerr.Err)
	}
	if err != nil {
		return "", nil, err
	}
	home := dir.Path()
	// Stops the agent (and any other daemon) of this home only, with a
	// fresh context (the caller's may be cancelled already), and removes it.
	cleanup := dir.Close
	cmd := exec.CommandContext(ctx, gpg, "--batch", "--no-permission-warning", "--quiet", "--homedir", home, "--import")
	// The kernel kills gpg when we die (even by SIGKILL), so it stops
	// writing into a home the guard is removing.
	lifecycle.Child(cmd)
	cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
	cmd.Stdin = bytes.NewReader(key)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("gpg --import: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return home, cleanup, nil
}

// homePrefix names the private GNUPGHOMEs of key imports.
const homePrefix = "helm-secrets-gnupg-"

// killAgent stops the daemons of a GNUPGHOME.
func killAgent(gpgconf, home string) {
	kctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(kctx, gpgconf, "--homedir", home, "--kill", "all")
	cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
	_ = cmd.Run()
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// ReadKeyFiles reads HELM_SECRETS_LOAD_GPG_KEYS: files, and the regular
// files directly inside directories, concatenated (gpg imports them all).
func ReadKeyFiles(paths []string) ([]byte, error) {
	var all []byte
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			files = nil
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %w", err)
			}
			for _, e := range entries {
				if e.Type().IsRegular() {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			b, err := ReadKeyFile(f)
			if err != nil {
				return nil, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %w", err)
			}
			all = append(append(all, b...), '\n')
			clear(b)
		}
	}
	return all, nil
}

// ReadKeyFile reads a key file: a regular file (a FIFO or device must not
// block the run) of at most MaxKeySize bytes.
func ReadKeyFile(p string) ([]byte, error) {
	b, err := bounds.ReadFile(p, MaxKeySize)
	if errors.Is(err, bounds.ErrTooLarge) {
		return nil, fmt.Errorf("key file %s: over %d bytes", p, MaxKeySize)
	}
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return b, nil
}

// Load reads the LoadGPGKeys list and imports it (nothing to do: "" and a
// no-op cleanup). The returned cleanup is never nil.
func Load(ctx context.Context, o Options, paths []string) (string, func(), error) {
	if len(paths) == 0 {
		return "", func() {}, nil
	}
	key, err := ReadKeyFiles(paths)
	if err != nil {
		return "", func() {}, err
	}
	defer clear(key)
	home, cleanup, err := Import(ctx, o, key)
	if err != nil {
		return "", func() {}, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %v", err)
	}
	return home, cleanup, nil
}
