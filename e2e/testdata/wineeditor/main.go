// Command wineeditor is the scripted editor of the Windows e2e test
// (e2e/windows_test.go): it replaces "port: 5432" with "port: 6543" in the
// file named by its last argument, and fails when the file lacks it.
package main

import (
	"bytes"
	"fmt"
	"os"
)

func main() {
	path := os.Args[len(os.Args)-1]
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "editor:", err)
		os.Exit(1)
	}
	if !bytes.Contains(b, []byte("port: 5432")) {
		fmt.Fprintln(os.Stderr, "editor: no 'port: 5432' in the file")
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "editor: editing", path)
	if err := os.WriteFile(path, bytes.Replace(b, []byte("port: 5432"), []byte("port: 6543"), 1), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "editor:", err)
		os.Exit(1)
	}
}
