package helmargs

import "strings"

// SplitUnescaped splits s on sep where sep is not escaped with a backslash.
func SplitUnescaped(s string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// Unescape removes helm's --set backslash escapes.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Escape escapes a --set-file path or value for helm's parser, which reads
// a value up to the next unescaped comma.
func Escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', ',':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
