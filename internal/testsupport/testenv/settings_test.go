package testenv

import (
	"os"
	"testing"
)

// TestSettingSurvivesIsolate: settings are read from the environment the
// process started with, so Isolate (which clears HELM_SECRETS_*) cannot
// turn them off; a bad value fails instead of meaning 0.
func TestSettingSurvivesIsolate(t *testing.T) {
	initialEnv["HELM_SECRETS_TEST_SETTING"] = "7"
	os.Setenv("HELM_SECRETS_TEST_SETTING", "7")
	defer delete(initialEnv, "HELM_SECRETS_TEST_SETTING")
	Isolate(t)
	if os.Getenv("HELM_SECRETS_TEST_SETTING") != "" {
		t.Fatal("Isolate kept the variable")
	}
	if n := IntSetting(t, "HELM_SECRETS_TEST_SETTING", 1, 1); n != 7 {
		t.Fatalf("IntSetting = %d, want 7", n)
	}
	for _, bad := range []string{"abc", "0", "-3", "1e3"} {
		initialEnv["HELM_SECRETS_TEST_SETTING"] = bad
		ft := &fatalRecorder{TB: t}
		func() {
			defer func() { _ = recover() }()
			IntSetting(ft, "HELM_SECRETS_TEST_SETTING", 1, 1)
		}()
		if !ft.failed {
			t.Errorf("%q accepted", bad)
		}
	}
}

// fatalRecorder records Fatalf instead of stopping the test.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fatalRecorder) Helper()               {}
