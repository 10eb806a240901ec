package yamlchecktest

import (
	"fmt"
	"strings"
)

// AliasBomb is a "billion laughs" mapping: levels lists of ten aliases,
// each to the list before, the first holding ten short strings (10^levels
// strings expanded, in a few hundred bytes). It is a valid sops document
// body in any document of a stream.
func AliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// AliasChain is a mapping of n lists, each holding an alias to the one
// before: short, and nested n deep once the aliases are expanded.
func AliasChain(n int) string {
	var b strings.Builder
	b.WriteString("c0: &c0 [x]\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "c%d: &c%d [*c%d]\n", i, i, i-1)
	}
	return b.String()
}
