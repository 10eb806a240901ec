package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// The attack matrix: every attack of an attacker who can change
// repository files or a chart but holds no key, run against every entry
// point it can reach, with the built binaries (docs/security.md, "The
// attack matrix"). Each cell asserts what the security gate promises:
// the run is refused (or, where the input is legitimate, served without
// the attack taking effect), helm is not started with the attacker's
// input, and no canary reaches stdout, stderr, the audit log, helm's
// arguments or values, the disk, or a command's side effect; memory and
// time stay bounded (an address-space limit and a deadline).
//
// TestAttackMatrixCoversEveryInput fails when the plugin grows an input
// path (a command or a downloader protocol) that no cell reaches and no
// exemption explains.

// matrixEntries are the entry points a cell may name.
var matrixEntries = []string{
	"lean-wrapper",  // helm secrets template … (bin/helm-secrets-wrapper)
	"full-wrapper",  // the same through bin/helm-secrets
	"lean-getter",   // helm's downloader call of bin/helm-secrets-getter
	"downloader",    // bin/helm-secrets downloader
	"decrypt",       // helm secrets decrypt FILE
	"check",         // helm secrets check --no-decrypt FILE
	"post-renderer", // helm secrets post-renderer (manifests on stdin)
	"updatekeys",    // helm secrets updatekeys FILE
}

// matrixEnv is one cell's sandbox: a working directory, a TMPDIR, a
// fake helm that records its arguments and every values file it is given,
// an age key and an audit log.
type matrixEnv struct {
	dir, tmp, home string
	helmLog        string
	audit          string
	keys           *keys
	env            []string
}

// fakeHelmScript records argv and the content of each -f file, then
// prints a marker so a test sees it ran.
const fakeHelmScript = `#!/bin/sh
log="$FAKE_HELM_LOG"
printf 'ARGS %s\n' "$*" >>"$log"
while [ $# -gt 0 ]; do
  case "$1" in
    -f|--values) shift; printf 'FILE %s\n' "$1" >>"$log"; cat "$1" >>"$log" 2>/dev/null ;;
    --set-file) shift; f="${1#*=}"; cat "$f" >>"$log" 2>/dev/null ;;
  esac
  shift
done
echo fake-helm-ran
`

func newMatrixEnv(t *testing.T) *matrixEnv {
	t.Helper()
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	m := &matrixEnv{dir: t.TempDir(), tmp: t.TempDir(), home: t.TempDir(), keys: newKeys(t)}
	bin := t.TempDir()
	testenv.WriteFile(t, bin, "helm", fakeHelmScript)
	if err := chmodX(filepath.Join(bin, "helm")); err != nil {
		t.Fatal(err)
	}
	m.helmLog = filepath.Join(t.TempDir(), "helm.log")
	m.audit = filepath.Join(t.TempDir(), "audit.log")
	m.env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + m.home, "TMPDIR=" + m.tmp,
		"SOPS_AGE_KEY_FILE=" + m.keys.keyFile,
		"HELM_SECRETS_HELM_PATH=" + filepath.Join(bin, "helm"),
		"FAKE_HELM_LOG=" + m.helmLog,
		"HELM_SECRETS_AUDIT_LOG=" + m.audit,
	}
	testenv.WriteFile(t, m.dir, "chart/Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n")
	return m
}

// cellResult is what one run left behind.
type cellResult struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

// run starts a binary of the plugin (by name, next to pluginBin) in the
// sandbox under an address-space limit of 3 GiB and a one-minute deadline.
func (m *matrixEnv) run(t *testing.T, stdin string, extraEnv []string, name string, args ...string) cellResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bin := filepath.Join(filepath.Dir(pluginBin), name)
	cmd := exec.CommandContext(ctx, "prlimit", append([]string{"--as=3221225472", "--", bin}, args...)...)
	cmd.Dir = m.dir
	cmd.Env = append(append([]string(nil), m.env...), extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := cellResult{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %q did not end within a minute (stderr %q)", name, args, tail(r.stderr))
	}
	return r
}

