package encrypt

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestRecoveredPanicNeverQuotesItsValue: a panic's value may be document
// content; the error keeps only a runtime error's own text, or the type.
func TestRecoveredPanicNeverQuotesItsValue(t *testing.T) {
	const canary = "hunter2-canary-value"
	for _, p := range []any{canary, fmt.Errorf("bad value %q", canary), []string{canary}} {
		var err error
		func() {
			defer guard("decrypt", &err)
			panic(p)
		}()
		if !errors.Is(err, ErrInternal) || strings.Contains(err.Error(), canary) {
			t.Errorf("panic(%T): %v", p, err)
		}
	}
	var err error
	func() {
		defer guard("parse", &err)
		var s []string
		_ = s[3]
	}()
	if !errors.Is(err, ErrInternal) || !strings.Contains(err.Error(), "index out of range [3] with length 0") {
		t.Errorf("runtime error: %v", err)
	}
}
