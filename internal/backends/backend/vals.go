package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// vals evaluates vals expressions (ref+vault://…) through the run's
// helm-secrets-vals process (valsproto.Session): a file or value without
// "ref+" is not "encrypted" for it and is used as it is, as in the shell
// plugin.
type vals struct {
	session *valsproto.Session
	engine  *encrypt.Engine // reads files for the policy checks and size cap
}

// ValsName is the vals backend's name.
const ValsName = "vals"

// IsVals reports whether b is the vals backend.
func IsVals(b Backend) bool {
	_, ok := b.(vals)
	return ok
}

func (vals) Name() string { return ValsName }

// ReadFiles evaluates each file (the shell plugin's `vals eval -o yaml`,
// JSON for a .json file).
func (v vals) ReadFiles(ctx context.Context, paths []string) []encrypt.Result {
	results := make([]encrypt.Result, len(paths))
	for i, p := range paths {
		results[i].Path = p
		data, err := v.engine.ReadRaw(p)
		if err != nil {
			results[i].Err = err
			continue
		}
		out, noRefs, err := v.session.Document(ctx, p, formatName(encrypt.FormatFromPath(p)), data)
		switch {
		case err != nil:
			results[i].Err = valsError(err)
		case noRefs:
			results[i].Plaintext = data
		default:
			results[i].Plaintext, results[i].Encrypted = out, true
		}
	}
	return results
}

// Decrypt evaluates a document held in memory; without any "ref+" it is
// encrypt.ErrNotEncrypted.
func (v vals) Decrypt(ctx context.Context, data []byte, format encrypt.Format) ([]byte, error) {
	out, noRefs, err := v.session.Document(ctx, "", formatName(format), data)
	if err != nil {
		return nil, valsError(err)
	}
	if noRefs {
		return nil, fmt.Errorf("vals: %w", encrypt.ErrNotEncrypted)
	}
	return out, nil
}

// DecryptLiteral evaluates the expressions in one value (`vals get`);
// source names it in errors. A value without "ref+" is left as it is
// (encrypt.ErrNotEncrypted). Trailing newlines are dropped, as the shell
// plugin's command substitution ($(vals get …)) drops them: a literal
// read from a file (ref+file://) gives the file's text without its final
// line break.
func (v vals) DecryptLiteral(ctx context.Context, source, value string) ([]byte, error) {
	if lit, _ := v.IsLiteral(ctx, value); !lit {
		return nil, fmt.Errorf("vals: %w", encrypt.ErrNotEncrypted)
	}
	out, err := v.session.Literal(ctx, source, value)
	if err != nil {
		return nil, valsError(err)
	}
	return bytes.TrimRight(out, "\n"), nil
}

// valsError words an evaluation failure as the shell plugin does
// ("vals error: …"), which users grep for.
func valsError(err error) error {
	return fmt.Errorf("vals error: %w", err)
}

// IsLiteral: a value holding "ref+" is evaluated; nothing is fetched to
// tell.
func (vals) IsLiteral(_ context.Context, value string) (bool, error) {
	return valsproto.HasRef([]byte(value)), nil
}

// Engine: vals does not manage files (no encrypt, edit, rotate).
func (vals) Engine() *encrypt.Engine { return nil }

// formatName is the vals output type of a format: json, else yaml.
func formatName(f encrypt.Format) string {
	if f == encrypt.FormatJSON {
		return "json"
	}
	return "yaml"
}

// Unsupported is what the vals backend answers for commands that manage
// files (the shell plugin's words).
func Unsupported(b Backend, command string) error {
	if !IsVals(b) {
		return nil
	}
	switch command {
	case "encrypt":
		return errors.New("Encrypting files is not supported!")
	case "edit":
		return errors.New("vals: Editing files is not supported!")
	case "decrypt -i":
		return errors.New("vals: inline decryption is not supported!")
	}
	return fmt.Errorf("vals: %s is not supported", strings.TrimSpace(command))
}
