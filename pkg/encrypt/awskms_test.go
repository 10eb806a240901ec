package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakekms"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// AWS credentials of the tests; the secrets must appear in no message.
const (
	awsKeyID  = "AKIAHELMSECRETSTEST1"
	awsSecret = "aws-secret-NEVER-PRINTED-0b7e"
)

// awsKMSEnv isolates the AWS SDK (a fresh HOME with empty shared files, no
// instance metadata, no other credential source) and points KMS at the
// server with AWS_ENDPOINT_URL_KMS (or AWS_ENDPOINT_URL when general).
func awsKMSEnv(t *testing.T, a *fakekms.AWS, general bool) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	for _, n := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS"} {
		t.Setenv(n, "")
		os.Unsetenv(n)
	}
	if general {
		t.Setenv("AWS_ENDPOINT_URL", a.URL)
	} else {
		t.Setenv("AWS_ENDPOINT_URL_KMS", a.URL)
	}
	return home
}

// kmsRule writes a .sops.yaml whose rule has one key group with the kms
// keys (YAML list items with arn, context, aws_profile; already indented
// for the group).
func kmsRule(t *testing.T, dir, kmsItems string) {
	t.Helper()
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    key_groups:\n      - kms:\n"+kmsItems)
}

// TestAWSKMSMatchesSopsCLI: kms keys through sops' real AWS client (the AWS
// SDK v2) against an AWS KMS endpoint on 127.0.0.1 (local-kms behind a
// SigV4-checking front, internal/testsupport/fakekms), credentials and endpoint given
// as users give them: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY with
// AWS_ENDPOINT_URL_KMS, or a shared credentials file profile named by the
// rule's aws_profile with AWS_ENDPOINT_URL. A rule with arn, encryption
// context and aws_profile: encrypt following it (the context and profile
// recorded), decrypt, the sops CLI both ways (byte for byte), the lean
// decryptor declining (ErrUnsupported, never a result), copies and
// repeated documents unwrapped with one Decrypt call per data key, rotate
// (one Encrypt call), recipients compared with the rule (drift when the
// context changes), updatekeys back to the rule.
func TestAWSKMSMatchesSopsCLI(t *testing.T) {
	testenv.Tool(t, "SOPS_BIN", "sops")
	for _, mode := range []string{"env", "profile"} {
		t.Run(mode, func(t *testing.T) {
			testenv.Isolate(t)
			a := fakekms.StartAWS(t)
			arn, err := a.CreateKey()
			if err != nil {
				t.Fatal(err)
			}
			a.AddUser("app", awsKeyID, awsSecret, arn)
			home := awsKMSEnv(t, a, mode == "profile")
			item := "          - arn: " + arn + "\n            context:\n              app: web\n              env: prod\n"
			if mode == "env" {
				t.Setenv("AWS_ACCESS_KEY_ID", awsKeyID)
				t.Setenv("AWS_SECRET_ACCESS_KEY", awsSecret)
			} else {
				testenv.WriteFile(t, filepath.Join(home, ".aws"), "credentials",
					"[default]\naws_access_key_id = AKIAWRONGDEFAULT\naws_secret_access_key = wrong\n\n[tenant]\naws_access_key_id = "+awsKeyID+"\naws_secret_access_key = "+awsSecret+"\n")
				item += "            aws_profile: tenant\n"
			}
			ctx := context.Background()
			dir := t.TempDir()
			kmsRule(t, dir, item)
			path := filepath.Join(dir, "secrets.yaml")
			eng := encrypt.New(encrypt.Options{})
			enc, err := eng.Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"arn: " + arn, "app: web", "env: prod"} {
				if !bytes.Contains(enc, []byte(want)) {
					t.Fatalf("%q not in the file:\n%s", want, enc)
				}
			}
			if mode == "profile" && !bytes.Contains(enc, []byte("aws_profile: tenant")) {
				t.Fatalf("no aws_profile in the file:\n%s", enc)
			}
			if n := a.Calls("Encrypt", arn); n != 1 {
				t.Fatalf("%d Encrypt calls for one data key", n)
			}
			testenv.WriteFile(t, dir, "secrets.yaml", string(enc))
			if got, err := sopsCLI(t, dir, "-d", "secrets.yaml"); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("sops -d of our file: %v\n%s", err, got)
			}
			// The lean decryptor (fast paths) declines; the full engine decides.
			if lean, err := sopslite.DecryptYAML(enc, nil); !errors.Is(err, sopslite.ErrUnsupported) || lean != nil {
				t.Fatalf("the lean decryptor must decline kms keys: %v", err)
			}
			before := a.Calls("Decrypt", arn)
			if got, err := encrypt.New(encrypt.Options{}).Decrypt(ctx, enc, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("decrypt: %v\n%s", err, got)
			}
			if n := a.Calls("Decrypt", arn) - before; n != 1 {
				t.Fatalf("%d Decrypt calls for one file", n)
			}

			// Copies share the data key: one call in one run.
			copyPath := testenv.WriteFile(t, dir, "secrets-copy.yaml", string(enc))
			before = a.Calls("Decrypt", arn)
			ctxRec, rec := encrypt.RecordKeys(ctx)
			res, err := encrypt.New(encrypt.Options{}).DecryptFiles(ctxRec, []string{path, copyPath, path})
			if err != nil || string(res[0].Plaintext) != keyTypesPlain || string(res[1].Plaintext) != keyTypesPlain {
				t.Fatalf("DecryptFiles: %v", err)
			}
			if n := a.Calls("Decrypt", arn) - before; n != 1 {
				t.Fatalf("%d Decrypt calls for one data key in one run", n)
			}
			if !slices.Contains(rec.Unwrapped(), "kms "+arn) {
				t.Fatalf("keys recorded: %v", rec.Unwrapped())
			}
			before = a.Calls("Decrypt", arn)
			docs := encrypt.New(encrypt.Options{}).DecryptDocuments(ctx, []encrypt.Document{{Data: enc}, {Data: enc}, {Path: copyPath}})
			for _, r := range docs {
				if r.Err != nil || string(r.Plaintext) != keyTypesPlain {
					t.Fatalf("DecryptDocuments: %v", r.Err)
				}
			}
			if n := a.Calls("Decrypt", arn) - before; n != 1 {
				t.Fatalf("%d Decrypt calls in one DecryptDocuments", n)
			}

			testenv.WriteFile(t, dir, "secrets-sops.yaml", keyTypesPlain)
			sopsEnc, err := sopsCLI(t, dir, "-e", "secrets-sops.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := eng.Decrypt(ctx, sopsEnc, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("decrypt of sops' file: %v\n%s", err, got)
			}

			before = a.Calls("Encrypt", arn)
			rotated, err := eng.Rotate(ctx, enc, encrypt.FormatYAML)
			if err != nil || bytes.Equal(rotated, enc) {
				t.Fatalf("rotate: %v", err)
			}
			if n := a.Calls("Encrypt", arn) - before; n != 1 {
				t.Fatalf("rotate: %d Encrypt calls", n)
			}
			testenv.WriteFile(t, dir, "secrets-rotated.yaml", string(rotated))
			if got, err := sopsCLI(t, dir, "-d", "secrets-rotated.yaml"); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("sops -d of the rotated file: %v\n%s", err, got)
			}

			// The recipients match the rule; a changed encryption context
			// is drift, and updatekeys follows the rule again.
			md, err := encrypt.Inspect(enc, encrypt.FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := encrypt.RuleKeyGroups(path)
			if err != nil || fmt.Sprint(md.KeyGroups) != fmt.Sprint(want) {
				t.Fatalf("file %v, rule %v (%v)", md.KeyGroups, want, err)
			}
			kmsRule(t, dir, strings.Replace(item, "env: prod", "env: staging", 1))
			if want, _, _ = encrypt.RuleKeyGroups(path); fmt.Sprint(md.KeyGroups) == fmt.Sprint(want) {
				t.Fatalf("no drift after the context changed: %v", want)
			}
			updated, changed, err := eng.UpdateKeysFile(ctx, path)
			if err != nil || !changed || !bytes.Contains(updated, []byte("env: staging")) {
				t.Fatalf("updatekeys: %t %v\n%s", changed, err, updated)
			}
			testenv.WriteFile(t, dir, "secrets-updated.yaml", string(updated))
			if got, err := sopsCLI(t, dir, "-d", "secrets-updated.yaml"); err != nil || string(got) != keyTypesPlain {
				t.Fatalf("sops -d of the updated file: %v\n%s", err, got)
			}
		})
	}
}

