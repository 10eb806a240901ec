//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestConcurrentWrapperAndGetter runs 8 wrappers (helm-secrets template with
// real helm) and 8 plain `helm template -f secrets://` (the getter) at
// once, on the same two encrypted files in the same working directory and
// TMPDIR, for several rounds (HELM_SECRETS_CONCURRENCY_ROUNDS, default 3):
// every run must render both secrets, every wrapper must have had its own
// private directory, and afterwards no private directory, process or
// plaintext file may be left.
func TestConcurrentWrapperAndGetter(t *testing.T) {
	const perKind = 8
	rounds := testenv.IntSetting(t, "HELM_SECRETS_CONCURRENCY_ROUNDS", 3, 1)
	h := helms(t)[0]
	h.setupGetter(t)
	k := newKeys(t)
	tmp, home := envValue(h.env, "TMPDIR"), envValue(h.env, "HOME")
	chartDir := copyChart(t, t.TempDir())
	pw, token := canary+"-conc-pw", canary+"-conc-token"
	testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+pw+"\n", encrypt.FormatYAML))
	testenv.WriteFile(t, h.work, "token.yaml", k.encrypt(t, "token: "+token+"\n", encrypt.FormatYAML))
	env := append(append([]string{}, h.env...), "SOPS_AGE_KEY_FILE="+k.keyFile, "HELM_SECRETS_HELM_PATH="+h.bin)
	scan := newDiskScan(tmp, h.work, chartDir, home)
	// The debug line shows the path each run served secrets.yaml at.
	served := regexp.MustCompile(`\[helm-secrets\] \[debug\] helm gets .* -f (\S+)/0/secrets\.yaml\.dec`)

	for round := range rounds {
		start := time.Now()
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			dirs = map[string]int{}
		)
		for i := range 2 * perKind {
			wrapper := i%2 == 0
			argv := []string{h.bin, "template", "rel", chartDir, "-f", "secrets://secrets.yaml", "-f", "secrets://" + filepath.Join(h.work, "token.yaml")}
			if wrapper {
				argv = []string{pluginBin, "template", "rel", chartDir, "-f", "secrets.yaml", "-f", "token.yaml"}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(argv[0], argv[1:]...)
				cmd.Dir, cmd.Env = h.work, append(env, "HELM_SECRETS_DEBUG=1")
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				what := fmt.Sprintf("round %d, run %d (wrapper %t)", round, i, wrapper)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("%s: %v\n%s", what, err, stderr.String())
					return
				}
				for _, want := range []string{`password: "` + pw + `"`, `token: "` + token + `"`} {
					if !strings.Contains(stdout.String(), want) {
						t.Errorf("%s: output lacks %s:\n%s", what, want, stdout.String())
					}
				}
				if strings.Contains(stderr.String(), canary) {
					t.Errorf("%s: secret on stderr: %s", what, stderr.String())
				}
				if wrapper {
					m := served.FindStringSubmatch(stderr.String())
					if m == nil {
						t.Errorf("%s: no debug line with the served path: %s", what, stderr.String())
						return
					}
					dirs[m[1]]++
				}
			}()
		}
		wg.Wait()
		for d, n := range dirs {
			if n > 1 {
				t.Errorf("round %d: %d wrappers shared the private directory %s", round, n, d)
			}
		}
		if len(dirs) != perKind && !t.Failed() {
			t.Errorf("round %d: %d distinct private directories for %d wrappers", round, len(dirs), perKind)
		}
		if left, _ := filepath.Glob(filepath.Join(tmp, "helm-secrets-*")); len(left) > 0 {
			t.Errorf("round %d: private directories left: %q", round, left)
		}
		if hits := scan.find(canary); len(hits) > 0 {
			t.Errorf("round %d: plaintext on disk: %q", round, hits)
		}
		if left := testenv.LiveProcesses(chartDir); len(left) > 0 {
			t.Errorf("round %d: processes left: %q", round, left)
		}
		t.Logf("round %d: %d wrappers + %d getter runs at once: %v", round, perKind, perKind, time.Since(start).Round(time.Millisecond))
	}
}
