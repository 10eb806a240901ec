package redact

import (
	"encoding/binary"
	"io"
)

// class bits of a byte: which base64 alphabets it belongs to ('=' padding
// belongs to both).
const (
	stdChar = 1 << iota
	urlChar
)

var classes = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = stdChar | urlChar
		t[c+'a'-'A'] = stdChar | urlChar
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = stdChar | urlChar
	}
	t['+'], t['/'] = stdChar, stdChar
	t['-'], t['_'] = urlChar, urlChar
	t['='] = stdChar | urlChar
	return t
}()

// interval is a masked range of stream offsets [s, e).
type interval struct{ s, e int }

// Writer masks the secrets of a Set in everything written to it and
// writes the result to the underlying writer. Close flushes the bytes it
// holds back; it does not close the underlying writer. A Writer is not
// safe for concurrent use.
type Writer struct {
	w    io.Writer
	set  *Set
	m    *matcher
	buf  []byte // bytes not yet written; buf[0] is at stream offset base
	base int
	out  int        // stream offset of the first byte not yet written
	pos  int        // stream offset of the next byte to scan
	ivs  []interval // pending masks: sorted, disjoint, not adjacent, s >= out
	ext  uint8      // the last interval grows over this alphabet's run
	// [runS, runE) are base64 characters (either alphabet) and runS is
	// the start of their run: the run emit holds back.
	runS, runE int
	// maskEnd is the stream offset where the last written mask ends (-1:
	// none): a mask that starts there continues it, as the one range a
	// single Write would have made of both.
	maskEnd int
	pend    []byte // output of one Write, written at once
	err     error
	closed  bool
}

// NewWriter returns a Writer that masks set's secrets in what it writes
// to w. With an empty set it still copies everything through.
func NewWriter(w io.Writer, set *Set) *Writer {
	w2 := &Writer{w: w, set: set, maskEnd: -1}
	w2.load()
	return w2
}

// load takes the set's current matcher (Set.Add may have replaced it).
func (w *Writer) load() {
	if w.set != nil {
		w.m = w.set.m.Load()
	}
	if w.m == nil {
		w.m = newMatcher(nil)
	}
}

// Write masks and writes p. Bytes that could start a secret are held back
// until more input (or Close) decides them. It returns len(p) unless the
// underlying writer fails.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, io.ErrClosedPipe
	}
	w.buf = append(w.buf, p...)
	w.load()
	w.scan(false)
	w.emit(false)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// Close masks and writes everything held back.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	w.load()
	w.scan(true)
	w.emit(true)
	w.buf = nil
	return w.err
}

// scan looks for patterns at every position whose longest pattern is
// complete in buf (every position when final).
func (w *Writer) scan(final bool) {
	end := w.base + len(w.buf)
	// Two bytes past the longest pattern decide whether a word
	// pattern ends a token (wordAt).
	limit := end - w.m.maxLen - 2
	if final {
		limit = end
	}
	w.extend()
	m, buf, base := w.m, w.buf, w.base
	// Positions up to last4 have 4 bytes to hash.
	last4 := min(limit, end-3)
	for pos := w.pos; pos < last4; pos++ {
		k := binary.LittleEndian.Uint32(buf[pos-base:])
		if !m.candidate(k) {
			continue
		}
		m.at(k, buf[pos-base:], func(p *pattern) { w.matched(pos, p) })
	}
	w.pos = max(w.pos, limit)
}

// extend grows the last interval over the rest of its base64 run, as far
// as the buffer goes, MaxRun bytes at a time (emit writes the mask of a
// pending interval that long, so memory stays bounded).
func (w *Writer) extend() {
	if w.ext == 0 {
		return
	}
	last := &w.ivs[len(w.ivs)-1]
	end := w.base + len(w.buf)
	for last.e < end && classes[w.buf[last.e-w.base]]&w.ext != 0 {
		if last.e-last.s >= MaxRun {
			return // emit writes this much, then it grows on
		}
		last.e++
	}
	if last.e < end {
		w.ext = 0 // the run ended
	}
}

// matched records a match of p at pos.
func (w *Writer) matched(pos int, p *pattern) {
	s, e := pos, pos+len(p.b)
	if p.word && !w.wordAt(s, e) {
		return
	}
	var ext uint8
	if p.b64 {
		// Mask the whole base64 run: back to its start (as far as it is
		// held back or not masked yet) and on to its end.
		ext = stdChar
		for _, c := range p.b {
			if c == '-' || c == '_' {
				ext = urlChar
				break
			}
		}
		floor := w.out
		if n := len(w.ivs); n > 0 {
			floor = max(floor, w.ivs[n-1].e)
		}
		for s > floor && classes[w.buf[s-1-w.base]]&ext != 0 {
			s--
		}
	}
	if s < w.out {
		s = w.out
	}
	if e <= s {
		return
	}
	w.add(s, e)
	if ext != 0 {
		w.ext = ext
		w.extend()
	}
}

