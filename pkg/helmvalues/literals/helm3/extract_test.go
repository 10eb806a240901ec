package helm3_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals/helm3"
)

// A vals expression (or any literal) inside a {list} or a JSON object is
// refused as not isolated before anything is decrypted or evaluated: only
// isLiteral, which must not fetch, is asked; decrypt is never called, not
// even for the whole key=value parts of the same flag.
func TestExtractRefusesNestedWithoutDecrypting(t *testing.T) {
	isRef := func(_ context.Context, v string) (bool, error) { return strings.Contains(v, "ref+"), nil }
	for _, tc := range []struct {
		kind literals.Kind
		v    string
	}{
		{literals.Set, "a=ref+vault://secret/a#/k,list={x,ref+vault://secret/b#/k}"},
		{literals.SetString, "list={ref+vault://secret/b#/k}"},
		// the same expression as a whole part and inside a list
		{literals.Set, "a=ref+vault://secret/a#/k,list={x,ref+vault://secret/a#/k}"},
		{literals.SetJSON, `a="ref+vault://secret/a#/k",cfg={"k":"ref+vault://secret/a#/k"}`},
		{literals.SetJSON, `a="ref+vault://secret/a#/k",cfg={"k":"ref+vault://secret/b#/k"}`},
		{literals.SetJSON, `cfg=["ref+vault://secret/b#/k"]`},
	} {
		calls := 0
		decrypt := func(context.Context, string, string) ([]byte, error) {
			calls++
			return []byte("plain"), nil
		}
		_, _, err := helm3.Parser.Extract(context.Background(), tc.kind, tc.v, isRef, decrypt)
		if !errors.Is(err, literals.ErrNotIsolated) {
			t.Errorf("%s %s: %v, want ErrNotIsolated", tc.kind.Flag(), tc.v, err)
		}
		if calls != 0 {
			t.Errorf("%s %s: decrypt called %d times before the refusal", tc.kind.Flag(), tc.v, calls)
		}
	}

	// Whole key=value parts are still decrypted and moved; a nested value
	// isLiteral leaves alone stays; isLiteral's own error stops the run.
	var asked []string
	decrypt := func(_ context.Context, key, v string) ([]byte, error) {
		asked = append(asked, key)
		if !strings.Contains(v, "ref+") {
			return nil, fmt.Errorf("x: %w", encrypt.ErrNotEncrypted)
		}
		return []byte("plain-" + key), nil
	}
	rest, moved, err := helm3.Parser.Extract(context.Background(), literals.Set, "a=ref+vault://secret/a#/k,b=plain,list={x,y}", isRef, decrypt)
	if err != nil || rest != "b=plain,list={x,y}" || len(moved) != 1 || moved[0].Key != "a" || string(moved[0].Plain) != "plain-a" {
		t.Errorf("Extract = %q, %+v, %v", rest, moved, err)
	}
	if strings.Join(asked, ",") != "a,b,list" {
		t.Errorf("decrypt asked for %v", asked)
	}
	boom := errors.New("cannot tell")
	if _, _, err := helm3.Parser.Extract(context.Background(), literals.Set, "list={ref+x://y}", func(context.Context, string) (bool, error) { return false, boom }, decrypt); !errors.Is(err, boom) {
		t.Errorf("isLiteral's error: %v", err)
	}
}
