package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestFormatFromContentSopsCLI: files the sops CLI encrypted, renamed so
// that the extension disagrees with the content, decrypt (with decrypt,
// in the wrapper and with the secrets:// downloader) to exactly what `sops --decrypt` prints when told
// the real format; and files we encrypted and renamed decrypt with sops
// given that format, so the content really is what we say it is.
func TestFormatFromContentSopsCLI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake helm is a shell script")
	}
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", testenv.WriteFile(t, t.TempDir(), "keys.txt", id.String()+"\n"))
	dir := t.TempDir()
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
	// fake helm prints the values files it is given.
	fake := testenv.WriteFile(t, dir, "fake-helm.sh", "#!/bin/sh\nwhile [ $# -gt 0 ]; do\n  if [ \"$1\" = -f ]; then cat \"$2\"; shift; fi\n  shift\ndone\n")
	if err := os.Chmod(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HELM_SECRETS_HELM_PATH", fake)
	t.Setenv("HELM_SECRETS_QUIET", "true")

	for _, tc := range []struct {
		name, encryptAs, renameTo, format, plain string
	}{
		{"yaml named .json", "values.yaml", "yaml-named.json", "yaml", "password: hunter2\nnested:\n    a: 1\n"},
		{"binary named .yaml", "values.bin", "binary-named.yaml", "binary", "password: from-binary\n\n"},
		{"binary named .yml", "values.bin", "binary-named.yml", "binary", "token: t0k3n\n"},
		{"json named .yaml", "values.json", "json-named.yaml", "json", "{\n\t\"password\": \"hunter2\"\n}\n"},
		{"dotenv named .yaml", "values.env", "dotenv-named.yaml", "dotenv", "PASSWORD=hunter2\n"},
		{"yaml named .env", "values.yaml", "yaml-named.env", "yaml", "password: hunter2\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := t.TempDir()
			testenv.WriteFile(t, sub, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
			// By sops, under the name that says the format, then renamed.
			testenv.WriteFile(t, sub, tc.encryptAs, tc.plain)
			sopsRun(t, sops, sub, "--encrypt", "--in-place", tc.encryptAs)
			bySops := filepath.Join(sub, "sops-"+tc.renameTo)
			if err := os.Rename(filepath.Join(sub, tc.encryptAs), bySops); err != nil {
				t.Fatal(err)
			}
			want := string(sopsRun(t, sops, sub, "--decrypt", "--input-type", tc.format, "--output-type", tc.format, filepath.Base(bySops)))
			if want != tc.plain && tc.format != "yaml" {
				t.Fatalf("sops -d gives %q, want %q", want, tc.plain)
			}
			files := []string{bySops}
			// By us, likewise (not binary: our encrypt keeps a YAML
			// mapping YAML whatever the name, as the shell plugin did).
			if tc.format == "binary" {
				checkFormatFromContent(t, files, want)
				return
			}
			testenv.WriteFile(t, sub, tc.encryptAs, tc.plain)
			if _, stderr, code := runCLI(t, "", "encrypt", "-i", filepath.Join(sub, tc.encryptAs)); code != 0 {
				t.Fatalf("our encrypt: %s", stderr)
			}
			byUs := filepath.Join(sub, "us-"+tc.renameTo)
			if err := os.Rename(filepath.Join(sub, tc.encryptAs), byUs); err != nil {
				t.Fatal(err)
			}
			if got := string(sopsRun(t, sops, sub, "--decrypt", "--input-type", tc.format, "--output-type", tc.format, filepath.Base(byUs))); got != want {
				t.Fatalf("sops -d of our %s file: %q, want %q", tc.format, got, want)
			}
			checkFormatFromContent(t, append(files, byUs), want)
		})
	}
}

// checkFormatFromContent decrypts each file with decrypt and through the
// wrapper (whose fake helm prints the values files it gets).
func checkFormatFromContent(t *testing.T, files []string, want string) {
	t.Helper()
	for _, p := range files {
		stdout, stderr, code := runCLI(t, "", "decrypt", p)
		if code != 0 || stdout != want {
			t.Fatalf("decrypt %s: exit %d, %q, want %q\n%s", filepath.Base(p), code, stdout, want, stderr)
		}
		stdout, stderr, code = runCLI(t, "", "template", "chart", "-f", p)
		if code != 0 || stdout != want || strings.Contains(stdout, "ENC[") {
			t.Fatalf("wrapper -f %s: exit %d, helm got %q, want %q\n%s", filepath.Base(p), code, stdout, want, stderr)
		}
		stdout, stderr, code = runCLI(t, "", "downloader", "", "", "", "secrets://"+p)
		if code != 0 || stdout != want {
			t.Fatalf("downloader secrets://%s: exit %d, %q, want %q\n%s", filepath.Base(p), code, stdout, want, stderr)
		}
	}
}
