// Package sdktest holds the fixtures and the checks that the tests of both
// Helm SDK packages (pkg/helm on Helm 3, pkg/helm4 on Helm 4) share: a
// working directory with an age key, the values command lines compared
// with Helm's own merge, and the sources that must fail closed. Each SDK
// test passes its Helm's functions in; the cases and assertions live here
// once.
package sdktest

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues"
)

// Canary is the plaintext marker the SDK tests encrypt; it must never
// appear in an error.
const Canary = "CANARY-sdk-4f2a9d"

// Sources are the values sources of a helm command line; helm.ValueOptions,
// helm4.ValueOptions and both Helms' values.Options convert to and from it.
type Sources = helmvalues.Sources

// Fixture is a working directory (the test's cwd) and an age key.
type Fixture struct {
	T   *testing.T
	Dir string
	ID  *age.X25519Identity
	Eng *encrypt.Engine
}

// New isolates the test's key environment and changes into a fresh
// directory.
func New(t *testing.T) *Fixture {
	t.Helper()
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	f := &Fixture{T: t, Dir: t.TempDir(), ID: id,
		Eng: encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})}
	t.Chdir(f.Dir)
	return f
}

// Write writes a file below the fixture's directory and returns name.
func (f *Fixture) Write(name, content string) string {
	f.T.Helper()
	testenv.WriteFile(f.T, f.Dir, name, content)
	return name
}

// Encrypt returns plain encrypted to the fixture's key.
func (f *Fixture) Encrypt(plain string, format encrypt.Format) string {
	f.T.Helper()
	enc, err := f.Eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: format,
		Recipients: &encrypt.Recipients{Age: []string{f.ID.Recipient().String()}}})
	if err != nil {
		f.T.Fatal(err)
	}
	return string(enc)
}

// Literal is plain as an encrypted literal, escaped for --set as a user
// would escape it.
func (f *Fixture) Literal(plain string) string {
	return SetLiteralEscape(f.Encrypt(plain, encrypt.FormatBinary))
}

// Tamper flips the first encrypted value of a SOPS document.
func Tamper(doc string) string {
	return strings.Replace(doc, "ENC[AES256_GCM,data:", "ENC[AES256_GCM,data:AA", 1)
}

// JSONString is s as a JSON string.
func JSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// SetLiteralEscape escapes v as a --set value.
func SetLiteralEscape(v string) string {
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, ",", `\,`)
	return `\` + v // a leading { would start a list
}

// ValueArgs turns helm values flags into Sources.
func ValueArgs(t *testing.T, args []string) Sources {
	t.Helper()
	var o Sources
	for i := 0; i+1 < len(args); i += 2 {
		v := args[i+1]
		switch args[i] {
		case "-f":
			o.ValueFiles = append(o.ValueFiles, v)
		case "--set":
			o.Values = append(o.Values, v)
		case "--set-string":
			o.StringValues = append(o.StringValues, v)
		case "--set-json":
			o.JSONValues = append(o.JSONValues, v)
		case "--set-file":
			o.FileValues = append(o.FileValues, v)
		case "--set-literal":
			o.LiteralValues = append(o.LiteralValues, v)
		default:
			t.Fatalf("unknown flag %s", args[i])
		}
	}
	return o
}

// Chart returns the absolute path of a chart under testdata/charts.
func Chart(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(testenv.RepoRoot(), "testdata", "charts", name)
}

// WriteEncrypted encrypts plain to a fresh age key, writes it to
// dir/name, and returns the engine holding the key. It is for runnable
// examples, which have no *testing.T: a failure ends the program.
func WriteEncrypted(dir, name, plain string) *encrypt.Engine {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		log.Fatal(err)
	}
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	enc, err := eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{
		Format:     encrypt.FormatYAML,
		Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), enc, 0o600); err != nil {
		log.Fatal(err)
	}
	return eng
}