// TestAWSKMSMigrationFromPGP: updatekeys moves a PGP-only file to age +
// AWS KMS (the rule changed); afterwards each new key alone opens it, with
// the engine and with the sops CLI, and the PGP key no longer does.
func TestAWSKMSMigrationFromPGP(t *testing.T) {
	testenv.Tool(t, "SOPS_BIN", "sops")
	testenv.Isolate(t)
	gnupg, fpr := pgpHome(t)
	a := fakekms.StartAWS(t)
	arn, err := a.CreateKey()
	if err != nil {
		t.Fatal(err)
	}
	a.AddUser("app", awsKeyID, awsSecret, arn)
	awsKMSEnv(t, a, false)
	t.Setenv("GNUPGHOME", gnupg)
	ctx := context.Background()
	dir := t.TempDir()
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    pgp: "+fpr+"\n")
	path := filepath.Join(dir, "secrets.yaml")
	enc, err := encrypt.New(encrypt.Options{}).Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, dir, "secrets.yaml", string(enc))

	id := testenv.AgeKey(t)
	testenv.WriteFile(t, dir, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    kms: "+arn+"\n    age: "+id.Recipient().String()+"\n")
	// The PGP key opens the file for updatekeys; the KMS key is wrapped.
	t.Setenv("AWS_ACCESS_KEY_ID", awsKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsSecret)
	updated, changed, err := encrypt.New(encrypt.Options{}).UpdateKeysFile(ctx, path)
	if err != nil || !changed || bytes.Contains(updated, []byte(fpr)) || !bytes.Contains(updated, []byte(arn)) {
		t.Fatalf("updatekeys: %t %v\n%s", changed, err, updated)
	}
	testenv.WriteFile(t, dir, "secrets.yaml", string(updated))
	t.Setenv("GNUPGHOME", t.TempDir())

	// KMS alone.
	if got, err := encrypt.New(encrypt.Options{}).Decrypt(ctx, updated, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("KMS alone: %v", err)
	}
	if got, err := sopsCLI(t, dir, "-d", "secrets.yaml"); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("sops -d with KMS: %v\n%s", err, got)
	}
	// age alone (KMS credentials gone).
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	t.Setenv("SOPS_AGE_KEY", id.String())
	if got, err := encrypt.New(encrypt.Options{}).Decrypt(ctx, updated, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("age alone: %v", err)
	}
	if got, err := sopsCLI(t, dir, "-d", "secrets.yaml"); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("sops -d with age: %v\n%s", err, got)
	}
}

