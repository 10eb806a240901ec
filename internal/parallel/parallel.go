// Package parallel runs independent pieces of work on a bounded number of
// goroutines: the file-by-file loops of rotate -r, updatekeys -r and
// helm secrets check.
package parallel

import (
	"runtime"
	"sync"
)

// DefaultLimit is the number of calls Do runs at once for work that mostly
// waits (file reads, key round trips): four per CPU Go may use.
func DefaultLimit() int { return 4 * runtime.GOMAXPROCS(0) }

// Do calls f(i) for every i from 0 to n-1, at most limit calls at once
// (limit below 1: one at a time), each on its own goroutine, and returns
// when every call has returned. f puts its result where it belongs (e.g.
// results[i]); calls for different i must not share unguarded state.
func Do(n, limit int, f func(i int)) {
	if limit < 1 {
		limit = 1
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}
