package bounds

import (
	"errors"
	"fmt"
)

// MaxDepth is the deepest nesting of mappings and lists a document may
// have: far beyond any Helm values file (Kubernetes manifests embedded in
// values reach about 20), low enough that size × depth stays small.
const MaxDepth = 100

// ErrTooDeep means a document nests deeper than MaxDepth.
var ErrTooDeep = errors.New("document nests too deeply")

func tooDeep(line int) error {
	return fmt.Errorf("%w (more than %d levels, at line %d)", ErrTooDeep, MaxDepth, line)
}

// CheckJSONDepth scans a JSON text once and refuses it when its objects
// and arrays nest deeper than MaxDepth. It does not validate the JSON.
func CheckJSONDepth(data []byte) error {
	depth, line := 0, 1
	inString, escaped := false, false
	for _, c := range data {
		if c == '\n' {
			line++
		}
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxDepth {
				return tooDeep(line)
			}
		case '}', ']':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// CheckYAMLDepth scans a YAML text once, line by line, and refuses it when
// its nesting is deeper than MaxDepth. The depth of a line is the number
// of enclosing indentation levels, plus its leading "- " sequence entries,
// plus the flow collections ('[', '{', outside quotes and comments) open
// at it, carried across lines. Block scalar contents (after '|' or '>')
// are skipped. It may count a little more than a parser would (a '[' in
// a plain scalar), never much less.
func CheckYAMLDepth(data []byte) error {
	var indents []int  // the columns of the open block collections
	var opens []bool   // whether each is a mapping whose last key has its value on the next lines
	base, flow := 0, 0 // block depth of the line that opened the open flow collections, and their count
	block := -1        // inside a block scalar: the indentation of its parent line
	for lineNo, start := 1, 0; start < len(data); lineNo++ {
		end := start
		for end < len(data) && data[end] != '\n' {
			end++
		}
		line := data[start:end]
		start = end + 1
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		rest := line[indent:]
		if len(rest) > 0 && rest[len(rest)-1] == '\r' {
			rest = rest[:len(rest)-1]
		}
		if block >= 0 {
			if len(rest) == 0 || indent > block {
				continue
			}
			block = -1
		}
		if len(rest) == 0 || rest[0] == '#' {
			continue
		}
		if flow == 0 && (hasPrefix(rest, "---") || hasPrefix(rest, "...")) && (len(rest) == 3 || rest[3] == ' ' || rest[3] == '\t') {
			indents, opens = indents[:0], opens[:0]
			rest = trimLeft(rest[3:])
			if len(rest) == 0 {
				continue
			}
		}
		if flow == 0 {
			dash := len(rest) > 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ' || rest[1] == '\t')
			// A sequence may sit at its parent key's column ("a:\n- b"):
			// then the key's mapping stays open.
			for len(indents) > 0 {
				top := len(indents) - 1
				if indents[top] < indent || (indents[top] == indent && dash && opens[top]) {
					break
				}
				indents, opens = indents[:top], opens[:top]
			}
			// Each "- " opens a sequence whose entries sit at its column;
			// what follows the last one is a mapping when it has a key.
			col := indent
			isSeq := false
			for len(rest) > 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ' || rest[1] == '\t') {
				indents, opens = append(indents, col), append(opens, false)
				n := len(rest)
				rest = trimLeft(rest[1:])
				col += n - len(rest)
				isSeq = true
			}
			if !isSeq || (len(rest) > 0 && hasKey(rest)) {
				indents, opens = append(indents, col), append(opens, opensBlock(rest))
			}
			base = len(indents)
		}
		if base+flow > MaxDepth {
			return tooDeep(lineNo)
		}
		running, blockStart := scanYAMLLine(rest, flow > 0)
		for _, d := range running {
			if base+flow+d > MaxDepth {
				return tooDeep(lineNo)
			}
		}
		if len(running) > 0 {
			flow = max(0, flow+running[len(running)-1])
		}
		if blockStart && flow == 0 {
			block = indent
		}
	}
	return nil
}

// scanYAMLLine returns the running flow depth change after each flow
// bracket of the line (outside quotes and comments), and whether the line
// starts a block scalar (ends in '|' or '>' with optional indicators). A
// '[' or '{' opens a collection only where a value starts (after the line
// start, ": ", "- ", '?', or inside a flow collection); elsewhere, as in
// `image: repo/app[1]` or `v: ENC[AES256_GCM,...]`, it is text.
func scanYAMLLine(s []byte, inFlow bool) (running []int, blockStart bool) {
	d := 0
	quote := byte(0)
	last := -1         // index of the last character before a comment
	valueStart := true // the next non-blank character starts a value
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			switch {
			case quote == '"' && c == '\\':
				i++
			case c == quote:
				quote = 0
			}
			last = i
			continue
		}
		flowCtx := inFlow || d > 0
		switch {
		case c == ' ' || c == '\t':
			continue
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return running, isBlockIndicator(s[:last+1])
		case (c == '"' || c == '\'') && valueStart:
			quote = c
		case (c == '[' || c == '{') && (valueStart || flowCtx):
			d++
			running = append(running, d)
			valueStart = true
			last = i
			continue
		case (c == ']' || c == '}') && flowCtx:
			d--
			running = append(running, d)
		case c == ',' && flowCtx:
			valueStart = true
			last = i
			continue
		case (c == ':' || c == '-' || c == '?') && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t'):
			valueStart = true
			last = i
			continue
		}
		valueStart = false
		last = i
	}
	return running, isBlockIndicator(s[:last+1])
}

// isBlockIndicator reports whether s ends in a block scalar header: '|' or
// '>' followed only by chomping and indentation indicators, after a space,
// ':' or '-' or at the start.
func isBlockIndicator(s []byte) bool {
	i := len(s) - 1
	for i >= 0 && (s[i] == '-' || s[i] == '+' || (s[i] >= '1' && s[i] <= '9')) {
		i--
	}
	if i < 0 || (s[i] != '|' && s[i] != '>') {
		return false
	}
	return i == 0 || s[i-1] == ' ' || s[i-1] == '\t'
}

// hasKey reports whether a line (after its "- " entries) holds a mapping
// key: ": " or a final ':' outside quotes, before any flow bracket.
func hasKey(s []byte) bool {
	quote := byte(0)
	for i, c := range s {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{' || c == '#':
			return false
		case c == ':' && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t'):
			return true
		}
	}
	return false
}

// opensBlock reports whether a mapping line ends in a key with no value on
// the line ("key:", maybe with a comment, an anchor or a tag).
func opensBlock(s []byte) bool {
	if i := indexComment(s); i >= 0 {
		s = s[:i]
	}
	s = trimRight(s)
	for len(s) > 0 && (s[len(s)-1] != ':') {
		// "key: &anchor" or "key: !!map"
		j := len(s) - 1
		for j >= 0 && s[j] != ' ' {
			j--
		}
		if j < 0 || (s[j+1] != '&' && s[j+1] != '!') {
			return false
		}
		s = trimRight(s[:j])
	}
	return len(s) > 0
}

func indexComment(s []byte) int {
	for i, c := range s {
		if c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return i
		}
	}
	return -1
}

func trimRight(s []byte) []byte {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

func hasPrefix(s []byte, p string) bool { return len(s) >= len(p) && string(s[:len(p)]) == p }

func trimLeft(s []byte) []byte {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}
