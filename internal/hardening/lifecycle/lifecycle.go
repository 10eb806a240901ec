// Package lifecycle ties the life of every helm-secrets process, and of the
// processes it starts, to its parent: a process Helm (or Argo CD's repo
// server) stops, or whose parent dies, stops too, promptly, even when its
// work does not watch for cancellation (a huge or hostile input). It links
// only the standard library, for the lean binaries. It also names the stop
// signals (StopSignals) that commands which clean up catch, per OS.
package lifecycle

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Grace is how long a process that caught a stop signal (NotifyContext) may
// go on cleaning up before it exits regardless.
const Grace = 500 * time.Millisecond

var bindOnce sync.Once

// BindToParent makes this process end when its parent does: it is sent
// SIGTERM (Linux: the kernel's parent-death signal, set here, then the
// parent is checked once more, for a parent that died before it was set;
// other Unix systems: a goroutine that watches the parent pid; Windows: a
// goroutine that waits on the parent's handle and exits). A process with no
// SIGTERM handler dies of it; one that caught it (NotifyContext) has Grace.
// Call it first thing in main of every process that must not outlive its
// parent; never in the guards that clean up after a killed process.
func BindToParent() {
	bindOnce.Do(bindToParent)
}

// Child makes the process cmd starts end when ours does (Linux: the
// parent-death signal SIGKILL; elsewhere nothing), keeping cmd's other
// SysProcAttr settings. Call it before cmd.Start.
func Child(cmd *exec.Cmd) {
	setChildDeathSignal(cmd)
}

// NotifyContext is signal.NotifyContext with a deadline: the first of sigs
// cancels the returned context, and if the process still runs Grace later
// (work that does not watch the context) it exits with status 128+signal;
// a second signal exits at once. stop restores the default handling. With
// no sigs nothing is caught (signal.Notify would relay every signal, the Go
// runtime's own preemption signal SIGURG included, and cancel at random).
func NotifyContext(parent context.Context, sigs ...os.Signal) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	if len(sigs) == 0 {
		return ctx, cancel
	}
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	go func() {
		var sig os.Signal
		select {
		case sig = <-ch:
		case <-done:
			return
		}
		cancel()
		t := time.NewTimer(Grace)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ch:
		case <-done:
			return
		}
		os.Exit(ExitCode(sig))
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			cancel()
		})
	}
}

// ExitCode is the exit status of a process stopped by sig: 128 + its
// number, as a shell reports it.
func ExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}