// entry runs input through one entry point: file is a values file (or
// URL for the getters), set an extra --set argument for the wrappers.
func (m *matrixEnv) entry(t *testing.T, entry, file string, extraEnv []string) cellResult {
	t.Helper()
	switch entry {
	case "lean-wrapper":
		return m.run(t, "", extraEnv, "helm-secrets-wrapper", "template", "app", "./chart", "-f", file)
	case "full-wrapper":
		return m.run(t, "", extraEnv, "helm-secrets", "template", "app", "./chart", "-f", file)
	case "lean-getter":
		return m.run(t, "", extraEnv, "helm-secrets-getter", "", "", "", getterURL(file))
	case "downloader":
		return m.run(t, "", extraEnv, "helm-secrets", "downloader", "", "", "", getterURL(file))
	case "decrypt":
		return m.run(t, "", extraEnv, "helm-secrets", "decrypt", file)
	case "check":
		return m.run(t, "", extraEnv, "helm-secrets", "check", "--no-decrypt", file)
	case "updatekeys":
		return m.run(t, "", extraEnv, "helm-secrets", "updatekeys", file)
	case "post-renderer":
		// The chart's rendered manifests, which the attack writes.
		b, err := os.ReadFile(filepath.Join(m.dir, "manifests.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return m.run(t, string(b), extraEnv, "helm-secrets", "post-renderer")
	}
	t.Fatalf("unknown entry point %s", entry)
	return cellResult{}
}

func getterURL(file string) string {
	if strings.HasPrefix(file, "secrets") && strings.Contains(file, "://") {
		return file
	}
	return "secrets://" + file
}

func tail(s string) string {
	if len(s) > 600 {
		return "…" + s[len(s)-600:]
	}
	return s
}

// helmRan reports whether the fake helm started, and what it recorded.
func (m *matrixEnv) helmRan() (bool, string) {
	b, err := os.ReadFile(m.helmLog)
	return err == nil, string(b)
}

// assertNoCanary scans every place a secret must never reach.
func (m *matrixEnv) assertNoCanary(t *testing.T, r cellResult, canaries ...string) {
	t.Helper()
	_, helmSaw := m.helmRan()
	auditLog, _ := os.ReadFile(m.audit)
	for _, c := range canaries {
		for what, s := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "helm's arguments and values": helmSaw, "the audit log": string(auditLog)} {
			if strings.Contains(s, c) {
				t.Errorf("canary %q in %s", c, what)
			}
		}
		if hits := (&diskScan{dirs: []string{m.tmp, m.home}, known: map[string]fileStamp{}}).find(c); len(hits) > 0 {
			t.Errorf("canary %q on disk: %v", c, hits)
		}
	}
}

// attack is one attack: setup writes its files into the sandbox and
// returns the input to give each entry point and the canaries; check
// asserts the outcome beyond the shared canary scan.
type attack struct {
	name    string
	entries []string
	env     []string
	setup   func(t *testing.T, m *matrixEnv) (input string, canaries []string)
	// refused: the run must fail, name input in its error and not start
	// helm. Otherwise check decides.
	refused bool
	// names, when set, are what the refusal may name instead of the input
	// (a budget, a variable, a configuration file).
	names []string
	check func(t *testing.T, m *matrixEnv, entry string, r cellResult)
}

// billionLaughs is a plain YAML stream whose second document expands
// past a gigabyte when its aliases are resolved.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString("a: 1\n---\nl0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [*l%d,*l%d,*l%d,*l%d,*l%d,*l%d,*l%d,*l%d,*l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	return b.String()
}

