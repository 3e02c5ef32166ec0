package script

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// minRun is the shortest run of a secret's characters that is masked on
// its own: a terminal may echo a long secret in pieces (readline scrolls a
// line longer than the screen sideways and reprints part of it), so every
// run of minRun or more consecutive bytes of a secret is masked wherever it
// appears, and a secret shorter than that only whole.
const minRun = 8

// maskText replaces a masked run of output.
const maskText = "******"

// masker knows the secrets of one job and finds them in text. Every output
// of the job goes through it: the live trace, the transcript, the
// recordings, notes, errors, the received output of a failure and the
// variables of the result. It is not safe for concurrent use: jobLog
// guards it.
type masker struct {
	secrets []string              // each once, as given
	grams   map[uint64]struct{}   // every minRun-byte run of a long secret
	pairs   *[1 << 16 / 64]uint64 // the first two bytes of each run: 8 KiB, made with grams
	long    []string              // secrets of minRun bytes or more
	short   []string              // shorter ones, masked only whole
}

// add makes s a secret. A secret of several lines is also looked for as a
// terminal echoes it, each "\n" as "\r\n".
func (m *masker) add(s string) {
	if s == "" {
		return
	}
	for _, have := range m.secrets {
		if have == s {
			return
		}
	}
	m.secrets = append(m.secrets, s)
	if len(s) < minRun {
		m.short = append(m.short, s)
	} else {
		if m.grams == nil {
			// Only for a job with a long secret: every job has a masker.
			m.grams = map[uint64]struct{}{}
			m.pairs = new([1 << 16 / 64]uint64)
		}
		m.long = append(m.long, s)
		for i := 0; i+minRun <= len(s); i++ {
			g := binary.LittleEndian.Uint64([]byte(s[i : i+minRun]))
			m.grams[g] = struct{}{}
			p := uint16(g)
			m.pairs[p/64] |= 1 << (p % 64)
		}
	}
	if strings.Contains(s, "\n") && !strings.Contains(s, "\r\n") {
		m.add(strings.ReplaceAll(s, "\n", "\r\n"))
	}
}

// empty reports whether there is nothing to mask.
func (m *masker) empty() bool { return len(m.secrets) == 0 }

// covered marks in cov the bytes of d that are part of a secret: every
// run of minRun bytes of a long secret, and every whole short secret,
// widened to whole UTF-8 sequences. cov must be as long as d.
func (m *masker) covered(d []byte, cov []bool) (any bool) {
	mark := func(from, to int) {
		for from > 0 && d[from]&0xC0 == 0x80 {
			from--
		}
		for to < len(d) && d[to]&0xC0 == 0x80 {
			to++
		}
		for i := from; i < to; i++ {
			cov[i] = true
		}
		any = true
	}
	if len(m.grams) > 0 {
		for p := 0; p+minRun <= len(d); p++ {
			pair := uint16(d[p]) | uint16(d[p+1])<<8
			if m.pairs[pair/64]&(1<<(pair%64)) == 0 {
				continue
			}
			if _, ok := m.grams[binary.LittleEndian.Uint64(d[p:p+minRun])]; ok {
				mark(p, p+minRun)
			}
		}
	}
	for _, s := range m.short {
		for off := 0; ; {
			i := bytes.Index(d[off:], []byte(s))
			if i < 0 {
				break
			}
			mark(off+i, off+i+len(s))
			off += i + 1
		}
	}
	return any
}

// pending returns how many bytes at the end of d could still become part
// of a secret with more output: the longest end that begins a run of
// minRun bytes of a long secret, or begins a short secret.
func (m *masker) pending(d []byte) int {
	for k := min(minRun-1, len(d)); k > 0; k-- {
		end := string(d[len(d)-k:])
		for _, s := range m.long {
			// end begins a run of minRun bytes when it is followed in s
			// by at least minRun-k more bytes.
			if strings.Contains(s[:len(s)-(minRun-k)], end) {
				return k
			}
		}
		for _, s := range m.short {
			if len(s) > k && strings.HasPrefix(s, end) {
				return k
			}
		}
	}
	return 0
}

