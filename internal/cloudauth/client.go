// Package cloudauth is a client for the GetStatus API of Alibaba Cloud's real-person
// verification service: it signs each request with RPC signature 1.0, retries what can be
// retried, and reads the answer strictly, so that a ticket is reported as passed only when
// the service said so.
package cloudauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/aliyun/credentials-go/credentials/providers"
	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// APIVersion is the GetStatus version the client speaks: the current one, and the one that
// reports AuthorityComparisonScore.
const APIVersion = "2018-09-16"

// DefaultEndpoint is the service's one public endpoint.
const DefaultEndpoint = "https://cloudauth.aliyuncs.com"

// LogSubsystem names the tflog subsystem the client logs under.
const LogSubsystem = "cloudauth"

// Default backoff between attempts: exponential from DefaultBackoffBase, capped at
// DefaultBackoffCap, each wait drawn at random from its upper half.
const (
	DefaultBackoffBase = 500 * time.Millisecond
	DefaultBackoffCap  = 8 * time.Second
)

// Config holds what a Client needs. Credentials and HTTPClient are required.
type Config struct {
	// Endpoint is the service's base URL, scheme included. Empty means DefaultEndpoint.
	Endpoint string
	// RegionID is sent as RegionId.
	RegionID string
	// Credentials supplies the keys each attempt is signed with, fetched anew per attempt
	// so that temporary credentials can be refreshed.
	Credentials providers.CredentialsProvider
	// CredentialsSource says where Credentials come from, for errors.
	CredentialsSource string
	// HTTPClient carries every request; share one so connections are reused.
	HTTPClient *http.Client
	// MaxRetries is how many times a retryable failure is retried.
	MaxRetries int
	// RequestTimeout bounds each attempt. Zero means no bound beyond the context's.
	RequestTimeout time.Duration
	// MaxConcurrency bounds the requests in flight at once. Zero means no bound.
	MaxConcurrency int
	// RequestsPerSecond bounds the rate at which attempts start. Zero means no bound.
	RequestsPerSecond float64
	// UserAgent is sent as the User-Agent header.
	UserAgent string
	// BackoffBase and BackoffCap shape the wait between attempts; zero means the default.
	BackoffBase time.Duration
	BackoffCap  time.Duration
	// Now and Nonce supply the Timestamp and SignatureNonce; nil means the clock and a
	// random UUID.
	Now   func() time.Time
	Nonce func() string
}

// Client calls GetStatus. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	// http is cfg.HTTPClient made to refuse redirects.
	http *http.Client

	// credsFetch runs one call into the credentials provider at a time, shared by every
	// attempt that needs credentials meanwhile: the provider refreshes temporary
	// credentials in place, is not safe for concurrent use, and may be slow to fail.
	credsFetch singleflight.Group

	// slots holds a token per request in flight, when MaxConcurrency bounds them.
	slots chan struct{}
	// limiter paces attempts, when RequestsPerSecond bounds them.
	limiter *rate.Limiter
}

// NewClient returns a client for cfg.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Credentials == nil {
		return nil, errors.New("cloudauth: no credentials provider")
	}
	if cfg.HTTPClient == nil {
		return nil, errors.New("cloudauth: no HTTP client")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = DefaultBackoffBase
	}
	if cfg.BackoffCap <= 0 {
		cfg.BackoffCap = DefaultBackoffCap
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Nonce == nil {
		cfg.Nonce = uuid.NewString
	}

	hc := *cfg.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	c := &Client{cfg: cfg, endpoint: strings.TrimRight(cfg.Endpoint, "/") + "/", http: &hc}
	if cfg.MaxConcurrency > 0 {
		c.slots = make(chan struct{}, cfg.MaxConcurrency)
	}
	if cfg.RequestsPerSecond > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond),
			max(1, int(cfg.RequestsPerSecond/10)))
	}

	return c, nil
}