// utf16LE re-encodes s as UTF-16 little endian with a byte order mark.
func utf16LE(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := []byte{0xff, 0xfe}
	for _, c := range u {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return out
}

const matrixCanary = "matrix-canary-7f3a91"

func attacks() []attack {
	return []attack{
		{
			name:    "nested vals reference runs a command",
			entries: []string{"full-wrapper", "lean-wrapper", "downloader", "lean-getter", "post-renderer"},
			refused: true,
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				pwned := filepath.Join(m.tmp, "pwned-by-input")
				testenv.WriteFile(t, m.dir, "vals.yaml", "password: ref+ref+echo://exec://touch/"+strings.TrimPrefix(pwned, "/")+"\n")
				testenv.WriteFile(t, m.dir, "manifests.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  k: ref+ref+echo://exec://touch/"+strings.TrimPrefix(pwned, "/")+"\n")
				return "vals!vals.yaml", nil
			},
		},
		{
			name:    "nested vals reference reads the age key",
			entries: []string{"full-wrapper", "downloader", "post-renderer"},
			refused: true,
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				testenv.WriteFile(t, m.dir, "vals.yaml", "password: ref+ref+echo://file://"+m.keys.keyFile+"\n")
				testenv.WriteFile(t, m.dir, "manifests.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  k: ref+ref+echo://file://"+m.keys.keyFile+"\n")
				return "vals!vals.yaml", []string{strings.TrimPrefix(m.keys.id.String(), "AGE-SECRET-KEY-1")}
			},
		},
		{
			// A plain file: the wrappers hand it to helm as it is (helm
			// reads plain values itself), the getter prints it as it is;
			// what must hold is that no entry point expands it.
			name:    "alias bomb in a later YAML document",
			entries: []string{"lean-wrapper", "full-wrapper", "lean-getter", "downloader", "decrypt", "check"},
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				testenv.WriteFile(t, m.dir, "bomb.yaml", billionLaughs())
				return "bomb.yaml", nil
			},
			check: func(t *testing.T, m *matrixEnv, entry string, r cellResult) {
				if r.elapsed > 10*time.Second {
					t.Errorf("took %s: the aliases were expanded?", r.elapsed)
				}
				if strings.Contains(r.stdout, "lollollol") || strings.Count(r.stdout, "lol") > 100 {
					t.Errorf("the aliases were expanded into the output")
				}
			},
		},
		{
			// An encrypted file the attacker extended with a bomb
			// document: every entry point that decrypts must refuse it,
			// in bounded time and memory.
			name:    "alias bomb appended to an encrypted file",
			entries: []string{"lean-wrapper", "full-wrapper", "lean-getter", "downloader", "decrypt"},
			refused: true,
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				enc := m.keys.encrypt(t, "password: "+matrixCanary+"\n", encrypt.FormatYAML)
				testenv.WriteFile(t, m.dir, "bomb.yaml", enc+strings.TrimPrefix(billionLaughs(), "a: 1\n"))
				return "bomb.yaml", []string{matrixCanary}
			},
		},
		{
			name:    "encrypted file re-encoded as UTF-16",
			entries: []string{"lean-wrapper", "full-wrapper", "lean-getter", "downloader", "decrypt"},
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				enc := m.keys.encrypt(t, "password: "+matrixCanary+"\n", encrypt.FormatYAML)
				if err := os.WriteFile(filepath.Join(m.dir, "utf16.yaml"), utf16LE(enc), 0o600); err != nil {
					t.Fatal(err)
				}
				return "utf16.yaml", nil
			},
			// Ciphertext never reaches helm as plain values: the run is
			// refused, or the values are decrypted.
			check: func(t *testing.T, m *matrixEnv, entry string, r cellResult) {
				_, saw := m.helmRan()
				for _, s := range []string{saw, r.stdout} {
					if strings.Contains(s, "ENC[AES256_GCM") || strings.Contains(s, "E\x00N\x00C\x00[") {
						t.Errorf("ciphertext handed on as plain values (exit %d)", r.code)
					}
				}
			},
		},
		{
			name:    "remote values URL with a password in the audit log",
			entries: []string{"downloader", "lean-getter", "full-wrapper"},
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				enc := m.keys.encrypt(t, "password: hunter2\n", encrypt.FormatYAML)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(enc)) }))
				t.Cleanup(srv.Close)
				return strings.Replace(srv.URL, "http://", "http://user:"+matrixCanary+"@", 1) + "/secrets.yaml", []string{matrixCanary}
			},
			check: func(t *testing.T, m *matrixEnv, entry string, r cellResult) {
				if r.code != 0 {
					t.Errorf("a legitimate remote file was refused: %d %s", r.code, tail(r.stderr))
				}
			},
		},
		func() attack {
			// A literal (secrets+literal://): it goes to helm as helm's
			// value (a bare ENC[...] without sops metadata is not
			// encrypted to the shell plugin either, and passes as it
			// is); neither it nor anything of it may reach the audit log
			// or a message.
			var lit string
			return attack{
				name:    "literal in the audit log",
				entries: []string{"downloader", "lean-getter"},
				setup: func(t *testing.T, m *matrixEnv) (string, []string) {
					enc := m.keys.encrypt(t, "password: "+matrixCanary+"\n", encrypt.FormatYAML)
					lit = strings.TrimSpace(strings.SplitN(strings.SplitN(enc, "password: ", 2)[1], "\n", 2)[0])
					return "secrets+literal://" + lit, nil
				},
				check: func(t *testing.T, m *matrixEnv, entry string, r cellResult) {
					auditLog, _ := os.ReadFile(m.audit)
					if r.code != 0 {
						t.Errorf("exit %d: %s", r.code, tail(r.stderr))
					}
					for _, c := range []string{lit, matrixCanary, "ENC["} {
						if strings.Contains(string(auditLog), c) || strings.Contains(r.stderr, c) {
							t.Errorf("%.20q… in the audit log or on stderr", c)
						}
					}
				},
			}
		}(),
		{
			name:    "remote values over the run's input budget",
			entries: []string{"full-wrapper"},
			refused: true,
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				big := strings.Repeat("k: "+strings.Repeat("x", 1000)+"\n", 30<<10) // ~30 MiB
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(big)) }))
				t.Cleanup(srv.Close)
				// helm's -f takes a comma list: three files of ~30 MiB.
				return srv.URL + "/a.yaml," + srv.URL + "/b.yaml," + srv.URL + "/c.yaml", nil
			},
			names: []string{"budget", "input"},
		},
		{
			name:    "URL variable expansion sends a credential",
			entries: []string{"downloader", "lean-getter"},
			env:     []string{"HELM_SECRETS_URL_VARIABLE_EXPANSION=true", "DATABASE_URL=postgres://u:" + matrixCanary + "@db/x"},
			refused: true,
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				var hits int
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
				t.Cleanup(func() {
					srv.Close()
					if hits > 0 {
						t.Errorf("the URL was fetched with the variable expanded (%d requests)", hits)
					}
				})
				return "secrets://" + srv.URL + "/${DATABASE_URL}.yaml", []string{matrixCanary}
			},
			names: []string{"DATABASE_URL"},
		},
		{
			name:    "huge path_regex in .sops.yaml",
			entries: []string{"check", "decrypt"},
			refused: true,
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				testenv.WriteFile(t, m.dir, ".sops.yaml", "creation_rules:\n  - path_regex: '"+strings.Repeat("(a|b)*", 150000)+"'\n    age: "+m.keys.id.Recipient().String()+"\n")
				testenv.WriteFile(t, m.dir, "s.yaml", m.keys.encrypt(t, "a: 1\n", encrypt.FormatYAML))
				return "s.yaml", nil
			},
			names: []string{".sops.yaml", "path_regex"},
			check: func(t *testing.T, m *matrixEnv, entry string, r cellResult) {
				if r.elapsed > 5*time.Second {
					t.Errorf("took %s", r.elapsed)
				}
			},
		},
		{
			// Argo CD mode adds nothing to helm's output: with redaction
			// on and a value too short to mask, no notice either.
			name:    "Argo CD mode stays silent",
			entries: []string{"lean-wrapper", "full-wrapper"},
			env:     []string{"ARGOCD_APP_NAME=app", "HELM_SECRETS_REDACT=true"},
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				testenv.WriteFile(t, m.dir, "short.yaml", m.keys.encrypt(t, "a: ab\nb: "+matrixCanary+"\n", encrypt.FormatYAML))
				return "short.yaml", nil
			},
			check: func(t *testing.T, m *matrixEnv, entry string, r cellResult) {
				if r.code != 0 || r.stderr != "" || r.stdout != "fake-helm-ran\n" {
					t.Errorf("helm's output changed in Argo CD mode: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
				}
			},
		},
		{
			name:    "backend script named by a values reference",
			entries: []string{"downloader", "lean-getter"},
			refused: true,
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				pwned := filepath.Join(m.tmp, "pwned-by-input")
				testenv.WriteFile(t, m.dir, "x.sh", "#!/bin/sh\ntouch "+pwned+"\n")
				if err := chmodX(filepath.Join(m.dir, "x.sh")); err != nil {
					t.Fatal(err)
				}
				testenv.WriteFile(t, m.dir, "f.yaml", "a: 1\n")
				return "secrets://./x.sh!f.yaml", nil
			},
		},
		{
			name:    "values path escapes the tree through a symlink (hardened)",
			entries: []string{"lean-wrapper", "full-wrapper", "lean-getter", "downloader"},
			env:     []string{"HELM_SECRETS_VALUES_ALLOW_SYMLINKS=false", "HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL=false", "HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH=false"},
			refused: true,
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				outside := testenv.WriteFile(t, t.TempDir(), "outside.yaml", m.keys.encrypt(t, "password: "+matrixCanary+"\n", encrypt.FormatYAML))
				if err := os.Symlink(outside, filepath.Join(m.dir, "link.yaml")); err != nil {
					t.Fatal(err)
				}
				return "link.yaml", []string{matrixCanary}
			},
		},
		{
			name:    "updatekeys follows a symlink out of the tree",
			entries: []string{"updatekeys"},
			refused: true,
			setup: func(t *testing.T, m *matrixEnv) (string, []string) {
				outsideDir := t.TempDir()
				outside := testenv.WriteFile(t, outsideDir, "outside.yaml", m.keys.encrypt(t, "password: x\n", encrypt.FormatYAML))
				attacker := testenv.AgeKey(t).Recipient().String()
				testenv.WriteFile(t, m.dir, ".sops.yaml", "creation_rules:\n  - age: "+attacker+"\n")
				if err := os.Symlink(outside, filepath.Join(m.dir, "link.yaml")); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if b, _ := os.ReadFile(outside); strings.Contains(string(b), attacker) {
						t.Errorf("the file outside the tree was re-keyed for the attacker's recipient")
					}
				})
				return "link.yaml", nil
			},
		},
	}
}

