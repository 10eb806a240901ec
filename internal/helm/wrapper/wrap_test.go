package wrapper_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const canary = "CANARY-wrap-9b7e1c"

// The test binary doubles as a fake helm and as a wrapper process.
func TestMain(m *testing.M) {
	switch os.Getenv("HELM_SECRETS_TEST_MODE") {
	case "fakehelm":
		os.Exit(fakeHelm(os.Args[1:]))
	case "wrapper":
		os.Exit(wrapperMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeHelm records its start, reads every values source twice (as helm
// plugins and `helm lint` may), prints them, optionally waits, and exits
// with FAKE_HELM_EXIT.
func fakeHelm(args []string) int {
	if f := os.Getenv("FAKE_HELM_STARTED"); f != "" {
		fh, _ := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		fmt.Fprintf(fh, "%d\n", os.Getpid())
		fh.Close()
	}
	var paths []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			i = len(args)
		case (a == "-f" || a == "--values") && i+1 < len(args):
			i++
			paths = append(paths, strings.Split(args[i], ",")...)
		case strings.HasPrefix(a, "--values="):
			paths = append(paths, strings.Split(strings.TrimPrefix(a, "--values="), ",")...)
		case strings.HasPrefix(a, "-f") && !strings.HasPrefix(a, "--"):
			paths = append(paths, strings.Split(strings.TrimPrefix(strings.TrimPrefix(a, "-f"), "="), ",")...)
		case a == "--set-file" && i+1 < len(args):
			i++
			for _, kv := range strings.Split(args[i], ",") {
				_, p, _ := strings.Cut(kv, "=")
				paths = append(paths, p)
			}
		}
	}
	fmt.Printf("args: %s\n", strings.Join(args, " "))
	for _, p := range paths {
		if strings.Contains(p, "://") {
			continue
		}
		a, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Error: open %s: %v\n", p, err)
			return 1
		}
		b, _ := os.ReadFile(p)
		if !bytes.Equal(a, b) {
			fmt.Fprintf(os.Stderr, "Error: second read of %s differs\n", p)
			return 1
		}
		fmt.Printf("--- %s\n%s\n", filepath.Base(p), a)
	}
	fmt.Fprintln(os.Stderr, "fake helm stderr line")
	if f := os.Getenv("FAKE_HELM_READY"); f != "" {
		_ = os.WriteFile(f+".tmp", []byte(strconv.Itoa(os.Getpid())), 0o600)
		_ = os.Rename(f+".tmp", f)
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(f + ".go"); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	code, _ := strconv.Atoi(os.Getenv("FAKE_HELM_EXIT"))
	return code
}

func wrapperMain(args []string) int {
	code, _, err := wrap(context.Background(), wrapper.Options{
		Helm: os.Args[0], Args: args,
		Backends: backend.Selector{Engine: encrypt.New(encrypt.Options{})},
		Env:      append(os.Environ(), "HELM_SECRETS_TEST_MODE=fakehelm"),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "[helm-secrets] %v\n", err)
		return 1
	}
	return code
}

type fixture struct {
	t       *testing.T
	id      *age.X25519Identity
	eng     *encrypt.Engine
	dir     string // working dir holding values files
	tmp     string // TMPDIR for the run: pipe directories land here
	control string // fake helm's control files: never scanned
}

func newFixture(t *testing.T) *fixture {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	f := &fixture{t: t, id: id, dir: t.TempDir(), tmp: t.TempDir(), control: t.TempDir(),
		eng: encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})}
	t.Setenv("TMPDIR", f.tmp)
	return f
}

func (f *fixture) encrypted(name, plain string, format encrypt.Format) string {
	f.t.Helper()
	enc, err := f.eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: format, Recipients: &encrypt.Recipients{Age: []string{f.id.Recipient().String()}}})
	if err != nil {
		f.t.Fatal(err)
	}
	if name == "" {
		return string(enc)
	}
	return testenv.WriteFile(f.t, f.dir, name, string(enc))
}