// mask returns s with every secret in it masked.
func (m *masker) mask(s string) string {
	if m.empty() || s == "" {
		return s
	}
	d := []byte(s)
	cov := make([]bool, len(d))
	if !m.covered(d, cov) {
		return s
	}
	var b strings.Builder
	appendMasked(&b, d, cov, false)
	return b.String()
}

// appendMasked writes d to b with each covered run replaced by maskText;
// open says that the run before d was masked, so that a masked run
// continued in d is not marked twice. It returns whether d ends masked.
func appendMasked(b *strings.Builder, d []byte, cov []bool, open bool) bool {
	for i := 0; i < len(d); {
		j := i
		for j < len(d) && cov[j] == cov[i] {
			j++
		}
		switch {
		case !cov[i]:
			b.Write(d[i:j])
		case i > 0 || !open:
			b.WriteString(maskText)
		}
		i = j
	}
	if len(d) == 0 {
		return open
	}
	return cov[len(d)-1]
}

// maskStream masks one stream of output as it arrives, in pieces split
// anywhere: a secret echoed in two reads, or across any boundary, is
// masked as if it had come whole. It keeps back only the end of the
// output that could still become part of a secret (fewer than minRun
// bytes), and the minRun-1 bytes before it, already passed on, to see a
// run that began there.
type maskStream struct {
	ctx  []byte // output already passed on, for context
	hold []byte // output not yet passed on
	open bool   // what was passed on ended masked
	buf  []byte
	cov  []bool
}

// write takes the next piece of output and returns what can be passed on,
// masked. The result is valid until the next call.
func (ms *maskStream) write(m *masker, b []byte) []byte {
	if m.empty() && len(ms.hold) == 0 {
		ms.keepCtx(b)
		ms.open = false
		return b
	}
	d := append(append(append(ms.buf[:0], ms.ctx...), ms.hold...), b...)
	ms.buf = d
	keep := m.pending(d[len(ms.ctx):])
	return ms.emit(m, d, len(d)-keep)
}

// flush returns the output kept back, masked: the stream ended.
func (ms *maskStream) flush(m *masker) []byte {
	if len(ms.hold) == 0 {
		return nil
	}
	d := append(append(ms.buf[:0], ms.ctx...), ms.hold...)
	ms.buf = d
	return ms.emit(m, d, len(d))
}

// emit passes on d[len(ctx):upTo], masked, and keeps the rest.
func (ms *maskStream) emit(m *masker, d []byte, upTo int) []byte {
	from := len(ms.ctx)
	if cap(ms.cov) < len(d) {
		ms.cov = make([]bool, len(d))
	}
	cov := ms.cov[:len(d)]
	clear(cov)
	var out []byte
	if m.covered(d, cov) {
		var b strings.Builder
		ms.open = appendMasked(&b, d[from:upTo], cov[from:upTo], ms.open)
		out = []byte(b.String())
	} else {
		out = d[from:upTo]
		if upTo > from {
			ms.open = false
		}
	}
	ms.hold = append(ms.hold[:0], d[upTo:]...)
	ms.ctx = append(ms.ctx[:0], d[max(0, upTo-(minRun-1)):upTo]...)
	return out // Valid until the next call, which reuses buf.
}

// keepCtx remembers the end of output passed on unmasked.
func (ms *maskStream) keepCtx(b []byte) {
	if len(b) >= minRun-1 {
		ms.ctx = append(ms.ctx[:0], b[len(b)-(minRun-1):]...)
		return
	}
	ms.ctx = append(ms.ctx, b...)
	if n := len(ms.ctx); n > minRun-1 {
		ms.ctx = append(ms.ctx[:0], ms.ctx[n-(minRun-1):]...)
	}
}
