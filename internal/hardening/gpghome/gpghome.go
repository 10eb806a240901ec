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
)

// MaxKeySize caps a key file or a key read from a Secret.
const MaxKeySize = 1 << 20

// Import imports key into a fresh private GNUPGHOME and returns it with a
// cleanup that stops its gpg-agent and removes it. gpg and gpgconf are the
// binaries ("" means gpg, and the gpgconf next to it, else gpgconf).
func Import(ctx context.Context, gpg, gpgconf string, key []byte) (string, func(), error) {
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
	// Homes whose owner died (SIGKILL, OOM) without removing them hold a
	// private key and may have an agent: remove them first.
	sweepStaleHomes(gpgconf)
	home, err := os.MkdirTemp("", homePrefix)
	if err != nil {
		return "", nil, err
	}
	unlock := lockHome(home)
	release := func() {}
	cleanup := func() {
		defer unlock()
		// Stop the agent (and any other daemon) of this home only, with a
		// fresh context: the caller's may be cancelled already.
		killAgent(gpgconf, home)
		_ = os.RemoveAll(home)
		release()
	}
	if err := os.Chmod(home, 0o700); err != nil {
		cleanup()
		return "", nil, err
	}
	if Guard != nil {
		r, err := Guard(home, gpgconf)
		if err != nil {
			cleanup()
			return "", nil, fmt.Errorf("cannot start the guard process that removes the private GNUPGHOME if this run is killed: %w", err)
		}
		release = r
	}
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

// staleHomeAge: a home younger than this is never swept (its creator may
// not have locked it yet).
const staleHomeAge = time.Minute

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
func Load(ctx context.Context, gpg string, paths []string) (string, func(), error) {
	if len(paths) == 0 {
		return "", func() {}, nil
	}
	key, err := ReadKeyFiles(paths)
	if err != nil {
		return "", func() {}, err
	}
	defer clear(key)
	home, cleanup, err := Import(ctx, gpg, "", key)
	if err != nil {
		return "", func() {}, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %v", err)
	}
	return home, cleanup, nil
}