// wrap prepares and runs one helm command, as the plugin does; it returns
// the decrypted sources Prepare reported.
func wrap(ctx context.Context, o wrapper.Options) (int, []string, error) {
	r, err := wrapper.Prepare(ctx, o)
	if err != nil {
		return 1, nil, err
	}
	code, err := r.Exec(ctx)
	return code, r.Decrypted(), err
}

func (f *fixture) wrap(ctx context.Context, env []string, args ...string) (int, string, string, error) {
	code, _, out, errOut, err := f.wrapDecrypted(ctx, env, args...)
	return code, out, errOut, err
}

func (f *fixture) wrapDecrypted(ctx context.Context, env []string, args ...string) (int, []string, string, string, error) {
	var out, errb bytes.Buffer
	code, decrypted, err := wrap(ctx, wrapper.Options{
		Helm: os.Args[0], Args: args,
		Backends: backend.Selector{Engine: f.eng},
		Stdout:   &out, Stderr: &errb,
		Env: append(append(os.Environ(), "HELM_SECRETS_TEST_MODE=fakehelm",
			"FAKE_HELM_STARTED="+filepath.Join(f.control, "started")), env...),
	})
	return code, decrypted, out.String(), errb.String(), err
}

func (f *fixture) helmStarted() bool {
	_, err := os.Stat(filepath.Join(f.control, "started"))
	return err == nil
}

func TestWrapDeliversDecryptedValues(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	f.encrypted("secrets.yaml", "password: "+canary+"\n", encrypt.FormatYAML)
	f.encrypted("sub/secrets.yaml", "other: "+canary+"-2\n", encrypt.FormatYAML)
	f.encrypted("cert.pem", "-----BEGIN-----\n"+canary+"-cert\n", encrypt.FormatBinary)
	testenv.WriteFile(t, f.dir, "plain.yaml", "plain: yes\n")
	literal := f.encrypted("", canary+"-literal", encrypt.FormatBinary)
	escaped := setEscape(literal)

	code, decrypted, out, errOut, err := f.wrapDecrypted(context.Background(), nil,
		"template", "chart",
		"-f", "secrets.yaml,plain.yaml", "--values=sub/secrets.yaml", "-fsecrets.yaml",
		"-f", "?missing.yaml", "--set-file", "tls.crt=cert.pem",
		"--set", "a=1,pw="+escaped+",b=2", "--set-string", "only="+escaped,
	)
	if err != nil || code != 0 {
		t.Fatalf("code %d err %v\nstderr: %s\nstdout: %s", code, err, errOut, out)
	}
	for _, want := range []string{
		"--- secrets.yaml.dec\npassword: " + canary + "\n",
		"--- secrets.yaml.dec\nother: " + canary + "-2\n",
		"--- plain.yaml\nplain: yes\n",
		"--- cert.pem.dec\n-----BEGIN-----\n" + canary + "-cert\n",
		"--- missing.yaml.dec\n\n",
		"--- literal-pw.dec\n" + canary + "-literal\n",
		"--- literal-only.dec\n" + canary + "-literal\n",
		" --set a=1,b=2 ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "args: ") && strings.Contains(strings.SplitN(out, "\n", 2)[0], canary) {
		t.Errorf("plaintext in helm's argv: %s", strings.SplitN(out, "\n", 2)[0])
	}
	if strings.Contains(out, "--set-string") {
		t.Errorf("an emptied --set-string should be dropped: %s", strings.SplitN(out, "\n", 2)[0])
	}
	// Every decrypted file is reported, in argument order, and nothing else.
	if want := []string{"secrets.yaml", "sub/secrets.yaml", "secrets.yaml", "cert.pem"}; !slices.Equal(decrypted, want) {
		t.Errorf("Decrypted() = %q, want %q", decrypted, want)
	}
	// The wrapper prints nothing of its own: stderr is helm's.
	if errOut != "fake helm stderr line\n" {
		t.Errorf("stderr is not helm's alone:\n%s", errOut)
	}
	assertNoLeftovers(t, f.tmp)
}

