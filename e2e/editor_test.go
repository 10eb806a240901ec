package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// sedEditor writes an editor script, outside the working directory, that
// replaces the sed pattern from with to in the file it is given and
// records that it ran. It returns the EDITOR setting and the record's
// path (present once the editor ran).
func sedEditor(t *testing.T, from, to string) (editor, ran string) {
	t.Helper()
	dir := t.TempDir()
	ran = filepath.Join(dir, "ran")
	script := testenv.WriteFile(t, dir, "editor.sh",
		"#!/bin/sh\ntouch '"+ran+"'\nout=$(sed 's/"+from+"/"+to+"/' \"$1\") && printf '%s\\n' \"$out\" > \"$1\"\n")
	if err := chmodX(script); err != nil {
		t.Fatal(err)
	}
	return "EDITOR=" + script, ran
}

// wrappedKeyLine is a key group entry's wrapped data key ("enc:" below
// "sops:"; encrypted values are "ENC[...]").
var wrappedKeyLine = regexp.MustCompile(`(?m)^\s+enc: .*$`)

// wrappedKeys are the wrapped data keys of an encrypted YAML file, in
// order: equal before and after an edit when the data key and its
// recipients stayed.
func wrappedKeys(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := wrappedKeyLine.FindAllString(string(b), -1)
	if len(m) == 0 {
		t.Fatalf("no wrapped data key in %s:\n%s", path, b)
	}
	return strings.Join(m, "\n")
}