// TestAttackMatrix runs every attack against every entry point it names.
func TestAttackMatrix(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Fatalf("prlimit (util-linux) is needed to bound the runs' memory: %v", err)
	}
	cells := 0
	for _, a := range attacks() {
		for _, e := range a.entries {
			if !slices.Contains(matrixEntries, e) {
				t.Fatalf("%s names unknown entry point %s", a.name, e)
			}
			t.Run(a.name+"/"+e, func(t *testing.T) {
				cells++
				m := newMatrixEnv(t)
				input, canaries := a.setup(t, m)
				r := m.entry(t, e, input, a.env)
				if a.name == "remote values URL with a password in the audit log" {
					// helm receives the decrypted value (fake helm's log)
					// and the downloader prints it: only the audit log and
					// the messages are checked for the value.
					auditLog, _ := os.ReadFile(m.audit)
					for _, c := range []string{matrixCanary, "hunter2"} {
						if strings.Contains(string(auditLog), c) || strings.Contains(r.stderr, c) {
							t.Errorf("%q in the audit log or on stderr", c)
						}
					}
					if len(auditLog) == 0 {
						t.Errorf("no audit event for the remote file")
					}
					canaries = []string{matrixCanary}
					r.stdout = ""
					_ = os.Remove(m.helmLog)
				}
				m.assertNoCanary(t, r, canaries...)
				if a.refused {
					if r.code == 0 {
						t.Errorf("not refused: exit 0, stdout %q, stderr %q", tail(r.stdout), tail(r.stderr))
					}
					// The refusal names the file, or the backend script a
					// NAME! reference names, or (post-renderer) the manifest.
					names := []string{input}
					if i := strings.LastIndex(input, "!"); i >= 0 {
						names = []string{input[i+1:], strings.TrimPrefix(input[:i], "secrets://")}
					}
					if e == "post-renderer" {
						names = []string{"ConfigMap"}
					}
					if a.names != nil {
						names = a.names
					}
					if !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(r.stderr+r.stdout, n) }) {
						t.Errorf("the refusal names none of %q: %s", names, tail(r.stderr))
					}
					if ran, saw := m.helmRan(); ran {
						t.Errorf("helm started with the attacker's input: %s", tail(saw))
					}
				}
				if a.check != nil {
					a.check(t, m, e, r)
				}
				if matches, _ := filepath.Glob(filepath.Join(m.tmp, "pwned-*")); len(matches) > 0 {
					t.Errorf("a command named by the input ran: %v", matches)
				}
				if strings.Contains(r.stderr, "fatal error: out of memory") || strings.Contains(r.stderr, "goroutine ") {
					t.Errorf("crashed instead of refusing: %s", tail(r.stderr))
				}
			})
		}
	}
	t.Logf("attack matrix: %d attacks, %d cells", len(attacks()), cells)
}

