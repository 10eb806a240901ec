package encrypt_test

import (
	"context"
	"slices"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Under RecordKeys, each Result names the key that decrypted that file,
// and the run's record holds them all; without it, Keys stays empty.
func TestResultKeysPerFile(t *testing.T) {
	id1, id2 := testenv.AgeKey(t), testenv.AgeKey(t)
	eng := ageEngine(t, id1, id2)
	dir := t.TempDir()
	var paths []string
	for i, id := range []string{"a", "b", "a"} {
		to := id1
		if id == "b" {
			to = id2
		}
		out, err := eng.Encrypt(context.Background(), []byte("k: "+canary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(to)})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, testenv.WriteFile(t, dir, string(rune('x'+i))+".yaml", string(out)))
	}
	paths = append(paths, testenv.WriteFile(t, dir, "plain.yaml", "k: v\n"), paths[1])
	k1, k2 := "age "+id1.Recipient().String(), "age "+id2.Recipient().String()

	ctx, rec := encrypt.RecordKeys(context.Background())
	results, err := eng.DecryptFilesIfEncrypted(ctx, paths)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{k1}, {k2}, {k1}, nil, {k2}}
	for i, r := range results {
		if !slices.Equal(r.Keys, want[i]) {
			t.Errorf("%s: keys %q, want %q", r.Path, r.Keys, want[i])
		}
	}
	all := rec.Unwrapped()
	slices.Sort(all)
	wantAll := []string{k1, k2}
	slices.Sort(wantAll)
	if !slices.Equal(all, wantAll) {
		t.Errorf("run: %q, want %q", all, wantAll)
	}

	results, err = eng.DecryptFilesIfEncrypted(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Keys != nil {
			t.Errorf("%s: keys %q without a KeyRecord", r.Path, r.Keys)
		}
	}
	if c, r := encrypt.SubRecord(context.Background()); r != nil || c != context.Background() {
		t.Error("SubRecord without a KeyRecord made one")
	}
}
