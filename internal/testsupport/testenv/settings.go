package testenv

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// initialEnv is the environment the test process started with, taken
// before any test runs Isolate (which clears HELM_SECRETS_*): the test
// settings below (iteration counts, seeds, corpus sizes) come from it.
var initialEnv = func() map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}()

// Setting returns a test setting (HELM_SECRETS_KILL_ITERATIONS, ...) as
// the test process was started with, whatever Isolate did since.
func Setting(name string) string { return initialEnv[name] }

// IntSetting returns the setting name as an integer of at least min, or
// def when it is unset; any other value fails the test, so a typo never
// turns a long run into zero iterations.
func IntSetting(t testing.TB, name string, def, min int) int {
	t.Helper()
	s := Setting(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min {
		t.Fatalf("%s=%q: want an integer of at least %d", name, s, min)
	}
	return n
}

// Int64Setting returns the setting name as an int64 (a seed), or def when
// it is unset; any other value fails the test.
func Int64Setting(t testing.TB, name string, def int64) int64 {
	t.Helper()
	s := Setting(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: want an integer", name, s)
	}
	return n
}