// add merges [s, e) into the pending masks.
func (w *Writer) add(s, e int) {
	j := len(w.ivs)
	for j > 0 && w.ivs[j-1].e >= s {
		j--
	}
	for _, iv := range w.ivs[j:] {
		s = min(s, iv.s)
		e = max(e, iv.e)
	}
	w.ivs = append(w.ivs[:j], interval{s, e})
}

// holdFrom returns where the base64 run that ends at the scan position
// starts (the scan position itself when there is none, or the run is
// longer than MaxRun): a match later in the run masks it whole, so none
// of it is written yet. It remembers the run between calls, so each byte
// is looked at once.
func (w *Writer) holdFrom() int {
	pos := w.pos
	j := pos
	lo := max(w.runE, w.out)
	for j > lo && classes[w.buf[j-1-w.base]] != 0 {
		j--
	}
	switch {
	case j > lo: // a byte that ends runs: the run starts after it
		w.runS = j
	case w.runE < w.out || w.runS > w.runE: // nothing remembered: j == out
		w.runS = j
	}
	w.runE = pos
	if pos-w.runS > MaxRun {
		return pos
	}
	return w.runS
}

// mask writes the mask of [s, e), unless it continues the mask written
// last (a base64 run masked back to where a mask ended).
func (w *Writer) mask(s, e int) {
	if s != w.maskEnd {
		w.pend = append(w.pend, Mask...)
	}
	w.out, w.maskEnd = e, e
}

// emit writes what is decided: plain bytes up to the scan position (but
// not into a base64 run that may still need masking whole) and every
// closed mask.
func (w *Writer) emit(final bool) {
	limit := w.pos
	if !final {
		limit = w.holdFrom()
	}
	w.pend = w.pend[:0]
	for {
		stop := limit
		if len(w.ivs) > 0 && w.ivs[0].s < stop {
			stop = w.ivs[0].s
		}
		if stop > w.out {
			w.pend = append(w.pend, w.buf[w.out-w.base:stop-w.base]...)
			w.out = stop
		}
		if len(w.ivs) == 0 || (!final && w.ivs[0].s >= limit) || w.ivs[0].s > w.out {
			break
		}
		iv := &w.ivs[0]
		open := !final && (iv.e >= w.pos || (w.ext != 0 && len(w.ivs) == 1))
		if open {
			if iv.e-iv.s >= MaxRun {
				w.mask(iv.s, iv.e)
				iv.s = iv.e
			}
			break
		}
		if iv.e > iv.s {
			w.mask(iv.s, iv.e)
		}
		w.out = iv.e
		w.ivs = w.ivs[1:]
		if len(w.ivs) == 0 {
			w.ext = 0
		}
	}
	if final {
		w.ext = 0
	}
	if len(w.pend) > 0 {
		if _, err := w.w.Write(w.pend); err != nil {
			w.err = err
		}
	}
	// Drop what is written and scanned (a mask may have been written
	// ahead of the scan position).
	// One byte before the scan position stays: it decides whether a
	// word pattern starts a token.
	if keep := min(w.out, w.pos) - 1; keep-w.base > 4096 && keep-w.base > len(w.buf)/2 {
		w.buf = w.buf[:copy(w.buf, w.buf[keep-w.base:])]
		w.base = keep
	}
}

// wordAt reports whether [s, e) stands as a whole token (isToken).
func (w *Writer) wordAt(s, e int) bool {
	end := w.base + len(w.buf)
	at := func(i int) int { // the byte at stream offset i, -1 when not held
		if i < w.base || i >= end {
			return -1
		}
		return int(w.buf[i-w.base])
	}
	return isToken(at(s-1), at(e), at(e+1))
}

// isToken reports whether a match between the bytes prev and after
// (-1: the start or end of the stream), after followed by next, stands as
// a whole token: the bytes around it are boundaries, not part of a longer
// word. Boundaries are the start and end of the stream, white space,
// quotes, and punctuation that separates fields (= : , ; @ & ? # | ! \\
// and brackets); letters, digits, non-ASCII bytes and . - _ / + ~ $ % *
// are part of a word, except that a '.' ending a sentence (followed by a
// boundary) is a boundary. A token followed by ": " or by a quote and ':'
// is a YAML or JSON mapping key, which is never a secret (sops does not
// encrypt keys), and one followed by "://" a URL scheme: neither is a
// match.
func isToken(prev, after, next int) bool {
	if prev >= 0 && wordByte(byte(prev)) {
		return false
	}
	if after < 0 {
		return true
	}
	c := byte(after)
	switch {
	case c == '.':
		return next < 0 || !wordByte(byte(next))
	case wordByte(c):
		return false
	case c == ':':
		// "value: x" is a key, "value://" a URL scheme.
		return next >= 0 && !isSpace(byte(next)) && next != '/'
	case c == '"' || c == '\'':
		return next != ':' // "value": x is a key
	}
	return true
}

// wordByte reports whether c is part of a word (see wordAt).
func wordByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c >= 0x80:
		return true
	}
	switch c {
	case '.', '-', '_', '/', '+', '~', '$', '%', '*':
		return true
	}
	return false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