// GetStatus returns where ticketID of scene biz stands. Retryable failures are retried up
// to MaxRetries times, each attempt signed anew; a canceled ctx stops at once.
func (c *Client) GetStatus(ctx context.Context, biz, ticketID string) (*Status, error) {
	ctx = tflog.NewSubsystem(ctx, LogSubsystem)
	ctx = tflog.SubsystemSetField(ctx, LogSubsystem, "action", "GetStatus")
	ctx = tflog.SubsystemSetField(ctx, LogSubsystem, "biz", biz)
	ctx = tflog.SubsystemSetField(ctx, LogSubsystem, "ticket_id", ticketID)

	for attempt := 1; ; attempt++ {
		status, err := c.attempt(ctx, attempt, biz, ticketID)
		if err == nil {
			return status, nil
		}

		if ctx.Err() != nil {
			return nil, fmt.Errorf("GetStatus stopped: %w", context.Cause(ctx))
		}
		if !retryable(ctx, err) {
			return nil, err
		}
		if attempt > c.cfg.MaxRetries {
			return nil, &RetriesExhaustedError{Attempts: attempt, Err: err}
		}

		wait := c.backoff(attempt)
		tflog.SubsystemDebug(ctx, LogSubsystem, "retrying GetStatus", map[string]any{
			"attempt": attempt, "wait_ms": wait.Milliseconds(), "error": err.Error(),
		})

		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("GetStatus stopped: %w", context.Cause(ctx))
		case <-timer.C:
		}
	}
}

// backoff returns the wait after the given failed attempt: half of the capped exponential
// step plus a random part of the other half, so that clients do not retry in lockstep.
func (c *Client) backoff(attempt int) time.Duration {
	step := c.cfg.BackoffCap
	if attempt < 30 {
		step = min(c.cfg.BackoffBase<<(attempt-1), c.cfg.BackoffCap)
	}

	half := step / 2
	return half + rand.N(half+1)
}

func (c *Client) attempt(ctx context.Context, attempt int, biz, ticketID string) (*Status, error) {
	// Wait for the rate limit and a free slot before signing, so that the timestamp and
	// the credentials are fresh when the request leaves, however long the queue.
	release, err := c.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	creds, err := c.credentials(ctx)
	if err != nil {
		return nil, err
	}

	params := map[string]string{
		"Action":           "GetStatus",
		"Version":          APIVersion,
		"Format":           "JSON",
		"RegionId":         c.cfg.RegionID,
		"Biz":              biz,
		"TicketId":         ticketID,
		"AccessKeyId":      creds.AccessKeyId,
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureVersion": "1.0",
		"SignatureNonce":   c.cfg.Nonce(),
		"Timestamp":        c.cfg.Now().UTC().Format(timestampLayout),
	}
	if creds.SecurityToken != "" {
		params["SecurityToken"] = creds.SecurityToken
	}
	signature := SignRPC(http.MethodPost, params, creds.AccessKeySecret)
	body := EncodeForm(params, signature)

	attemptCtx := ctx
	if c.cfg.RequestTimeout > 0 {
		var cancel context.CancelFunc
		attemptCtx, cancel = context.WithTimeout(ctx, c.cfg.RequestTimeout)
		defer cancel()
	}

	// Gateways echo the string they signed, security token included, in what they send
	// back; nothing of it may reach a log, a diagnostic or the state.
	scrub := newRedactor(creds.SecurityToken, signature, creds.AccessKeySecret)

	start := time.Now()
	httpStatus, status, err := c.send(attemptCtx, body, scrub)
	if err != nil && ctx.Err() == nil && errors.Is(attemptCtx.Err(), context.DeadlineExceeded) {
		err = &TransportError{Err: err, Timeout: c.cfg.RequestTimeout}
	}
	scrub.transport(err)

	fields := map[string]any{
		"attempt":     attempt,
		"http_status": httpStatus,
		"request_id":  requestIDOf(status, err),
		"duration_ms": time.Since(start).Milliseconds(),
	}
	if err != nil {
		fields["error"] = err.Error()
	}
	tflog.SubsystemDebug(ctx, LogSubsystem, "called GetStatus", fields)

	return status, err
}

// credentials returns the credentials to sign with. A canceled ctx stops waiting at
// once, since the credentials library's calls (STS, a credentials URI, a profile file)
// take no context.
func (c *Client) credentials(ctx context.Context) (*providers.Credentials, error) {
	fetch := c.credsFetch.DoChan("", func() (any, error) {
		return c.cfg.Credentials.GetCredentials()
	})

	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for credentials: %w", context.Cause(ctx))
	case result := <-fetch:
		creds, _ := result.Val.(*providers.Credentials)
		err := result.Err
		if err == nil && (creds == nil || strings.TrimSpace(creds.AccessKeyId) == "" ||
			strings.TrimSpace(creds.AccessKeySecret) == "") {
			err = errors.New("the access key id or secret is empty")
		}
		if err != nil {
			return nil, &CredentialsError{Source: c.cfg.CredentialsSource, Err: err}
		}

		return creds, nil
	}
}