// matrixExempt are the commands and protocols that read no input an
// attacker controls, or reach it only through an entry point the matrix
// runs; anything else new must be added to the matrix.
var matrixExempt = map[string]string{
	"encrypt":      "writes: its input is the user's own plaintext; the .sops.yaml rules it reads are bounded by the same reader as check's (limits)",
	"edit":         "runs the user's editor on a file the user names; decrypts through the same engine as decrypt",
	"rotate":       "re-keys through the same tree walk and path policy as updatekeys",
	"dir":          "prints the plugin directory",
	"patch":        "does nothing",
	"view":         "an alias of decrypt",
	"dec":          "an alias of decrypt",
	"enc":          "an alias of encrypt",
	"terraform":    "decrypt with terraform output",
	"clean":        "removes .dec files by name, reads none",
	"merge-driver": "git merge driver: decrypts base, ours and theirs through the engine decrypt uses",
	"git":          "git setup and textconv: through the engine decrypt uses",
	"diff-keys":    "decrypts through the engine decrypt uses and prints key paths only",
	"placement":    "reads rendered manifests from stdin and values files through the engine decrypt uses",
}

// matrixProtocols are the downloader protocols the matrix's getter cells
// reach, with how; TestAttackMatrixCoversEveryInput compares them with
// the manifests.
var matrixProtocols = map[string]string{
	"secrets":                       "every getter cell",
	"secrets+literal":               "same parser and gate as secrets:// (internal/remote/getter)",
	"secrets+age-import":            "key path checked by HELM_SECRETS_KEY_LOCATION_PREFIX (internal/remote/getter hardening tests)",
	"secrets+age-import-kubernetes": "key read from the API server (internal/remote/getter TestFetchKubernetesSecret)",
	"secrets+gpg-import":            "key path checked by HELM_SECRETS_KEY_LOCATION_PREFIX (internal/remote/getter hardening tests)",
	"secrets+gpg-import-kubernetes": "key read from the API server (internal/remote/getter TestFetchKubernetesSecret)",
}

