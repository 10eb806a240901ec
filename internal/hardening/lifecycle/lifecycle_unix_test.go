//go:build unix

package lifecycle

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// TestNotifyContextNoSignals: with no signals named, none cancels the
// context; before the fix every signal did (signal.Notify with none relays
// all), the runtime's own preemption signal SIGURG among them, so a
// downloader run without Signals failed with "context canceled" at random.
func TestNotifyContextNoSignals(t *testing.T) {
	ctx, stop := NotifyContext(context.Background())
	defer stop()
	for range 20 {
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGURG); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-ctx.Done():
		t.Fatal("a signal nobody asked for cancelled the context")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestNotifyContextNamedSignal: a named signal cancels it.
func TestNotifyContextNamedSignal(t *testing.T) {
	ctx, stop := NotifyContext(context.Background(), syscall.SIGUSR1)
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGUSR1 did not cancel the context")
	}
}
