package cloudauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// Soak parameters. The reads default to few enough that the whole suite stays quick;
// CLOUDAUTH_SOAK_READS asks for a longer run.
const (
	soakReadsEnv     = "CLOUDAUTH_SOAK_READS"
	soakDefaultReads = 100
	soakConcurrency  = 8
	soakMaxRetries   = 3
	soakTimeout      = 150 * time.Millisecond
	soakBiz          = "RPSoak"
)

// soakChaos injects a fault into 40% of the requests. A read then fails only when all
// four of its attempts meet one, about 2.6% of reads: with this seed, several of the
// first 100 tickets do, whatever the order the readers run in, since each ticket draws
// from a stream of its own.
var soakChaos = mock.ChaosConfig{
	Seed:        20240506,
	Throttle:    0.12,
	Unavailable: 0.08,
	Reset:       0.07,
	Slow:        0.05,
	SlowDelay:   400 * time.Millisecond,
	Truncate:    0.08,
}

// soakTicket is one ticket of the soak and the values its fixture holds, each unlike any
// other ticket's, so that a value taken from another answer shows.
type soakTicket struct {
	id         string
	statusCode int64
	similarity string
	authority  string
	audit      string
}

func newSoakTicket(i int) soakTicket {
	return soakTicket{
		id:         fmt.Sprintf("soak-%06d", i),
		statusCode: []int64{-1, 0, 1, 2}[i%4],
		// Trailing zeros check that the scores come back as written, not reformatted.
		similarity: fmt.Sprintf("%d.%06d0", i%100, i),
		authority:  fmt.Sprintf("%d.%06d00", 99-i%100, 999999-i),
		audit:      fmt.Sprintf("审核结论 %06d", i),
	}
}

func (tk soakTicket) data() []byte {
	return fmt.Appendf(nil, `{"StatusCode":%d,"SimilarityScore":%s,`+
		`"AuthorityComparisonScore":%s,"AuditConclusions":%q}`,
		tk.statusCode, tk.similarity, tk.authority, tk.audit)
}

// wrongValues describes how status differs from the ticket's fixture, empty when it
// matches exactly.
func (tk soakTicket) wrongValues(status *cloudauth.Status) string {
	text := func(d *cloudauth.Decimal) string {
		if d == nil {
			return "<nil>"
		}
		return string(*d)
	}
	audit := "<nil>"
	if status.AuditConclusions != nil {
		audit = *status.AuditConclusions
	}

	if status.StatusCode != tk.statusCode || text(status.SimilarityScore) != tk.similarity ||
		text(status.AuthorityComparisonScore) != tk.authority || audit != tk.audit ||
		status.RequestID == "" {
		return fmt.Sprintf("got status %d, similarity %s, authority %s, audit %q, request %q;"+
			" want %d, %s, %s, %q", status.StatusCode, text(status.SimilarityScore),
			text(status.AuthorityComparisonScore), audit, status.RequestID,
			tk.statusCode, tk.similarity, tk.authority, tk.audit)
	}

	return ""
}

// soakResult is the outcome of one read.
type soakResult struct {
	status  *cloudauth.Status
	err     error
	elapsed time.Duration
}

func soakReads(t *testing.T) int {
	t.Helper()

	text := os.Getenv(soakReadsEnv)
	if text == "" {
		return soakDefaultReads
	}
	n, err := strconv.Atoi(text)
	// The fixtures' six-digit numbering keeps every value distinct below a million.
	if err != nil || n < 1 || n > 999999 {
		t.Fatalf("%s=%q: want a number of reads from 1 to 999999", soakReadsEnv, text)
	}

	return n
}

