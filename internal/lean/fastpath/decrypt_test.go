package fastpath

import (
	"testing"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestLimitsAreTheEngines: the fast paths refuse no less than the engine.
func TestLimitsAreTheEngines(t *testing.T) {
	if MaxInputSize != encrypt.DefaultMaxInputSize || MaxTotalInputSize != encrypt.DefaultMaxTotalInputSize {
		t.Fatalf("fastpath limits %d/%d, engine %d/%d", MaxInputSize, MaxTotalInputSize, encrypt.DefaultMaxInputSize, encrypt.DefaultMaxTotalInputSize)
	}
}
