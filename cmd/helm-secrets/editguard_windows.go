//go:build windows

package main

import (
	"io"
	"os/exec"
)

// On Windows there is no guard: an edit's private directory left by a
// killed process is not removed automatically (docs/security.md).
type editGuard struct{}

func startEditGuard(string) (*editGuard, error) { return nil, nil }
func (g *editGuard) editorStarted(int)          {}
func (g *editGuard) editorDone()                {}
func (g *editGuard) active() bool               { return false }
func (g *editGuard) release()                   {}
func runEditGuard(string, io.Reader) int        { return 0 }
func sweepStaleEditDirs()                       {}
func setEditorDeathSignal(*exec.Cmd)            {}
func lockEditorThread() (unlock func())         { return func() {} }
