package mock

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// ChaosConfig makes the mock inject faults at random into requests that pass the
// gateway's checks, to soak a client in the failures a real network and service produce.
// Each probability is that of its fault per request; their sum is at most 1, and the
// rest of the requests are answered normally.
type ChaosConfig struct {
	// Seed fixes the faults drawn, so that a run can be repeated.
	Seed uint64
	// Throttle is the probability of an HTTP 400 Throttling.User answer.
	Throttle float64
	// Unavailable is the probability of an HTTP 503 ServiceUnavailable answer.
	Unavailable float64
	// Reset is the probability of closing the connection without an answer.
	Reset float64
	// Slow is the probability of answering normally only after SlowDelay, which is meant
	// to exceed the client's request timeout.
	Slow float64
	// SlowDelay is how long a slow answer waits; it must be positive when Slow is.
	SlowDelay time.Duration
	// Truncate is the probability of sending half of the normal answer, then closing the
	// connection.
	Truncate float64
}

// chaos draws the faults of a ChaosConfig. Its state is guarded by the server's mutex.
type chaos struct {
	cfg ChaosConfig
	// streams holds each ticket's own random source. A ticket's faults then depend only
	// on the seed and on how many requests for that ticket came before, not on how the
	// requests of concurrent readers of other tickets interleave.
	streams map[string]*rand.Rand
	counts  map[FaultKind]int
}

// WithChaos makes the mock inject faults at random as cfg says. Faults queued with Inject
// or Config.Faults take precedence: a request that gets one draws nothing.
func WithChaos(cfg ChaosConfig) Option {
	return func(s *Server) {
		s.chaos = &chaos{
			cfg:     cfg,
			streams: map[string]*rand.Rand{},
			counts:  map[FaultKind]int{},
		}
	}
}

// choices lists the faults a chaos draw picks from, in the fixed order the draw walks.
func (c *chaos) choices() []struct {
	kind FaultKind
	p    float64
} {
	return []struct {
		kind FaultKind
		p    float64
	}{
		{FaultThrottle, c.cfg.Throttle},
		{FaultUnavailable, c.cfg.Unavailable},
		{FaultReset, c.cfg.Reset},
		{FaultDelay, c.cfg.Slow},
		{FaultTruncate, c.cfg.Truncate},
	}
}

// validate checks the configuration; a server without chaos has nothing to check.
func (c *chaos) validate() error {
	if c == nil {
		return nil
	}

	var sum float64
	for _, choice := range c.choices() {
		// The negated comparison also refuses NaN.
		if !(choice.p >= 0 && choice.p <= 1) {
			return fmt.Errorf("chaos: probability of %s is %v, not between 0 and 1",
				choice.kind, choice.p)
		}
		sum += choice.p
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("chaos: the probabilities add up to %v, more than 1", sum)
	}
	if c.cfg.Slow > 0 && c.cfg.SlowDelay <= 0 {
		return fmt.Errorf("chaos: slow answers need a positive slow delay")
	}

	return nil
}

// draw picks the fault, if any, for the next request for ticketID and counts it. The
// caller holds s.mu; a server without chaos draws nothing.
func (c *chaos) draw(ticketID string) *Fault {
	if c == nil {
		return nil
	}

	stream, ok := c.streams[ticketID]
	if !ok {
		h := fnv.New64a()
		_, _ = h.Write([]byte(ticketID))
		stream = rand.New(rand.NewPCG(c.cfg.Seed, h.Sum64()))
		c.streams[ticketID] = stream
	}

	u := stream.Float64()
	for _, choice := range c.choices() {
		if u < choice.p {
			c.counts[choice.kind]++
			return &Fault{Kind: choice.kind, Delay: Duration(c.cfg.SlowDelay)}
		}
		u -= choice.p
	}

	return nil
}

// ChaosCounts returns how many faults of each kind chaos has injected so far; kinds never
// injected are absent. It is empty for a server without chaos.
func (s *Server) ChaosCounts() map[FaultKind]int {
	s.mu.Lock()
	defer s.mu.Unlock()

	counts := map[FaultKind]int{}
	if s.chaos != nil {
		for kind, n := range s.chaos.counts {
			counts[kind] = n
		}
	}

	return counts
}