// TestSoak_chaos reads many tickets concurrently through a mock that throttles, fails,
// resets, stalls and cuts short a share of the requests at random, and checks that no
// read ever returns a value other than its ticket's, that every failure is one of the
// client's typed errors, and that no attempt reuses a nonce.
func TestSoak_chaos(t *testing.T) {
	reads := soakReads(t)

	tickets := make([]soakTicket, reads)
	fixtures := make([]mock.Fixture, reads)
	for i := range tickets {
		tickets[i] = newSoakTicket(i)
		fixtures[i] = mock.Fixture{Biz: soakBiz, TicketID: tickets[i].id, Data: tickets[i].data()}
	}
	server, err := mock.New(mock.Config{
		Credentials: []mock.Credential{{AccessKeyID: testKeyID, AccessKeySecret: testSecret}},
		Fixtures:    fixtures,
	}, mock.WithChaos(soakChaos))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)

	client, err := cloudauth.NewClient(cloudauth.Config{
		Endpoint:    server.URL,
		RegionID:    "cn-hangzhou",
		Credentials: staticAK(t, testKeyID, testSecret),
		HTTPClient: &http.Client{Transport: &http.Transport{
			Proxy: nil, MaxIdleConnsPerHost: soakConcurrency,
		}},
		MaxRetries:     soakMaxRetries,
		RequestTimeout: soakTimeout,
		BackoffBase:    time.Millisecond,
		BackoffCap:     5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}

	results := make([]soakResult, reads)
	next := make(chan int)
	var wg sync.WaitGroup
	for range soakConcurrency {
		wg.Go(func() {
			for i := range next {
				start := time.Now()
				status, err := client.GetStatus(context.Background(), soakBiz, tickets[i].id)
				results[i] = soakResult{status, err, time.Since(start)}
			}
		})
	}
	for i := range reads {
		next <- i
	}
	close(next)
	wg.Wait()

	byTicket := map[string][]mock.Request{}
	for _, req := range server.Requests() {
		byTicket[req.Params["TicketId"]] = append(byTicket[req.Params["TicketId"]], req)
	}

	var succeeded, failed, wrong int
	var slowest time.Duration
	for i, res := range results {
		tk := tickets[i]
		slowest = max(slowest, res.elapsed)
		attempts := byTicket[tk.id]

		if res.err == nil {
			succeeded++
			if res.status == nil {
				wrong++
				t.Errorf("%s: no status and no error", tk.id)
				continue
			}
			if diff := tk.wrongValues(res.status); diff != "" {
				wrong++
				t.Errorf("%s: %s", tk.id, diff)
			}
			// A success answers the last attempt, which therefore met no fault.
			if n := len(attempts); n == 0 || attempts[n-1].Fault != "" ||
				attempts[n-1].Code != "" {
				t.Errorf("%s succeeded, but its last of %d attempts was not answered normally",
					tk.id, n)
			}
		} else {
			failed++
			if res.status != nil {
				wrong++
				t.Errorf("%s: status %+v returned with error %v", tk.id, res.status, res.err)
			}
			if problem := soakFailureProblem(res.err); problem != "" {
				t.Errorf("%s: %s", tk.id, problem)
			}
		}

		if n := len(attempts); n == 0 || n > soakMaxRetries+1 {
			t.Errorf("%s: the mock received %d attempts, want 1 to %d", tk.id, n,
				soakMaxRetries+1)
		}
	}
	if len(byTicket) != reads {
		t.Errorf("the mock received requests for %d tickets, want %d", len(byTicket), reads)
	}

	requests := server.Requests()
	nonces := make(map[string]bool, len(requests))
	recorded := map[mock.FaultKind]int{}
	for _, req := range requests {
		nonce := req.Params["SignatureNonce"]
		if nonce == "" || nonces[nonce] {
			t.Errorf("%s: SignatureNonce %q empty or used before", req.Params["TicketId"], nonce)
		}
		nonces[nonce] = true
		// Only the chaos faults' own codes may appear: a nonce, signature or timestamp
		// rejection would mean the client signed an attempt wrongly or sent it twice.
		switch req.Code {
		case "", "Throttling.User", "ServiceUnavailable":
		default:
			t.Errorf("%s: the mock answered %s", req.Params["TicketId"], req.Code)
		}
		if req.Fault != "" {
			recorded[req.Fault]++
		}
	}

	counts := server.ChaosCounts()
	faults := 0
	for _, n := range counts {
		faults += n
	}
	for kind, n := range recorded {
		if counts[kind] != n {
			t.Errorf("chaos counted %d %s faults, the requests record %d", counts[kind], kind, n)
		}
	}

	summary := fmt.Sprintf("soak: reads=%d succeeded=%d failed=%d faults=%d (throttle=%d "+
		"unavailable=%d reset=%d slow=%d truncate=%d) attempts=%d retries=%d "+
		"wrong_values=%d slowest_read=%s",
		reads, succeeded, failed, faults, counts[mock.FaultThrottle],
		counts[mock.FaultUnavailable], counts[mock.FaultReset], counts[mock.FaultDelay],
		counts[mock.FaultTruncate], len(requests), len(requests)-reads, wrong,
		slowest.Round(time.Millisecond))
	t.Log(summary)
	fmt.Println(summary)

	if wrong != 0 {
		t.Errorf("%d reads returned wrong values", wrong)
	}
	if succeeded+failed != reads {
		t.Errorf("%d succeeded and %d failed of %d reads", succeeded, failed, reads)
	}
	if reads >= soakDefaultReads && (succeeded == 0 || failed == 0) {
		t.Errorf("%d succeeded and %d failed: the chaos should allow both", succeeded, failed)
	}
}

// soakFailureProblem returns what is wrong with a failed read's error, empty when it is
// what chaos can cause: retries exhausted on throttling, an unavailable service, or a
// request with no complete answer.
func soakFailureProblem(err error) string {
	var exhausted *cloudauth.RetriesExhaustedError
	if !errors.As(err, &exhausted) {
		return fmt.Sprintf("error %T %v, want a *cloudauth.RetriesExhaustedError", err, err)
	}
	if exhausted.Attempts != soakMaxRetries+1 {
		return fmt.Sprintf("gave up after %d attempts, want %d", exhausted.Attempts,
			soakMaxRetries+1)
	}
	if err.Error() == "" || exhausted.Err == nil || exhausted.Err.Error() == "" {
		return fmt.Sprintf("error %q wraps %v: want a message and a cause", err, exhausted.Err)
	}

	var apiErr *cloudauth.APIError
	var transport *cloudauth.TransportError
	switch {
	case errors.As(exhausted.Err, &apiErr):
		if (apiErr.Code != "Throttling.User" || apiErr.HTTPStatus != http.StatusBadRequest) &&
			(apiErr.Code != "ServiceUnavailable" ||
				apiErr.HTTPStatus != http.StatusServiceUnavailable) {
			return fmt.Sprintf("gave up on %v, want throttling or ServiceUnavailable", apiErr)
		}
		if apiErr.RequestID == "" {
			return fmt.Sprintf("gave up on %v, which has no request id", apiErr)
		}
	case errors.As(exhausted.Err, &transport):
		if transport.Timeout != 0 && transport.Timeout != soakTimeout {
			return fmt.Sprintf("gave up on %v, want a timeout of %s", transport, soakTimeout)
		}
	default:
		return fmt.Sprintf("gave up on %T %v, want an API or transport error",
			exhausted.Err, exhausted.Err)
	}

	return ""
}
