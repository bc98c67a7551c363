package mock

import (
	"errors"
	"io"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// evenChaos gives every chaos fault the same probability, 0.75 in all, with slow answers
// short enough that a test does not wait on them.
func evenChaos(seed uint64) ChaosConfig {
	return ChaosConfig{
		Seed: seed, Throttle: 0.15, Unavailable: 0.15, Reset: 0.15, Slow: 0.15,
		Truncate: 0.15, SlowDelay: 20 * time.Millisecond,
	}
}

// sendEach sends a signed GET for each ticket in turn, one after the other, and returns
// the faults the mock recorded for them. Resets and cut-short bodies are expected.
func sendEach(t *testing.T, s *Server, tickets []string) []FaultKind {
	t.Helper()

	for _, ticket := range tickets {
		_, _ = sendRaw(t, http.MethodGet,
			s.URL+"/?"+encode(signedParams(http.MethodGet, ticket)), "", "")
	}

	reqs := s.Requests()
	if len(reqs) != len(tickets) {
		t.Fatalf("the mock recorded %d requests, want %d", len(reqs), len(tickets))
	}
	faults := make([]FaultKind, len(reqs))
	for i, req := range reqs {
		faults[i] = req.Fault
	}

	return faults
}

// repeat returns n copies of each ticket, interleaved: a b a b ...
func repeat(n int, tickets ...string) []string {
	var out []string
	for range n {
		out = append(out, tickets...)
	}

	return out
}

func TestChaos_sameSeedSameFaults(t *testing.T) {
	tickets := repeat(30, passedTicket, escapeTicket)

	first := sendEach(t, startServer(t, testConfig(), WithChaos(evenChaos(7))), tickets)
	second := sendEach(t, startServer(t, testConfig(), WithChaos(evenChaos(7))), tickets)
	other := sendEach(t, startServer(t, testConfig(), WithChaos(evenChaos(8))), tickets)

	if !reflect.DeepEqual(first, second) {
		t.Errorf("seed 7 drew\n%q\nthen\n%q", first, second)
	}
	if reflect.DeepEqual(first, other) {
		t.Errorf("seeds 7 and 8 drew the same %d faults: %q", len(first), first)
	}
}

func TestChaos_ticketFaultsIndependentOfOtherTickets(t *testing.T) {
	alone := sendEach(t, startServer(t, testConfig(), WithChaos(evenChaos(7))),
		repeat(30, passedTicket))
	mixed := sendEach(t, startServer(t, testConfig(), WithChaos(evenChaos(7))),
		repeat(30, escapeTicket, passedTicket, escapeTicket))

	var interleaved []FaultKind
	for i, fault := range mixed {
		if i%3 == 1 {
			interleaved = append(interleaved, fault)
		}
	}
	if !reflect.DeepEqual(alone, interleaved) {
		t.Errorf("the ticket met\n%q\nalone, and\n%q\namong another ticket's requests",
			alone, interleaved)
	}
}

func TestChaos_onlyAfterGatewayChecks(t *testing.T) {
	s := startServer(t, testConfig(), WithChaos(ChaosConfig{Seed: 1, Throttle: 1}))
	reused := signedParams(http.MethodGet, passedTicket)
	expired := newParams(passedTicket)
	expired["Timestamp"] = stamp(testNow.Add(-time.Hour))

	forgedParams := sign(http.MethodGet, newParams(passedTicket), "wrong-secret")
	forged := send(t, s, http.MethodGet, forgedParams)
	stale := send(t, s, http.MethodGet, sign(http.MethodGet, expired, keySecret))
	first := send(t, s, http.MethodGet, reused)
	replayed := send(t, s, http.MethodGet, reused)

	wantError(t, forged, http.StatusBadRequest, "SignatureDoesNotMatch",
		signatureMessage+StringToSign(http.MethodGet, forgedParams))
	wantError(t, stale, http.StatusBadRequest, "InvalidTimeStamp.Expired",
		"Specified time stamp or date value is expired.")
	wantError(t, first, http.StatusBadRequest, "Throttling.User",
		"Request was denied due to user flow control.")
	wantError(t, replayed, http.StatusBadRequest, "SignatureNonceUsed",
		"Specified signature nonce was used already.")

	var faults []FaultKind
	for _, req := range s.Requests() {
		faults = append(faults, req.Fault)
	}
	if want := []FaultKind{"", "", FaultThrottle, ""}; !reflect.DeepEqual(faults, want) {
		t.Errorf("recorded faults %q, want %q", faults, want)
	}
	if got, want := s.ChaosCounts(), map[FaultKind]int{FaultThrottle: 1}; !reflect.DeepEqual(
		got, want) {
		t.Errorf("ChaosCounts() = %v, want %v", got, want)
	}
}

func TestChaos_queuedFaultsFirst(t *testing.T) {
	s := startServer(t, testConfig(), WithChaos(ChaosConfig{Seed: 1, Unavailable: 1}))
	inject(t, s, Fault{Kind: FaultError, Code: "Error.InternalError", Times: 1})

	injected := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))
	drawn := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	wantError(t, injected, http.StatusInternalServerError, "Error.InternalError",
		"The request processing has failed due to some unknown error.")
	wantError(t, drawn, http.StatusServiceUnavailable, "ServiceUnavailable",
		"The request has failed due to a temporary failure of the server.")
	if got, want := s.ChaosCounts(), map[FaultKind]int{FaultUnavailable: 1}; !reflect.DeepEqual(
		got, want) {
		t.Errorf("ChaosCounts() = %v, want %v", got, want)
	}
}