func TestWrapExitCode(t *testing.T) {
	f := newFixture(t)
	p := f.encrypted("secrets.yaml", "a: b\n", encrypt.FormatYAML)
	var out, errb bytes.Buffer
	code, _, err := wrap(context.Background(), wrapper.Options{
		Helm: os.Args[0], Args: []string{"lint", "-f", p},
		Backends: backend.Selector{Engine: f.eng}, Stdout: &out, Stderr: &errb,
		Env: append(os.Environ(), "HELM_SECRETS_TEST_MODE=fakehelm", "FAKE_HELM_EXIT=3"),
	})
	if err != nil || code != 3 {
		t.Fatalf("code %d err %v, want helm's exit code 3; stderr %s", code, err, errb.String())
	}
	if errb.String() != "fake helm stderr line\n" {
		t.Fatalf("the wrapper printed more than helm's stderr: %q", errb.String())
	}
}

func TestWrapFailsClosedBeforeHelmStarts(t *testing.T) {
	f := newFixture(t)
	good := f.encrypted("good.yaml", "a: "+canary+"\n", encrypt.FormatYAML)
	enc, _ := os.ReadFile(good)
	tampered := testenv.WriteFile(t, f.dir, "tampered.yaml", strings.Replace(string(enc), "a: ENC[AES256_GCM,data:", "a: ENC[AES256_GCM,data:AA", 1))
	other := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{testenv.AgeKey(t)}, NoEnvironment: true}})
	wrongKey, _ := other.Encrypt(context.Background(), []byte("x: y\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{testenv.AgeKey(t).Recipient().String()}}})
	wrong := testenv.WriteFile(t, f.dir, "wrong.yaml", string(wrongKey))

	cases := map[string]struct {
		args []string
		want []string
		is   error
	}{
		"tampered":     {[]string{"install", "x", "c", "-f", good, "-f", tampered}, []string{"Error while decrypting file: " + tampered}, encrypt.ErrTampered},
		"wrong key":    {[]string{"install", "x", "c", "-f", wrong}, []string{"Error while decrypting file: " + wrong, "age"}, encrypt.ErrNoKey},
		"missing":      {[]string{"install", "x", "c", "-f", "nope.yaml"}, []string{"File does not exist: nope.yaml"}, nil},
		"all reported": {[]string{"install", "x", "c", "-f", "nope.yaml", "--set-file", "k=" + tampered}, []string{"File does not exist: nope.yaml", "\nError while decrypting file: " + tampered}, nil},
		"bad backend":  {[]string{"install", "x", "c", "-f", "vals!" + good}, []string{"Can't find secret backend: vals"}, backend.ErrUnknown},
		"bad literal":  {[]string{"install", "x", "c", "--set", "k=" + setEscape(strings.Replace(f.encrypted("", canary, encrypt.FormatBinary), "ENC[AES256_GCM,data:", "ENC[AES256_GCM,data:AA", 1))}, []string{"Unable to decrypt literal value in --set"}, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			os.Remove(filepath.Join(f.control, "started"))
			code, out, errOut, err := f.wrap(context.Background(), nil, c.args...)
			if err == nil || code == 0 {
				t.Fatalf("code %d err %v: want failure", code, err)
			}
			if f.helmStarted() {
				t.Fatal("helm was started")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			if strings.Contains(err.Error()+out+errOut, canary) {
				t.Errorf("secret leaked into output or error")
			}
		})
	}
}

// TestWrapNoPlaintextOnDiskArgvOrEnv runs a slow helm and, while it holds
// the values, scans every directory involved and the helm process's argv
// and environment for the canary.
func TestWrapNoPlaintextOnDiskArgvOrEnv(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	f := newFixture(t)
	t.Chdir(f.dir)
	f.encrypted("secrets.yaml", "password: "+canary+"\n", encrypt.FormatYAML)
	literal := f.encrypted("", canary, encrypt.FormatBinary)
	ready := filepath.Join(f.control, "ready")
	done := make(chan error, 1)
	go func() {
		code, _, _, err := f.wrap(context.Background(), []string{"FAKE_HELM_READY=" + ready},
			"upgrade", "--install", "r", "chart", "-f", "secrets.yaml", "--set-file", "k=secrets.yaml",
			"--set", "pw="+setEscape(literal))
		if err == nil && code != 0 {
			err = fmt.Errorf("exit %d", code)
		}
		done <- err
	}()
	pid := waitReady(t, ready)
	for _, what := range []string{"cmdline", "environ"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, what))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(canary)) {
			t.Errorf("canary in helm's %s", what)
		}
	}
	scanForCanary(t, f.dir, f.tmp, os.Getenv("HOME"))
	_ = os.WriteFile(ready+".go", nil, 0o600)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	scanForCanary(t, f.dir, f.tmp, os.Getenv("HOME"))
	assertNoLeftovers(t, f.tmp)
}

