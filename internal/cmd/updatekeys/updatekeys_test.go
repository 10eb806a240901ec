package updatekeys

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// A recipient added to .sops.yaml: the file is re-keyed in place, the
// change named by public key, and a second run has nothing to do.
func TestUpdateKeys(t *testing.T) {
	e := cmdtest.New(t, "sops")
	file := e.Encrypted(t, "secrets.yaml", "password: hunter2\n")
	second := testenv.AgeKey(t).Recipient().String()
	testenv.WriteFile(t, e.Dir, ".sops.yaml", "creation_rules:\n  - age: "+e.Identity.Recipient().String()+","+second+"\n")

	if err := Run(context.Background(), &Options{Factory: e.F, File: file}); err != nil {
		t.Fatalf("updatekeys: %v; stderr %q", err, e.ErrOut)
	}
	want := "[helm-secrets] " + file + ": added age " + second + "\n[helm-secrets] " + file + ": keys updated\n"
	if e.ErrOut.String() != want || e.Out.Len() != 0 {
		t.Fatalf("stderr %q, want %q; stdout %q", e.ErrOut, want, e.Out)
	}
	data, _ := os.ReadFile(file)
	if !strings.Contains(string(data), second) || e.Decrypt(t, data) != "password: hunter2\n" {
		t.Fatalf("file not re-keyed:\n%s", data)
	}

	e.ErrOut.Reset()
	if err := Run(context.Background(), &Options{Factory: e.F, File: file}); err != nil {
		t.Fatal(err)
	}
	if want := "[helm-secrets] " + file + ": keys already up to date\n"; e.ErrOut.String() != want {
		t.Fatalf("second run: %q", e.ErrOut)
	}
}

// The tree form in a dry run reports the change and writes nothing.
func TestUpdateKeysTreeDryRun(t *testing.T) {
	e := cmdtest.New(t, "sops")
	file := e.Encrypted(t, "d/secrets.yaml", "a: b\n")
	before, _ := os.ReadFile(file)
	second := testenv.AgeKey(t).Recipient().String()
	testenv.WriteFile(t, e.Dir, ".sops.yaml", "creation_rules:\n  - age: "+e.Identity.Recipient().String()+","+second+"\n")

	if err := RunTree(context.Background(), &TreeOptions{Factory: e.F, Paths: []string{"d"}, DryRun: true}); err != nil {
		t.Fatalf("%v; stderr %q", err, e.ErrOut)
	}
	want := "[helm-secrets] d/secrets.yaml: added age " + second + "\n" +
		"[helm-secrets] d/secrets.yaml: keys would be updated\n" +
		"[helm-secrets] updatekeys: 1 file(s) would be updated (dry run: nothing written), 0 unchanged, 0 failed, 0 skipped (not encrypted)\n"
	if e.ErrOut.String() != want {
		t.Fatalf("stderr:\n%s\nwant:\n%s", e.ErrOut, want)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatal("dry run wrote the file")
	}
}
