//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const leakCanary = "CANARY-leak-e41a"

// debugModes are the environments a leak test runs each case under: none,
// each debug switch alone (docs/cli.md, environment variables: HELM_SECRETS_DEBUG set
// to anything, HELM_DEBUG=1|true as `helm --debug` sets it), and everything
// at once with sops' own verbose log (-a --verbose).
var debugModes = [][]string{
	nil,
	{"HELM_SECRETS_DEBUG=1"},
	{"HELM_DEBUG=1"},
	{"HELM_DEBUG=true", "HELM_SECRETS_DEBUG=true", "HELM_SECRETS_BACKEND_ARGS=--verbose"},
}

// TestNoSecretInErrorsOrDebugOutput runs the helm-secrets binary on broken
// encrypted files whose plaintext holds a canary (wrong key, tampered MAC,
// value, IV-less truncated value, truncated file, bad YAML after the sops
// block, a value whose plaintext is invalid for its type) and on invalid
// plaintext holding the canary (encrypt, and edit with an editor that saves
// invalid content), through decrypt, view, decrypt -i, edit, rotate,
// updatekeys, the wrapper (real helm, with helm's --debug) and the
// downloader, under every debug switch: every run must fail, and neither
// stdout nor stderr may hold the canary. Successful runs with debug on
// must print the secret only where it is the requested output.
func TestNoSecretInErrorsOrDebugOutput(t *testing.T) {
	bin, err := exec.LookPath("helm-secrets") // installed by testscript.Main
	if err != nil {
		t.Fatalf("helm-secrets test command not on PATH (testscript.Main installs it): %v", err)
	}
	helm3 := testenv.Tool(t, "HELM3_BIN", "helm")
	testenv.Isolate(t)
	dir, control := t.TempDir(), t.TempDir()
	id, other := testenv.AgeKey(t), testenv.AgeKey(t)
	keyFile := testenv.WriteFile(t, control, "key.txt", id.String()+"\n")
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - age: "+id.Recipient().String()+"\n")
	chart := filepath.Join(dir, "chart")
	testenv.WriteFile(t, chart, "Chart.yaml", "apiVersion: v2\nname: leak\nversion: 0.1.0\n")
	testenv.WriteFile(t, chart, "templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n  keys: {{ keys .Values | sortAlpha | join \",\" | quote }}\n")

	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	enc := func(plain string, f encrypt.Format, to *age.X25519Identity) string {
		out, err := eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: f, Recipients: &encrypt.Recipients{Age: []string{to.Recipient().String()}}})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	plainYAML := "user: admin\npassword: " + leakCanary + "\nport: 8080\n"
	good := enc(plainYAML, encrypt.FormatYAML, id)
	goodEnv := enc("USER=admin\nPASSWORD="+leakCanary+"\n", encrypt.FormatDotenv, id)
	goodJSON := enc(`{"user": "admin", "password": "`+leakCanary+`"}`, encrypt.FormatJSON, id)
	pwLine := regexp.MustCompile(`(?m)^password: ENC\[AES256_GCM,data:([^,]+),iv:([^,]+),tag:([^,]+),type:str\]`)
	m := pwLine.FindStringSubmatch(good)
	if m == nil {
		t.Fatal("no password line")
	}
	flip := func(s string) string {
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	macData := regexp.MustCompile(`mac: ENC\[AES256_GCM,data:([^,]+)`).FindStringSubmatch(good)[1]
	retype := func(typ string) string {
		return strings.Replace(good, m[0], strings.Replace(m[0], "type:str", "type:"+typ, 1), 1)
	}
	broken := map[string]string{
		"wrong key.yaml":       enc(plainYAML, encrypt.FormatYAML, other),
		"mac.yaml":             strings.Replace(good, macData, flip(macData), 1),
		"value.yaml":           strings.Replace(good, m[1], flip(m[1]), 1),
		"iv.yaml":              strings.Replace(good, m[2], flip(m[2]), 1),
		"truncated value.yaml": strings.Replace(good, m[0], "password: ENC[AES256_GCM,data:"+m[1][:len(m[1])/2], 1),
		"truncated file.yaml":  good[:len(good)*2/3],
		"yaml after sops.yaml": good + "extra: [unclosed\n  - " + leakCanary + "\n",
		"type int.yaml":        retype("int"),
		"type float.yaml":      retype("float"),
		"type bool.yaml":       retype("bool"),
		"type bytes.yaml":      retype("bytes"),
		"tampered.env":         strings.Replace(goodEnv, "PASSWORD=ENC[AES256_GCM,data:", "PASSWORD=ENC[AES256_GCM,data:AA", 1),
		"truncated.json":       goodJSON[:len(goodJSON)/2],
	}
	// Invalid plaintext holding the canary, for encrypt and edit.
	invalidPlain := map[string]string{
		"anchor.yaml":   "password: *" + leakCanary + "\n",
		"quote.yaml":    "user: admin\npassword: \"" + leakCanary + "\n",
		"noequals.env":  "USER=admin\n" + leakCanary + "\n",
		"badvalue.json": `{"password": ` + leakCanary + `}`,
		"badkey.ini":    "[s]\n" + leakCanary + "\n",
	}

	type run struct {
		name    string
		args    []string
		env     []string
		modes   []int // indexes into debugModes
		anyExit bool  // success is no failure to close (updatekeys only rewraps the data key)
		wantOK  bool
		stdoutS bool // the secret is the requested output on stdout
	}
	var runs []run
	for i, name := range slices.Sorted(maps.Keys(broken)) {
		p := testenv.WriteFile(t, dir, name, broken[name])
		// Each input without debug and with one of the debug switches.
		modes := []int{0, 1 + i%(len(debugModes)-1)}
		for _, args := range [][]string{
			{"decrypt", p}, {"view", p}, {"edit", p},
			{"template", "leak", chart, "--debug", "-f", p},
			{"downloader", "", "", "", "secrets://" + p},
		} {
			runs = append(runs, run{name: name + ": " + args[0], args: args, modes: modes})
		}
		if i%4 == 0 {
			for _, args := range [][]string{{"decrypt", "-i", p}, {"rotate", p}, {"updatekeys", p}} {
				runs = append(runs, run{name: name + ": " + strings.Join(args[:len(args)-1], " "), args: args, modes: []int{len(debugModes) - 1}, anyExit: args[0] == "updatekeys"})
			}
		}
	}
	for i, name := range slices.Sorted(maps.Keys(invalidPlain)) {
		p := testenv.WriteFile(t, dir, name, invalidPlain[name])
		modes := []int{0, 1 + i%(len(debugModes)-1)}
		runs = append(runs, run{name: name + ": encrypt", args: []string{"encrypt", p}, modes: modes},
			run{name: name + ": encrypt -i", args: []string{"encrypt", "-i", p}, modes: modes})
		// edit: an editor that saves the invalid text into a good file.
		target := testenv.WriteFile(t, dir, "edit-"+name, enc(map[string]string{
			".yaml": plainYAML, ".env": "USER=admin\n", ".json": `{"user": "admin"}`, ".ini": "[s]\nuser = admin\n",
		}[filepath.Ext(name)], encrypt.FormatFromPath(name), id))
		editor := testenv.WriteFile(t, control, "editor-"+name+".sh", "#!/bin/sh\ncat '"+p+"' > \"$1\"\n")
		if err := os.Chmod(editor, 0o755); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run{name: name + ": edit", args: []string{"edit", target}, env: []string{"EDITOR=" + editor}, modes: modes})
	}
	// Runs that succeed, with everything on: the secret may only be the
	// requested output.
	okFile := testenv.WriteFile(t, dir, "ok.yaml", good)
	all := []int{len(debugModes) - 1}
	runs = append(runs,
		run{name: "ok: decrypt", args: []string{"decrypt", okFile}, modes: all, wantOK: true, stdoutS: true},
		run{name: "ok: downloader", args: []string{"downloader", "", "", "", "secrets://" + okFile}, modes: all, wantOK: true, stdoutS: true},
		run{name: "ok: template", args: []string{"template", "leak", chart, "--debug", "-f", okFile}, modes: all, wantOK: true},
		run{name: "ok: lint", args: []string{"lint", chart, "-f", okFile}, modes: all, wantOK: true},
		run{name: "ok: edit", args: []string{"edit", okFile}, env: []string{"EDITOR=sed -i s/admin/root/"}, modes: all, wantOK: true},
	)

	base := append(os.Environ(), "EDITOR=false", "SOPS_AGE_KEY_FILE="+keyFile, "HELM_SECRETS_HELM_PATH="+helm3,
		"TMPDIR="+t.TempDir(), "HOME="+os.Getenv("HOME"))
	var mu sync.Mutex
	total, debugLines := 0, 0
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, r := range runs {
		for _, mode := range r.modes {
			dbg := debugModes[mode]
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				cmd := exec.Command(bin, r.args...)
				cmd.Dir = dir
				cmd.Env = append(append(append([]string{}, base...), dbg...), r.env...)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				what := fmt.Sprintf("%s (env %q)", r.name, dbg)
				mu.Lock()
				defer mu.Unlock()
				total++
				if strings.Contains(stderr.String(), "[debug]") {
					debugLines++
				} else if dbg != nil {
					t.Errorf("%s: debug on, but no [debug] line:\n%s", what, stderr.String())
				}
				switch {
				case r.wantOK && err != nil:
					t.Errorf("%s: %v\n%s", what, err, stderr.String())
				case !r.wantOK && !r.anyExit && err == nil:
					t.Errorf("%s: succeeded, want a failure\n%s%s", what, stdout.String(), stderr.String())
				}
				if strings.Contains(stderr.String(), leakCanary) {
					t.Errorf("%s: the secret is on stderr:\n%s", what, stderr.String())
				}
				if !r.stdoutS && strings.Contains(stdout.String(), leakCanary) {
					t.Errorf("%s: the secret is on stdout:\n%s", what, stdout.String())
				}
			}()
		}
	}
	wg.Wait()
	t.Logf("%d runs (%d broken encrypted inputs, %d invalid plaintexts, %d debug modes); %d printed debug lines; canary in no error or debug output", total, len(broken), len(invalidPlain), len(debugModes), debugLines)
}