// acquire waits for the rate limit and a free slot, and returns the function that frees
// the slot.
func (c *Client) acquire(ctx context.Context) (func(), error) {
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("waiting for the request rate limit: %w", err)
		}
	}
	if c.slots == nil {
		return func() {}, nil
	}

	select {
	case c.slots <- struct{}{}:
		return func() { <-c.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free request slot: %w", context.Cause(ctx))
	}
}

// send posts one signed request and reads its answer, with the secrets scrub knows taken
// out of it before anything reads it. It returns the HTTP status it saw whatever the
// outcome, for the log.
func (c *Client) send(ctx context.Context, body string, scrub redactor) (int, *Status,
	error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint,
		strings.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, &TransportError{Err: err}
	}
	defer resp.Body.Close()

	contentType := resp.Header.Get("Content-Type")
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		// Following it would send the signed request, token included, wherever the
		// answer points, and trust whatever answered there.
		where := "without saying where"
		if location := resp.Header.Get("Location"); location != "" {
			where = fmt.Sprintf("to %q", shorten(scrub.replace(location)))
		}
		return resp.StatusCode, nil, &MalformedResponseError{
			HTTPStatus:  resp.StatusCode,
			ContentType: shorten(scrub.replace(contentType)),
			Reason: fmt.Sprintf("the endpoint redirects %s; redirects are not followed, "+
				"set endpoint to the service's own URL", where),
		}
	}

	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return resp.StatusCode, nil, &TransportError{Err: fmt.Errorf(
			"reading the HTTP %d answer: %w", resp.StatusCode, err)}
	}
	if len(raw) > MaxResponseBytes {
		return resp.StatusCode, nil, &MalformedResponseError{
			HTTPStatus:  resp.StatusCode,
			ContentType: shorten(scrub.replace(contentType)),
			Reason:      fmt.Sprintf("the body is larger than %d bytes", MaxResponseBytes),
		}
	}

	status, err := decodeStatus(resp.StatusCode, contentType, []byte(scrub.replace(string(raw))),
		scrub.replace)

	return resp.StatusCode, status, err
}

func requestIDOf(status *Status, err error) string {
	var apiErr *APIError
	var malformed *MalformedResponseError
	switch {
	case status != nil:
		return status.RequestID
	case errors.As(err, &apiErr):
		return apiErr.RequestID
	case errors.As(err, &malformed):
		return malformed.RequestID
	}

	return ""
}

// redacted replaces secrets in what the service sent back.
const redacted = "[redacted]"

// percentEscape is one %XY escape.
var percentEscape = regexp.MustCompile(`%[0-9A-F]{2}`)

// lowerEscapes writes the hex digits of every escape in lower case, as some servers do.
func lowerEscapes(s string) string {
	return percentEscape.ReplaceAllStringFunc(s, strings.ToLower)
}

// unicodeEscaped writes every character but letters and digits as a JSON \u escape, as
// some JSON encoders do for +, /, = and the like.
func unicodeEscaped(s, format string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			continue
		}
		b.WriteString(`\u` + fmt.Sprintf(format, r))
	}

	return b.String()
}

// redactor removes secrets from what came back from the service, in every form an echo
// may take: raw, percent-encoded once or twice (as in a string to sign), form-encoded,
// with lower-case escapes, or escaped for JSON.
type redactor struct {
	r *strings.Replacer
}

func newRedactor(secrets ...string) redactor {
	var pairs []string
	for _, secret := range secrets {
		if secret == "" {
			continue
		}

		once := PercentEncode(secret)
		twice := PercentEncode(once)
		jsonEscaped, _ := json.Marshal(secret)
		forms := []string{
			twice, lowerEscapes(twice), once, lowerEscapes(once),
			url.QueryEscape(secret), lowerEscapes(url.QueryEscape(secret)),
			strings.Trim(string(jsonEscaped), `"`),
			strings.ReplaceAll(secret, "/", `\/`), unicodeEscaped(secret, "%04x"),
			unicodeEscaped(secret, "%04X"), secret,
		}
		for _, form := range forms {
			pairs = append(pairs, form, redacted)
		}
	}

	return redactor{r: strings.NewReplacer(pairs...)}
}

func (r redactor) replace(s string) string {
	return r.r.Replace(s)
}

// transport scrubs and bounds a transport error, whose text Go's HTTP client may fill
// with a raw header or status line from the answer.
func (r redactor) transport(err error) {
	var transport *TransportError
	if errors.As(err, &transport) && transport.Err != nil {
		transport.Err = errors.New(shorten(r.replace(transport.Err.Error())))
	}
}