func TestChaos_answersAndCounts(t *testing.T) {
	cfg := evenChaos(3)
	s := startServer(t, testConfig(), WithChaos(cfg))

	type outcome struct {
		ans     answer
		err     error
		elapsed time.Duration
	}
	var outcomes []outcome
	for range 200 {
		start := time.Now()
		ans, err := sendRaw(t, http.MethodGet,
			s.URL+"/?"+encode(signedParams(http.MethodGet, passedTicket)), "", "")
		outcomes = append(outcomes, outcome{ans, err, time.Since(start)})
	}

	recorded := map[FaultKind]int{}
	for i, req := range s.Requests() {
		got := outcomes[i]
		switch req.Fault {
		case FaultThrottle:
			wantError(t, got.ans, http.StatusBadRequest, "Throttling.User",
				"Request was denied due to user flow control.")
		case FaultUnavailable:
			wantError(t, got.ans, http.StatusServiceUnavailable, "ServiceUnavailable",
				"The request has failed due to a temporary failure of the server.")
		case FaultReset:
			if !errors.Is(got.err, io.EOF) {
				t.Errorf("request %d reset: error %v, want EOF", i, got.err)
			}
		case FaultTruncate:
			if !errors.Is(got.err, io.ErrUnexpectedEOF) {
				t.Errorf("request %d truncated: error %v, want unexpected EOF", i, got.err)
			}
		case FaultDelay:
			if got.elapsed < cfg.SlowDelay {
				t.Errorf("request %d slow: answered after %v, want at least %v", i,
					got.elapsed, cfg.SlowDelay)
			}
			wantSuccessJSON(t, got.ans, passedData)
		case "":
			wantSuccessJSON(t, got.ans, passedData)
		default:
			t.Errorf("request %d: chaos injected %q", i, req.Fault)
		}
		if req.Fault != "" {
			recorded[req.Fault]++
		}
	}

	counts := s.ChaosCounts()
	if !reflect.DeepEqual(counts, recorded) {
		t.Errorf("ChaosCounts() = %v, but the requests record %v", counts, recorded)
	}
	total := 0
	for _, kind := range []FaultKind{FaultThrottle, FaultUnavailable, FaultReset, FaultDelay,
		FaultTruncate} {
		// Each kind has probability 0.15: 30 expected in 200 draws, never close to none.
		if counts[kind] == 0 {
			t.Errorf("no %s fault in 200 requests: %v", kind, counts)
		}
		total += counts[kind]
	}
	if total == 200 || total == 0 {
		t.Errorf("%d faults in 200 requests at probability 0.75", total)
	}
}

func TestChaos_countsEmptyWithoutChaos(t *testing.T) {
	s := startServer(t, testConfig())
	send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	if got := s.ChaosCounts(); len(got) != 0 {
		t.Errorf("ChaosCounts() = %v, want empty", got)
	}
}

func TestWithChaos_badConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ChaosConfig
		want string
	}{
		{"negative", ChaosConfig{Reset: -0.1},
			"chaos: probability of reset is -0.1, not between 0 and 1"},
		{"over one", ChaosConfig{Throttle: 1.5},
			"chaos: probability of throttle is 1.5, not between 0 and 1"},
		{"not a number", ChaosConfig{Truncate: math.NaN()},
			"chaos: probability of truncate is NaN, not between 0 and 1"},
		{"sum over one", ChaosConfig{Throttle: 0.6, Unavailable: 0.6},
			"chaos: the probabilities add up to 1.2, more than 1"},
		{"slow without delay", ChaosConfig{Slow: 0.1},
			"chaos: slow answers need a positive slow delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(testConfig(), WithChaos(tt.cfg))

			if s != nil {
				s.Close()
				t.Fatal("New started a server with bad chaos")
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("New error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFault_truncateCutsTheAnswerDue(t *testing.T) {
	for _, format := range []string{"JSON", "XML"} {
		t.Run(format, func(t *testing.T) {
			s := startServer(t, testConfig())
			inject(t, s, Fault{Kind: FaultTruncate, Times: 1})
			params := newParams(escapeTicket)
			params["Format"] = format
			sign(http.MethodGet, params, keySecret)

			cut, err := sendRaw(t, http.MethodGet, s.URL+"/?"+encode(params), "", "")
			params = newParams(escapeTicket)
			params["Format"] = format
			whole := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("reading a truncated body: error = %v, want unexpected EOF", err)
			}
			// The request ids differ; put the cut answer's own into the whole one.
			full := strings.Replace(whole.body, requestIDOf(t, whole.body),
				requestIDOf(t, cut.body), 1)
			want := answer{http.StatusOK, whole.contentType, full[:len(full)/2]}
			if cut != want {
				t.Errorf("answer = %+v, want %+v", cut, want)
			}
		})
	}
}
