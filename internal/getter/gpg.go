package getter

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// gnupgHomePrefix names the private GNUPGHOMEs of key imports.
const gnupgHomePrefix = "helm-secrets-gnupg-"

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

// importGPG imports key into a fresh private GNUPGHOME (0700) and returns
// it with a cleanup that stops its gpg-agent and removes it.
func (o Options) importGPG(ctx context.Context, key []byte) (string, func(), error) {
	gpg := o.GPG
	if gpg == "" {
		gpg = "gpg"
	}
	gpgconf := o.GPGConf
	if gpgconf == "" {
		gpgconf = "gpgconf"
		// Prefer the gpgconf that belongs to the gpg in use.
		if p, err := exec.LookPath(gpg); err == nil {
			if c := filepath.Join(filepath.Dir(p), "gpgconf"); isExecutable(c) {
				gpgconf = c
			}
		}
	}
	// Homes whose getter died (SIGKILL, OOM) without removing them hold a
	// private key and may have an agent: remove them first.
	sweepStaleGnuPGHomes(gpgconf)
	home, err := os.MkdirTemp("", gnupgHomePrefix)
	if err != nil {
		return "", nil, err
	}
	unlock := lockHome(home)
	cleanup := func() {
		defer unlock()
		// Stop the agent (and any other daemon) of this home only, with a
		// fresh context: the caller's may be cancelled already.
		killAgent(gpgconf, home)
		_ = os.RemoveAll(home)
	}
	if err := os.Chmod(home, 0o700); err != nil {
		cleanup()
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, gpg, "--batch", "--no-permission-warning", "--quiet", "--homedir", home, "--import")
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

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}
