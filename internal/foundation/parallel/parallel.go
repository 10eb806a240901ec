// Package parallel runs independent pieces of work on a bounded number of
// goroutines: the file-by-file loops of rotate -r, updatekeys -r,
// helm secrets check and the lean wrapper's decryption.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// DefaultLimit is the number of calls Do runs at once for work that mostly
// waits (file reads, key round trips): four per CPU Go may use.
func DefaultLimit() int { return 4 * runtime.GOMAXPROCS(0) }

// Do calls f(i) for every i from 0 to n-1, at most limit calls at once
// (limit below 1: one at a time), and returns when every call has
// returned. The calling goroutine is one of the workers and the others
// take the next i as they finish one, so a single call, or a limit of one,
// starts no goroutine. f puts its result where it belongs (e.g.
// results[i]); calls for different i must not share unguarded state.
func Do(n, limit int, f func(i int)) {
	workers := min(max(limit, 1), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			f(i)
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}