// TestAttackMatrixCoversEveryInput: every command `helm secrets --help`
// lists is an entry point of the matrix or explained in matrixExempt, and
// every downloader protocol of the manifests is in matrixProtocols.
func TestAttackMatrixCoversEveryInput(t *testing.T) {
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	out, err := exec.Command(pluginBin, "--help").Output()
	if err != nil {
		t.Fatal(err)
	}
	cmds := regexp.MustCompile(`(?m)^  ([a-z][a-z-]+)\s{2,}`).FindAllStringSubmatch(string(out), -1)
	legacy := regexp.MustCompile(`(?m)^Legacy commands[^:]*: (.*)$`).FindStringSubmatch(string(out))
	var names []string
	for _, c := range cmds {
		names = append(names, c[1])
	}
	if legacy != nil {
		for _, n := range strings.Split(legacy[1], ",") {
			names = append(names, strings.TrimSpace(n))
		}
	}
	if len(names) < 8 {
		t.Fatalf("found only %q in --help", names)
	}
	for _, n := range names {
		if !slices.Contains(matrixEntries, n) && matrixExempt[n] == "" {
			t.Errorf("command %q reads input but is not in the attack matrix: add its cells (or an exemption with the reason)", n)
		}
	}
	for _, manifest := range []string{"plugin.yaml", "plugins/helm-secrets-getter/plugin.yaml"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, manifest))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range regexp.MustCompile(`(?m)^\s+- "?(secrets[a-z+-]*)"?\s*$`).FindAllStringSubmatch(string(b), -1) {
			if matrixProtocols[p[1]] == "" {
				t.Errorf("%s: protocol %s is not in the attack matrix", manifest, p[1])
			}
		}
	}
}
