package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// DefaultURILifetime is how long the credentials a CredentialsURI mints last unless told.
const DefaultURILifetime = time.Hour

// CredentialsURIConfig is what a credentials URI stand-in serves.
type CredentialsURIConfig struct {
	// Lifetime is how long minted credentials last; zero means DefaultURILifetime.
	Lifetime time.Duration
	// OnIssue, when set, is called with every minted credential before it is answered.
	OnIssue func(Credential)
	// Status and Body, when either is set, are answered instead of credentials: Status
	// (200 when zero) with Body verbatim, for error tests.
	Status int
	Body   string
}

// CredentialsURI is a running stand-in for a credentials URI, the plain HTTP endpoint
// that ALIBABA_CLOUD_CREDENTIALS_URI names: each GET mints fresh temporary credentials.
type CredentialsURI struct {
	// URL is the stand-in's base URL, http://127.0.0.1:PORT; any path is served.
	URL string

	httpServer *httptest.Server
	now        func() time.Time
	lifetime   time.Duration
	onIssue    func(Credential)

	mu     sync.Mutex
	status int
	body   string
	count  int
}

// NewCredentialsURI starts a credentials URI stand-in on a loopback port. Close it when
// done.
func NewCredentialsURI(cfg CredentialsURIConfig) (*CredentialsURI, error) {
	if err := checkForcedStatus(cfg.Status); err != nil {
		return nil, err
	}

	c := &CredentialsURI{
		now:      time.Now,
		lifetime: cfg.Lifetime,
		onIssue:  cfg.OnIssue,
		status:   cfg.Status,
		body:     cfg.Body,
	}
	if c.lifetime <= 0 {
		c.lifetime = DefaultURILifetime
	}

	httpServer, err := startLoopback(http.HandlerFunc(c.serveHTTP), nil)
	if err != nil {
		return nil, fmt.Errorf("credentials uri: %w", err)
	}
	c.httpServer = httpServer
	c.URL = httpServer.URL

	return c, nil
}

// Close stops the stand-in and waits for requests in flight.
func (c *CredentialsURI) Close() {
	c.httpServer.CloseClientConnections()
	c.httpServer.Close()
}

// Count returns how many requests the stand-in received.
func (c *CredentialsURI) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.count
}

// Force makes every later request answer status (200 when zero) with body verbatim.
// Force(0, "") goes back to minting credentials.
func (c *CredentialsURI) Force(status int, body string) error {
	if err := checkForcedStatus(status); err != nil {
		return err
	}

	c.mu.Lock()
	defer c.mu.Unlock()

	c.status, c.body = status, body

	return nil
}

// checkForcedStatus refuses a status net/http would panic on.
func checkForcedStatus(status int) error {
	if status != 0 && (status < 200 || status > 599) {
		return fmt.Errorf("credentials uri: status %d is not between 200 and 599", status)
	}

	return nil
}

type uriAnswer struct {
	Code            string `json:"Code"`
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

func (c *CredentialsURI) serveHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.count++
	status, body := c.status, c.body
	c.mu.Unlock()

	if status != 0 || body != "" {
		if status == 0 {
			status = http.StatusOK
		}
		writeBody(w, status, "application/json", []byte(body))
		return
	}
	if r.Method != http.MethodGet {
		writeBody(w, http.StatusMethodNotAllowed, "text/plain; charset=utf-8",
			[]byte("only GET is supported\n"))
		return
	}

	cred := mintCredential(c.now(), c.lifetime)
	if c.onIssue != nil {
		c.onIssue(cred)
	}

	answer, _ := json.Marshal(uriAnswer{
		Code:            "Success",
		AccessKeyID:     cred.AccessKeyID,
		AccessKeySecret: cred.AccessKeySecret,
		SecurityToken:   cred.SecurityToken,
		Expiration:      cred.Expires.Format(ExpirationLayout),
	})
	writeBody(w, http.StatusOK, "application/json", answer)
}
