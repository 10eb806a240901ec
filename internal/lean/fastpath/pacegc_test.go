package fastpath

import (
	"runtime/debug"
	"testing"
)

// PaceGC sets 50 % for more than 4 MiB of input, leaves small inputs and
// a GOGC the user set alone.
func TestPaceGC(t *testing.T) {
	saved := debug.SetGCPercent(100)
	defer debug.SetGCPercent(saved)
	for _, tc := range []struct {
		gogc  string
		total int64
		want  int
	}{{"", 4 << 20, 100}, {"", 4<<20 + 1, 50}, {"200", 64 << 20, 100}} {
		t.Setenv("GOGC", tc.gogc)
		debug.SetGCPercent(100)
		PaceGC(tc.total)
		if got := debug.SetGCPercent(100); got != tc.want {
			t.Errorf("GOGC %q, %d bytes: GC percent %d, want %d", tc.gogc, tc.total, got, tc.want)
		}
	}
}
