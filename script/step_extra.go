package script

import "time"

// The settings that few steps of a kind set are apart from the step, in its
// Extra, nil when the step sets none of them: a long script is mostly
// plain sends and expects. These read them, zero without Extra, and make
// Extra when the parser sets one.

// extra returns s.Extra, made if it is nil.
func (s *Send) extra() *SendExtra {
	if s.Extra == nil {
		s.Extra = &SendExtra{}
	}
	return s.Extra
}

// on, hex and pace are On, Hex and Pace of s.Extra; zero without it.
func (s *Send) on() string {
	if s.Extra == nil {
		return ""
	}
	return s.Extra.On
}

func (s *Send) hex() []byte {
	if s.Extra == nil {
		return nil
	}
	return s.Extra.Hex
}

func (s *Send) pace() time.Duration {
	if s.Extra == nil {
		return 0
	}
	return s.Extra.Pace
}

// extra returns s.Extra, made if it is nil.
func (s *Expect) extra() *ExpectExtra {
	if s.Extra == nil {
		s.Extra = &ExpectExtra{}
	}
	return s.Extra
}

// branched reports whether s has any:, its Patterns its branches.
func (s *Expect) branched() bool { return s.Extra != nil && s.Extra.Any }

// stream is the stream of s: "stdout", "stderr" or "both".
func (s *Expect) stream() string {
	if s.Extra == nil || s.Extra.Stream == "" {
		return "stdout"
	}
	return s.Extra.Stream
}

// idle, on, before and echo are Idle, On, Before and Echo of s.Extra; zero
// without it.
func (s *Expect) idle() time.Duration {
	if s.Extra == nil {
		return 0
	}
	return s.Extra.Idle
}

func (s *Expect) on() string {
	if s.Extra == nil {
		return ""
	}
	return s.Extra.On
}

func (s *Expect) before() string {
	if s.Extra == nil {
		return ""
	}
	return s.Extra.Before
}

func (s *Expect) echo() string {
	if s.Extra == nil {
		return ""
	}
	return s.Extra.Echo
}

// capture and then are Capture and Then of p.Extra; nil without it.
func (p *Pattern) capture() []string {
	if p.Extra == nil {
		return nil
	}
	return p.Extra.Capture
}

func (p *Pattern) then() []Step {
	if p.Extra == nil {
		return nil
	}
	return p.Extra.Then
}
