package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// Every index is done exactly once, never more than limit at a time, and
// with a limit above 1 calls do overlap.
func TestDo(t *testing.T) {
	for _, limit := range []int{-1, 0, 1, 3, 16} {
		const n = 40
		var running, most atomic.Int32
		done := make([]int32, n)
		Do(n, limit, func(i int) {
			r := running.Add(1)
			for {
				m := most.Load()
				if r <= m || most.CompareAndSwap(m, r) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			atomic.AddInt32(&done[i], 1)
			running.Add(-1)
		})
		want := int32(max(limit, 1))
		if m := most.Load(); m > want || (want > 1 && m < 2) {
			t.Errorf("limit %d: %d calls at once", limit, m)
		}
		for i, d := range done {
			if d != 1 {
				t.Errorf("limit %d: index %d done %d times", limit, i, d)
			}
		}
	}
	Do(0, 4, func(int) { t.Error("called for n = 0") })
	// One call, or a limit of one, runs on the calling goroutine.
	before := runtime.NumGoroutine()
	for _, c := range [][2]int{{1, 8}, {5, 1}} {
		Do(c[0], c[1], func(int) {
			if n := runtime.NumGoroutine(); n != before {
				t.Errorf("n %d, limit %d: %d goroutines in f, %d before", c[0], c[1], n, before)
			}
		})
	}
	if DefaultLimit() < 4 {
		t.Errorf("DefaultLimit %d", DefaultLimit())
	}
}
