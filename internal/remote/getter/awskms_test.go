package getter_test

import (
	"context"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakekms"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestAgeImportKeepsOtherKeyServices: secrets+age-import:// adds an age
// key; the file's other master keys still use the environment's
// credentials, as with the shell plugin (which only sets
// SOPS_AGE_KEY_FILE): an AWS KMS-only file decrypts with AWS_* credentials
// from the environment, against a local AWS KMS endpoint.
func TestAgeImportKeepsOtherKeyServices(t *testing.T) {
	f := newGetterFixture(t)
	a := fakekms.StartAWS(t)
	arn, err := a.CreateKey()
	if err != nil {
		t.Fatal(err)
	}
	a.AddUser("app", "AKIAGETTERTEST000001", "getter-secret", arn)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL_KMS", a.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAGETTERTEST000001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "getter-secret")
	enc, err := encrypt.New(encrypt.Options{}).Encrypt(context.Background(), []byte("password: "+getterCanary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{AWSKMS: []string{arn}}})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, f.dir, "kms.yaml", string(enc))
	got, err := fetch(t, "secrets+age-import://"+f.keyFile+"?kms.yaml")
	if err != nil || got != "password: "+getterCanary+"\n" {
		t.Fatalf("age-import of a kms file: %q, %v", got, err)
	}
	if a.Calls("Decrypt", arn) != 1 {
		t.Fatalf("%d Decrypt calls", a.Calls("Decrypt", arn))
	}
}