// TestAWSKMSCredentialFailures: missing credentials, an unknown access
// key, a wrong secret, an expired session, a principal the key's policy
// does not allow, and a disabled key each fail decryption with one message
// naming AWS KMS, the key's ARN and what to set or check; no access key
// ID, secret or session token appears in it. Under Keys.NoEnvironment the
// environment's valid credentials are not used. A per-call endpoint with
// AWS_CA_BUNDLE set (which the AWS SDK cannot combine) says so.
func TestAWSKMSCredentialFailures(t *testing.T) {
	testenv.Isolate(t)
	a := fakekms.StartAWS(t)
	arn, err := a.CreateKey()
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.CreateKey()
	if err != nil {
		t.Fatal(err)
	}
	const (
		expiredID, expiredSecret, expiredToken = "ASIAHELMSECRETSEXP01", "expired-secret-NEVER-PRINTED", "session-token-NEVER-PRINTED"
		deniedID                               = "AKIAHELMSECRETSDENY1"
	)
	a.AddUser("app", awsKeyID, awsSecret, arn)
	a.AddUser("other-team", deniedID, awsSecret, other)
	a.AddSession("app-session", expiredID, expiredSecret, expiredToken, true)
	awsKMSEnv(t, a, false)
	creds := func(id, secret, token string) {
		for n, v := range map[string]string{"AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token} {
			if v == "" {
				os.Unsetenv(n)
			} else {
				t.Setenv(n, v)
			}
		}
	}
	creds(awsKeyID, awsSecret, "")
	dir := t.TempDir()
	kmsRule(t, dir, "          - arn: "+arn+"\n")
	ctx := context.Background()
	enc, err := encrypt.New(encrypt.Options{}).Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Path: filepath.Join(dir, "secrets.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	fails := func(what string, keys encrypt.Keys, want string) {
		t.Helper()
		_, err := encrypt.New(encrypt.Options{Keys: keys}).Decrypt(ctx, enc, encrypt.FormatYAML)
		if !errors.Is(err, encrypt.ErrNoKey) || !strings.Contains(err.Error(), "AWS KMS") || !strings.Contains(err.Error(), arn) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v", what, err)
		}
		for _, s := range []string{awsKeyID, awsSecret, expiredID, expiredSecret, expiredToken, deniedID, "wrong-secret-value"} {
			if strings.Contains(err.Error(), s) {
				t.Fatalf("%s: a credential in the message: %v", what, err)
			}
		}
		t.Logf("%s: %v", what, err)
	}
	creds("", "", "")
	fails("missing", encrypt.Keys{}, "no usable AWS credentials: set AWS_ACCESS_KEY_ID")
	creds(awsKeyID, "wrong-secret-value", "")
	fails("wrong secret", encrypt.Keys{}, "InvalidSignatureException")
	fails("wrong secret", encrypt.Keys{}, "AWS refused the credentials: check AWS_ACCESS_KEY_ID")
	creds("AKIAHELMSECRETSNONE1", awsSecret, "")
	fails("unknown access key", encrypt.Keys{}, "UnrecognizedClientException")
	creds(expiredID, expiredSecret, expiredToken)
	fails("expired", encrypt.Keys{}, "the AWS session credentials have expired")
	creds(deniedID, awsSecret, "")
	fails("access denied", encrypt.Keys{}, "the AWS credentials are not allowed to use the key "+arn)

	// Valid credentials in the environment, but NoEnvironment.
	creds(awsKeyID, awsSecret, "")
	fails("NoEnvironment", encrypt.Keys{NoEnvironment: true}, "no AWS KMS credentials given: Keys.NoEnvironment is set")
	if got, err := encrypt.New(encrypt.Options{}).Decrypt(ctx, enc, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("valid credentials: %v", err)
	}
	t.Setenv("AWS_CA_BUNDLE", filepath.Join(dir, "ca.pem"))
	fails("custom CA bundle and an endpoint", encrypt.Keys{AWSKMS: &encrypt.AWSKMSOptions{Endpoint: a.URL}}, "cannot be used while AWS_CA_BUNDLE is set")
	os.Unsetenv("AWS_CA_BUNDLE")
	if err := a.DisableKey(arn); err != nil {
		t.Fatal(err)
	}
	fails("disabled key", encrypt.Keys{}, "DisabledException")
}

