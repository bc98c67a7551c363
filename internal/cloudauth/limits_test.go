package cloudauth_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// countingServer answers every GetStatus with a passed status after a pause, counting
// the requests in flight at once and the connections opened.
type countingServer struct {
	*httptest.Server
	inFlight, mostInFlight, connections atomic.Int64
	mu                                  sync.Mutex
	starts                              []time.Time
}

func newCountingServer(t *testing.T, pause time.Duration) *countingServer {
	t.Helper()

	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.starts = append(s.starts, time.Now())
			s.mu.Unlock()

			n := s.inFlight.Add(1)
			defer s.inFlight.Add(-1)
			for {
				most := s.mostInFlight.Load()
				if n <= most || s.mostInFlight.CompareAndSwap(most, n) {
					break
				}
			}

			time.Sleep(pause)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"RequestId":"R","Data":{"StatusCode":1},"Success":true}`)
		}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.connections.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)

	return s
}

func limitedClient(t *testing.T, url string, concurrency int, rps float64) *cloudauth.Client {
	t.Helper()

	// As the provider's transport does, keep an idle connection for every slot.
	transport := http.DefaultTransport.(*http.Transport).Clone() //nolint:errcheck // a *Transport
	transport.MaxIdleConnsPerHost = max(concurrency, 2)
	client, err := cloudauth.NewClient(cloudauth.Config{
		Endpoint:          url,
		RegionID:          "cn-hangzhou",
		Credentials:       staticAK(t, testKeyID, testSecret),
		HTTPClient:        &http.Client{Transport: transport},
		MaxConcurrency:    concurrency,
		RequestsPerSecond: rps,
	})
	if err != nil {
		t.Fatal(err)
	}

	return client
}

// readAll reads n tickets at once, as the bulk data source does.
func readAll(t *testing.T, client *cloudauth.Client, n int) {
	t.Helper()

	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = client.GetStatus(context.Background(), "RPBasic", fmt.Sprint(i))
		})
	}
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("ticket %d: %v", i, err)
		}
	}
}

func TestClient_GetStatus_concurrencyBounded(t *testing.T) {
	server := newCountingServer(t, 20*time.Millisecond)
	client := limitedClient(t, server.URL, 3, 0)

	readAll(t, client, 30)

	if most := server.mostInFlight.Load(); most != 3 {
		t.Errorf("at most %d requests were in flight, want exactly 3", most)
	}
	if conns := server.connections.Load(); conns > 3 {
		t.Errorf("%d connections opened for 30 requests over 3 slots, want at most 3", conns)
	}
}

func TestClient_GetStatus_rateBounded(t *testing.T) {
	server := newCountingServer(t, 0)
	client := limitedClient(t, server.URL, 0, 40)

	readAll(t, client, 24)

	server.mu.Lock()
	defer server.mu.Unlock()
	first, last := server.starts[0], server.starts[0]
	for _, at := range server.starts {
		if at.After(last) {
			last = at
		}
		if at.Before(first) {
			first = at
		}
	}
	// At 40 per second with a burst of 4, 24 requests span at least 20 intervals of 25ms.
	if span := last.Sub(first); span < 450*time.Millisecond {
		t.Errorf("24 requests started within %s, want at least 450ms at 40 per second", span)
	}
}
