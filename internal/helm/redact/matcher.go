package redact

import "encoding/binary"

// pattern is one byte string to mask. b64 patterns are base64 cores: the
// whole base64 run around a match is masked. word patterns (the forms of
// a value that ordinary text may hold too) match only as a whole token
// (wordAt).
type pattern struct {
	b    []byte
	b64  bool
	word bool
}

const filterBits = 20 // a 128 KiB bitmap over the hashed 4-byte prefixes

// matcher finds every occurrence of its patterns (all at least MinLen
// bytes long). A position is a candidate only when the hash of its 4 bytes
// is set in the bitmap; candidates are checked against the patterns with
// that exact prefix.
type matcher struct {
	pats    []pattern
	maxLen  int
	filter  []uint64
	buckets map[uint32][]int32
}

func newMatcher(pats []pattern) *matcher {
	m := &matcher{pats: pats, filter: make([]uint64, (1<<filterBits)/64), buckets: map[uint32][]int32{}}
	for i, p := range pats {
		k := binary.LittleEndian.Uint32(p.b)
		h := hash(k)
		m.filter[h>>6] |= 1 << (h & 63)
		m.buckets[k] = append(m.buckets[k], int32(i))
		if len(p.b) > m.maxLen {
			m.maxLen = len(p.b)
		}
	}
	return m
}

func hash(k uint32) uint32 { return (k * 2654435761) >> (32 - filterBits) }

// candidate reports whether some pattern may start at b[0:4].
func (m *matcher) candidate(k uint32) bool {
	h := hash(k)
	return m.filter[h>>6]&(1<<(h&63)) != 0
}

// at calls match for every pattern that occurs at the start of b.
func (m *matcher) at(k uint32, b []byte, match func(p *pattern)) {
	for _, i := range m.buckets[k] {
		p := &m.pats[i]
		if len(p.b) <= len(b) && string(b[:len(p.b)]) == string(p.b) {
			match(p)
		}
	}
}