// TestAWSKMSRole: a kms key with a role (.sops.yaml key_groups) is used
// through STS AssumeRole with the user's credentials, as sops does: the
// user may not use the key itself, the role may; KMS and STS on the same
// local endpoint (AWS_ENDPOINT_URL). Encrypt, decrypt, the sops CLI both
// ways, credentials per call (Keys.AWSKMS under NoEnvironment), and a user
// the role does not trust fails naming the role and what its trust policy
// must allow.
func TestAWSKMSRole(t *testing.T) {
	testenv.Tool(t, "SOPS_BIN", "sops")
	testenv.Isolate(t)
	a := fakekms.StartAWS(t)
	arn, err := a.CreateKey()
	if err != nil {
		t.Fatal(err)
	}
	const role = "arn:aws:iam::111122223333:role/sops-decrypt"
	a.AddUser("deployer", awsKeyID, awsSecret, "arn:aws:kms:eu-west-2:111122223333:key/none")
	a.AddUser("intruder", "AKIAHELMSECRETSINTR1", awsSecret)
	a.AddRole(role, []string{"deployer"}, arn)
	awsKMSEnv(t, a, true)
	t.Setenv("AWS_ACCESS_KEY_ID", awsKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsSecret)
	dir := t.TempDir()
	kmsRule(t, dir, "          - arn: "+arn+"\n            role: "+role+"\n")
	ctx := context.Background()
	path := filepath.Join(dir, "secrets.yaml")
	enc, err := encrypt.New(encrypt.Options{}).Encrypt(ctx, []byte(keyTypesPlain), encrypt.EncryptOptions{Path: path})
	if err != nil || !bytes.Contains(enc, []byte("role: "+role)) {
		t.Fatalf("encrypt: %v\n%s", err, enc)
	}
	testenv.WriteFile(t, dir, "secrets.yaml", string(enc))
	if got, err := sopsCLI(t, dir, "-d", "secrets.yaml"); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("sops -d of our file: %v\n%s", err, got)
	}
	testenv.WriteFile(t, dir, "secrets-sops.yaml", keyTypesPlain)
	sopsEnc, err := sopsCLI(t, dir, "-e", "secrets-sops.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range [][]byte{enc, sopsEnc} {
		if got, err := encrypt.New(encrypt.Options{}).Decrypt(ctx, f, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
			t.Fatalf("decrypt: %v", err)
		}
	}
	if a.Calls("AssumeRole", role) == 0 {
		t.Fatal("the role was not assumed")
	}

	// Per call: the user's credentials in Keys, none in the environment.
	os.Unsetenv("AWS_ACCESS_KEY_ID")
	os.Unsetenv("AWS_SECRET_ACCESS_KEY")
	perCall := func(id string) *encrypt.Engine {
		return encrypt.New(encrypt.Options{Keys: encrypt.Keys{NoEnvironment: true, AWSKMS: &encrypt.AWSKMSOptions{
			Credentials: credentials.NewStaticCredentialsProvider(id, awsSecret, ""),
		}}})
	}
	before := a.Calls("AssumeRole", role)
	if got, err := perCall(awsKeyID).Decrypt(ctx, enc, encrypt.FormatYAML); err != nil || string(got) != keyTypesPlain {
		t.Fatalf("decrypt with per-call credentials: %v", err)
	}
	if a.Calls("AssumeRole", role) != before+1 {
		t.Fatal("per call: the role was not assumed")
	}
	_, err = perCall("AKIAHELMSECRETSINTR1").Decrypt(ctx, enc, encrypt.FormatYAML)
	if !errors.Is(err, encrypt.ErrNoKey) || !strings.Contains(err.Error(), "may not assume the key's role "+role) || strings.Contains(err.Error(), awsSecret) || strings.Contains(err.Error(), "AKIAHELMSECRETSINTR1") {
		t.Fatalf("an untrusted user: %v", err)
	}
	t.Log(err)
}