// TestWrapForwardsSIGTERM sends SIGTERM to a wrapper process: helm must
// receive it, and the wrapper must exit with helm's status.
func TestWrapForwardsSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM")
	}
	f := newFixture(t)
	t.Chdir(f.dir)
	f.encrypted("secrets.yaml", "password: "+canary+"\n", encrypt.FormatYAML)
	ready := filepath.Join(f.control, "ready")
	cmd := exec.Command(os.Args[0], "template", "chart", "-f", "secrets.yaml")
	cmd.Env = append(os.Environ(), "HELM_SECRETS_TEST_MODE=wrapper", "SOPS_AGE_KEY="+f.id.String(), "FAKE_HELM_READY="+ready)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	helmPid := waitReady(t, ready)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Fatalf("wrapper exit = %v, want %d (helm killed by SIGTERM)", err, 128+int(syscall.SIGTERM))
	}
	if alive(helmPid) {
		t.Fatal("helm still running")
	}
	assertNoLeftovers(t, f.tmp)
}

func TestWrapConcurrentRunsOnSameFile(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	f.encrypted("secrets.yaml", "password: "+canary+"\n", encrypt.FormatYAML)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, out, _, err := f.wrap(context.Background(), nil, "template", "c", "-f", "secrets.yaml", "-f", "secrets.yaml")
			if err != nil || code != 0 || strings.Count(out, "password: "+canary+"\n") != 2 {
				errs <- fmt.Errorf("code %d err %v out %q", code, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assertNoLeftovers(t, f.tmp)
}

// setEscape escapes a value for helm's --set parser, as a user would.
func setEscape(v string) string {
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, ",", `\,`)
	return `\` + v // a leading { would start a list
}

// alive reports whether pid runs (a zombie waiting for its new parent to
// reap it has exited).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

func waitReady(t *testing.T, ready string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(ready); err == nil {
			pid, _ := strconv.Atoi(string(b))
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("fake helm never became ready")
	return 0
}

// scanForCanary fails the test if any regular file under dirs contains the
// canary. FIFOs are skipped (opening one would consume it) and counted:
// they hold no data at rest.
func scanForCanary(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if d == "" {
			continue
		}
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err == nil && bytes.Contains(b, []byte(canary)) {
				t.Errorf("plaintext found on disk: %s", p)
			}
			return nil
		})
	}
}

func assertNoLeftovers(t *testing.T, tmp string) {
	t.Helper()
	ents, _ := os.ReadDir(tmp)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "helm-secrets-") {
			t.Errorf("pipe directory left behind: %s", e.Name())
		}
	}
}
