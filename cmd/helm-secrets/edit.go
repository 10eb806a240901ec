package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/edit"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

func newEditCmd(a *app) *cobra.Command {
	return a.fileCommand("edit FILE", "Edit secrets file and encrypt afterwards", editUsage, false,
		func(c *cobra.Command, file string) error {
			return a.runEdit(c.Context(), file)
		})
}

// errUnchanged ends an edit that changed nothing with sops' exit code
// (FileHasNotBeenModified), which scripts of the shell plugin test for.
var errUnchanged = &exitError{code: 200}

// runEdit runs the edit command (internal/cmd/edit) on file with this
// run's streams, engine, backend and audit trail, and prints its outcome
// in our message format.
func (a *app) runEdit(ctx context.Context, file string) error {
	err := edit.Run(ctx, edit.Options{
		File:            file,
		IO:              edit.IOStreams{In: a.streams.Stdin, Out: a.streams.Stdout, ErrOut: a.streams.Stderr},
		Backend:         a.backend,
		Engine:          a.engine,
		Editor:          edit.EditorFromEnv,
		GuardExecutable: os.Executable, // its main runs the guard
		Audit:           editAudit{a},
		Report:          editReport{a},
	})
	var ee *edit.EncryptError
	var xe *exitError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, edit.ErrUnchanged):
		return errUnchanged
	case errors.As(err, &ee):
		return a.encryptError("editing", ee.File, ee.Err)
	case errors.As(err, &xe):
		return err // reported already (the audit trail)
	}
	return a.errorf("%v", err)
}

// editReport prints edit's messages in our format.
type editReport struct{ a *app }

func (r editReport) Infof(format string, args ...any)  { r.a.infof(format, args...) }
func (r editReport) Debugf(format string, args ...any) { r.a.debugf(format, args...) }
func (r editReport) Notef(format string, args ...any) {
	fmt.Fprint(r.a.streams.Stderr, prefix+fmt.Sprintf(format, args...)+"\n")
}

// editAudit writes edit's events to our audit trail.
type editAudit struct{ a *app }

func (e editAudit) KeyRecord(ctx context.Context) (context.Context, *encrypt.KeyRecord) {
	return e.a.keyRecord(ctx)
}

func (e editAudit) Decrypted(file string, rec *encrypt.KeyRecord) error {
	return e.a.recordDecrypt("edit", file, rec, nil)
}

func (e editAudit) Encrypted(file string, rec *encrypt.KeyRecord) error {
	return e.a.recordEncrypt("edit", file, rec, nil)
}
