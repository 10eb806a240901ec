package helmwrap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil/cmdtest"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
)

// TestRunWithInjectedStreams: the wrapper command runs on a Factory of
// buffers. What it prepared is announced on stderr, helm's output is masked
// when redacting (and only then), and helm's exit code comes back as a
// *cmdutil.ExitError; helm and the decryption are faked through Wrap.
func TestRunWithInjectedStreams(t *testing.T) {
	const secret = "Canary-Helmwrap-7361"
	for _, tc := range []struct {
		name       string
		redact     bool
		wantStdout string
	}{
		{name: "redacted", redact: true, wantStdout: "password: [redacted]\n"},
		{name: "as is", redact: false, wantStdout: "password: " + secret + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := cmdtest.New(t, "sops")
			var got wrapper.Options
			err := Run(context.Background(), &Options{
				Factory: e.F, Command: "template", Args: []string{"app", "./chart", "-f", "s.yaml"},
				DefaultBackend: "sops", Redact: tc.redact, RedactSet: true,
				Wrap: func(_ context.Context, o wrapper.Options, prepared PreparedFunc) (int, error) {
					got = o
					stdout, _ := prepared(Prepared{Decrypted: []string{"s.yaml"}, Args: o.Args,
						Plaintexts: []wrapper.Plaintext{{Source: "s.yaml", Values: true, Content: []byte("password: " + secret + "\n")}}})
					if stdout == nil {
						stdout = o.Stdout
					}
					fmt.Fprintf(stdout, "password: %s\n", secret)
					return 3, nil
				},
			})
			var xe *cmdutil.ExitError
			if !errors.As(err, &xe) || xe.Code != 3 {
				t.Fatalf("Run = %v, want helm's exit code 3", err)
			}
			if strings.Join(got.Args, " ") != "template app ./chart -f s.yaml" || got.DefaultBackend != "sops" || got.Stdin != e.F.IO.In {
				t.Errorf("wrapper options: args %q, backend %q", got.Args, got.DefaultBackend)
			}
			if e.Out.String() != tc.wantStdout {
				t.Errorf("stdout %q, want %q", e.Out.String(), tc.wantStdout)
			}
			if e.ErrOut.String() != "[helm-secrets] Decrypt: s.yaml\n" {
				t.Errorf("stderr %q", e.ErrOut.String())
			}
		})
	}
}

// TestRunUsage: no arguments, or help first, print the wrapper usage
// naming the command; helm does not run.
func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"--help"}, {"help", "x"}} {
		e := cmdtest.New(t, "sops")
		err := Run(context.Background(), &Options{Factory: e.F, Command: "upgrade", Args: args,
			Wrap: func(context.Context, wrapper.Options, PreparedFunc) (int, error) {
				t.Fatal("helm ran")
				return 0, nil
			}})
		if err != nil || !strings.HasPrefix(e.Out.String(), "helm secrets [ OPTIONS ] upgrade\n") {
			t.Errorf("%q: Run = %v, stdout %q", args, err, e.Out.String())
		}
	}
}
