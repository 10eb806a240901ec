package gitsecrets

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestMain lets the test binary stand in for helm-secrets when git runs the
// drivers (GITSECRETS_TEST_MAIN=1): "merge-driver O A B P" and
// "git textconv FILE", the command lines setup registers.
func TestMain(m *testing.M) {
	if os.Getenv("GITSECRETS_TEST_MAIN") == "1" {
		os.Exit(testMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func testMain(args []string) int {
	ctx := context.Background()
	eng := encrypt.New(encrypt.Options{})
	switch {
	case len(args) == 5 && args[0] == "merge-driver":
		return RunMerge(ctx, MergeOptions{Engine: eng, Base: args[1], Ours: args[2], Theirs: args[3], Path: args[4], Stderr: os.Stderr})
	case len(args) == 3 && args[0] == "git" && args[1] == "textconv":
		if err := RunTextconv(ctx, TextconvOptions{Engine: eng, File: args[2], Stdout: os.Stdout}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(os.Stderr, "test main: unexpected arguments %q\n", args)
	return 2
}
