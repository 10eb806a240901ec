// Command wineeditor is the scripted editor of the Windows e2e test
// (e2e/windows_test.go): it turns "port: 5432" into "port: 6543", or
// "port: 6543" back into "port: 5432", in the file named by its last
// argument, and fails when the file has neither.
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
	from, to := []byte("port: 5432"), []byte("port: 6543")
	if !bytes.Contains(b, from) {
		from, to = to, from
	}
	if !bytes.Contains(b, from) {
		fmt.Fprintln(os.Stderr, "editor: no port 5432 or 6543 in the file")
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "editor: %s -> %s in %s\n", from, to, path)
	if err := os.WriteFile(path, bytes.Replace(b, from, to, 1), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "editor:", err)
		os.Exit(1)
	}
}
