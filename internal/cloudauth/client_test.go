package cloudauth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

const (
	testKeyID    = "LTAI5tTestKeyId"
	testSecret   = "test-secret-never-logged"
	testSTSKeyID = "STS.NTestKeyId"
	testSTSKey   = "sts-secret-never-logged"
	testToken    = "sts+token/never=logged"
	exampleBiz   = "RPBasic"
	exampleTID   = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
	exampleData  = `{"SimilarityScore":93.12,"AuthorityComparisonScore":98.13,"StatusCode":1,` +
		`"AuditConclusions":"不通过原因"}`
)

func newMock(t *testing.T, opts ...mock.Option) *mock.Server {
	t.Helper()

	server, err := mock.New(mock.Config{
		Credentials: []mock.Credential{
			{AccessKeyID: testKeyID, AccessKeySecret: testSecret},
			{AccessKeyID: testSTSKeyID, AccessKeySecret: testSTSKey, SecurityToken: testToken},
		},
		Fixtures: []mock.Fixture{
			{Biz: exampleBiz, TicketID: exampleTID, Data: []byte(exampleData)},
		},
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)

	return server
}

func staticAK(t *testing.T, id, secret string) providers.CredentialsProvider {
	t.Helper()

	p, err := providers.NewStaticAKCredentialsProviderBuilder().
		WithAccessKeyId(id).WithAccessKeySecret(secret).Build()
	if err != nil {
		t.Fatal(err)
	}

	return p
}

func newClient(t *testing.T, server *mock.Server, edit func(*cloudauth.Config)) *cloudauth.Client {
	t.Helper()

	cfg := cloudauth.Config{
		Endpoint:    server.URL,
		RegionID:    "cn-hangzhou",
		Credentials: staticAK(t, testKeyID, testSecret),
		HTTPClient:  &http.Client{},
		MaxRetries:  3,
		BackoffBase: time.Millisecond,
		BackoffCap:  4 * time.Millisecond,
	}
	if edit != nil {
		edit(&cfg)
	}

	client, err := cloudauth.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}

	return client
}

func TestClient_GetStatus_documentedExample(t *testing.T) {
	fixed := time.Date(2026, 12, 4, 8, 30, 5, 0, time.FixedZone("CST", 8*3600))
	server := newMock(t, mock.WithClock(func() time.Time { return fixed }))
	client := newClient(t, server, func(c *cloudauth.Config) {
		c.Now = func() time.Time { return fixed }
		c.Nonce = func() string { return "nonce-1" }
		c.UserAgent = "test-agent/1"
	})

	status, err := client.GetStatus(context.Background(), exampleBiz, exampleTID)
	if err != nil {
		t.Fatal(err)
	}

	if status.StatusCode != 1 || !status.Passed() ||
		*status.SimilarityScore != "93.12" || *status.AuthorityComparisonScore != "98.13" ||
		*status.AuditConclusions != "不通过原因" || status.RequestID == "" {
		t.Errorf("status %+v", status)
	}

	reqs := server.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	got := reqs[0]
	want := map[string]string{
		"Action": "GetStatus", "Version": "2018-09-16", "Format": "JSON",
		"RegionId": "cn-hangzhou", "Biz": exampleBiz, "TicketId": exampleTID,
		"AccessKeyId": testKeyID, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": "nonce-1", "Timestamp": "2026-12-04T00:30:05Z",
	}
	signature := got.Params["Signature"]
	delete(got.Params, "Signature")
	if len(got.Params) != len(want) {
		t.Errorf("sent %d parameters %v, want %v", len(got.Params), got.Params, want)
	}
	for name, value := range want {
		if got.Params[name] != value {
			t.Errorf("%s = %q, want %q", name, got.Params[name], value)
		}
	}
	wantSig := mock.Signature(mock.StringToSign("POST", want), testSecret)
	if signature != wantSig {
		t.Errorf("Signature = %q, want %q", signature, wantSig)
	}
	if got.Method != http.MethodPost ||
		got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
		got.Header.Get("User-Agent") != "test-agent/1" || got.Code != "" {
		t.Errorf("request %s %v, answered %q", got.Method, got.Header, got.Code)
	}
}

func TestClient_GetStatus_securityTokenOnlyWithSTS(t *testing.T) {
	server := newMock(t)
	sts, err := providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(testSTSKeyID).
		WithAccessKeySecret(testSTSKey).WithSecurityToken(testToken).Build()
	if err != nil {
		t.Fatal(err)
	}
	client := newClient(t, server, func(c *cloudauth.Config) { c.Credentials = sts })

	if _, err := client.GetStatus(context.Background(), exampleBiz, exampleTID); err != nil {
		t.Fatal(err)
	}

	reqs := server.Requests()
	if token, ok := reqs[0].Params["SecurityToken"]; !ok || token != testToken {
		t.Errorf("SecurityToken = %q (sent %v), want %q", token, ok, testToken)
	}
}

func TestClient_GetStatus_retriesWithFreshNonces(t *testing.T) {
	server := newMock(t)
	if err := server.Inject(
		mock.Fault{Kind: mock.FaultThrottle, Times: 2},
		mock.Fault{Kind: mock.FaultUnavailable, Times: 1},
		mock.Fault{Kind: mock.FaultReset, Times: 1},
		mock.Fault{Kind: mock.FaultTruncate, Times: 1},
		mock.Fault{Kind: mock.FaultError, Code: "Error.InternalError", Times: 1},
	); err != nil {
		t.Fatal(err)
	}
	client := newClient(t, server, func(c *cloudauth.Config) { c.MaxRetries = 6 })

	status, err := client.GetStatus(context.Background(), exampleBiz, exampleTID)
	if err != nil {
		t.Fatal(err)
	}
	if status.StatusCode != 1 || *status.SimilarityScore != "93.12" {
		t.Errorf("status %+v", status)
	}

	reqs := server.Requests()
	wantFaults := []mock.FaultKind{mock.FaultThrottle, mock.FaultThrottle,
		mock.FaultUnavailable, mock.FaultReset, mock.FaultTruncate, mock.FaultError, ""}
	if len(reqs) != len(wantFaults) {
		t.Fatalf("%d requests, want %d", len(reqs), len(wantFaults))
	}
	nonces, stamps := map[string]bool{}, map[string]bool{}
	for i, req := range reqs {
		if req.Fault != wantFaults[i] {
			t.Errorf("request %d fault %q, want %q", i, req.Fault, wantFaults[i])
		}
		nonce := req.Params["SignatureNonce"]
		if nonces[nonce] {
			t.Errorf("request %d reuses nonce %s", i, nonce)
		}
		nonces[nonce] = true
		stamps[req.Params["Signature"]] = true
	}
	if len(stamps) != len(reqs) {
		t.Errorf("%d distinct signatures over %d attempts", len(stamps), len(reqs))
	}
}

func TestClient_GetStatus_retriesExhausted(t *testing.T) {
	server := newMock(t)
	if err := server.Inject(mock.Fault{Kind: mock.FaultUnavailable}); err != nil {
		t.Fatal(err)
	}
	client := newClient(t, server, func(c *cloudauth.Config) { c.MaxRetries = 2 })

	_, err := client.GetStatus(context.Background(), exampleBiz, exampleTID)

	var exhausted *cloudauth.RetriesExhaustedError
	var apiErr *cloudauth.APIError
	if !errors.As(err, &exhausted) || exhausted.Attempts != 3 || !errors.As(err, &apiErr) ||
		apiErr.Code != "ServiceUnavailable" || apiErr.HTTPStatus != 503 {
		t.Fatalf("err = %v", err)
	}
	if n := len(server.Requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestClient_GetStatus_permanentErrorsNotRetried(t *testing.T) {
	cases := []struct {
		name   string
		biz    string
		secret string
		code   string
	}{
		{"wrong secret", exampleBiz, "wrong", "SignatureDoesNotMatch"},
		{"unknown scene", "NoSuchScene", testSecret, "InvalidParam.InvalidBiz"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server := newMock(t)
			client := newClient(t, server, func(c *cloudauth.Config) {
				c.Credentials = staticAK(t, testKeyID, tc.secret)
			})

			_, err := client.GetStatus(context.Background(), tc.biz, exampleTID)

			var apiErr *cloudauth.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
			if n := len(server.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestClient_GetStatus_cancelStopsAtOnce(t *testing.T) {
	server := newMock(t)
	hang := mock.Fault{Kind: mock.FaultDelay, Delay: mock.Duration(time.Minute)}
	if err := server.Inject(hang); err != nil {
		t.Fatal(err)
	}
	client := newClient(t, server, nil)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := client.GetStatus(ctx, exampleBiz, exampleTID)

	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("returned after %s, want under a second", elapsed)
	}
	if n := len(server.Requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry after cancel)", n)
	}
}

func TestClient_GetStatus_requestTimeoutPerAttempt(t *testing.T) {
	server := newMock(t)
	if err := server.Inject(mock.Fault{Kind: mock.FaultDelay, Times: 1,
		Delay: mock.Duration(5 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	client := newClient(t, server, func(c *cloudauth.Config) {
		c.RequestTimeout = 200 * time.Millisecond
		c.MaxRetries = 0
	})

	_, err := client.GetStatus(context.Background(), exampleBiz, exampleTID)

	var transport *cloudauth.TransportError
	if !errors.As(err, &transport) || transport.Timeout != 200*time.Millisecond {
		t.Fatalf("err = %v, want a TransportError naming the 200ms timeout", err)
	}
	if !strings.Contains(err.Error(), "request timeout of 200ms") {
		t.Errorf("error %q does not name the limit", err)
	}
}

func TestClient_GetStatus_bodyOverLimitRefused(t *testing.T) {
	server := newMock(t)
	huge := `{"Data":{"StatusCode":1},"Success":true,"Pad":"` +
		strings.Repeat("x", cloudauth.MaxResponseBytes) + `"}`
	if err := server.Inject(mock.Fault{Kind: mock.FaultBody, Body: huge,
		ContentType: "application/json"}); err != nil {
		t.Fatal(err)
	}
	client := newClient(t, server, nil)

	_, err := client.GetStatus(context.Background(), exampleBiz, exampleTID)

	var malformed *cloudauth.MalformedResponseError
	if !errors.As(err, &malformed) || !strings.Contains(malformed.Reason, "larger than 1048576") {
		t.Fatalf("err = %v", err)
	}
	if n := len(server.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestClient_GetStatus_logsEachAttemptWithoutSecrets(t *testing.T) {
	server := newMock(t)
	if err := server.Inject(mock.Fault{Kind: mock.FaultThrottle, Times: 1}); err != nil {
		t.Fatal(err)
	}
	sts, err := providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(testSTSKeyID).
		WithAccessKeySecret(testSTSKey).WithSecurityToken(testToken).Build()
	if err != nil {
		t.Fatal(err)
	}
	client := newClient(t, server, func(c *cloudauth.Config) { c.Credentials = sts })

	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	if _, err := client.GetStatus(ctx, exampleBiz, exampleTID); err != nil {
		t.Fatal(err)
	}

	entries, err := tflogtest.MultilineJSONDecode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var calls []map[string]any
	for _, e := range entries {
		if e["@message"] == "called GetStatus" {
			calls = append(calls, e)
		}
	}
	if len(calls) != 2 {
		t.Fatalf("%d 'called GetStatus' lines, want 2:\n%s", len(calls), buf.String())
	}
	for i, want := range []float64{400, 200} {
		c := calls[i]
		if c["@module"] != "provider.cloudauth" || c["@level"] != "debug" ||
			c["action"] != "GetStatus" || c["biz"] != exampleBiz ||
			c["ticket_id"] != exampleTID || c["attempt"] != float64(i+1) ||
			c["http_status"] != want || c["request_id"] == "" || c["duration_ms"] == nil {
			t.Errorf("line %d: %v", i, c)
		}
	}

	secrets := []string{testSTSKey, testToken}
	for _, req := range server.Requests() {
		secrets = append(secrets, req.Params["Signature"])
	}
	for _, secret := range secrets {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

func TestClient_GetStatus_errorsHideTheSecurityToken(t *testing.T) {
	server := newMock(t)
	sts, err := providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(testSTSKeyID).
		WithAccessKeySecret("wrong-secret").WithSecurityToken(testToken).Build()
	if err != nil {
		t.Fatal(err)
	}
	client := newClient(t, server, func(c *cloudauth.Config) { c.Credentials = sts })

	_, err = client.GetStatus(context.Background(), exampleBiz, exampleTID)

	var apiErr *cloudauth.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "SignatureDoesNotMatch" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(apiErr.Message, "SecurityToken%3D[redacted]") {
		t.Errorf("the message does not show the token redacted: %s", apiErr.Message)
	}
	signature := server.Requests()[0].Params["Signature"]
	for _, secret := range []string{testToken, cloudauth.PercentEncode(testToken), signature} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows %q: %s", secret, err)
		}
	}
}

func TestClient_GetStatus_redirectsRefused(t *testing.T) {
	var elsewhere atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		elsewhere.Add(1)
		fmt.Fprint(w, `{"RequestId":"elsewhere","Data":{"StatusCode":1},"Success":true}`)
	}))
	defer target.Close()

	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			redirector := httptest.NewServer(http.HandlerFunc(
				func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target.URL+"/steal", code)
				}))
			defer redirector.Close()
			client, err := cloudauth.NewClient(cloudauth.Config{Endpoint: redirector.URL,
				Credentials: staticAK(t, testKeyID, testSecret), HTTPClient: &http.Client{}})
			if err != nil {
				t.Fatal(err)
			}

			status, err := client.GetStatus(context.Background(), exampleBiz, exampleTID)

			var malformed *cloudauth.MalformedResponseError
			if status != nil || !errors.As(err, &malformed) || malformed.HTTPStatus != code ||
				!strings.Contains(malformed.Reason, "redirects are not followed") {
				t.Fatalf("status %+v, err %v", status, err)
			}
		})
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect target received %d requests, want none", n)
	}
}

func TestClient_GetStatus_echoedSecretsRedactedEverywhere(t *testing.T) {
	token := "CAIS" + strings.Repeat("Q+/=", 250) + "END"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		sent := r.PostForm.Get("SecurityToken")
		w.WriteHeader(http.StatusBadGateway)
		lowerHex := regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(
			cloudauth.PercentEncode(sent), strings.ToLower)
		gson := strings.NewReplacer("+", `\u002b`, "/", `\u002f`, "=", `\u003d`).Replace(sent)
		fmt.Fprintf(w, `{"RequestId":%q,"Code":"Bad.%s","Message":"%s %s %s %s",`+
			`"Success":false}`, sent, cloudauth.PercentEncode(sent),
			strings.ReplaceAll(sent, "/", `\/`), lowerHex, gson, r.PostForm.Get("Signature"))
	}))
	defer echo.Close()
	sts, err := providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(testSTSKeyID).
		WithAccessKeySecret(testSTSKey).WithSecurityToken(token).Build()
	if err != nil {
		t.Fatal(err)
	}
	client, err := cloudauth.NewClient(cloudauth.Config{Endpoint: echo.URL,
		Credentials: sts, HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	_, err = client.GetStatus(tflogtest.RootLogger(context.Background(), &buf), exampleBiz,
		exampleTID)

	var apiErr *cloudauth.APIError
	if !errors.As(err, &apiErr) || apiErr.RequestID != "[redacted]" ||
		apiErr.Code != "Bad.[redacted]" {
		t.Fatalf("err = %v", err)
	}
	for _, where := range []string{err.Error(), buf.String()} {
		for _, part := range []string{"END", "Q+/=Q", "Q%2B%2F%3D", "Q%2b%2f%3d", `Q+\/=`} {
			if strings.Contains(where, part) {
				t.Errorf("%q survives in %s", part, where)
			}
		}
	}
}

func TestClient_GetStatus_signsOnlyOnceASlotIsFree(t *testing.T) {
	release := make(chan struct{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		fmt.Fprint(w, `{"RequestId":"R","Data":{"StatusCode":0},"Success":true}`)
	}))
	defer server.Close()
	var nonces atomic.Int64
	client, err := cloudauth.NewClient(cloudauth.Config{Endpoint: server.URL,
		Credentials: staticAK(t, testKeyID, testSecret), HTTPClient: &http.Client{},
		MaxConcurrency: 1,
		Nonce:          func() string { return fmt.Sprint(nonces.Add(1)) }})
	if err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := client.GetStatus(context.Background(), exampleBiz, exampleTID)
			done <- err
		}()
	}
	time.Sleep(200 * time.Millisecond)
	signedWhileBlocked := nonces.Load()
	close(release)
	for range 3 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}

	if signedWhileBlocked != 1 {
		t.Errorf("%d requests signed while one slot was busy, want 1: a queued request "+
			"must be signed when it leaves, not when it queues", signedWhileBlocked)
	}
}

// hangingCredentials stands for a credentials source that does not answer, such as a
// credentials URI that accepts the connection and says nothing.
type hangingCredentials struct {
	calls   atomic.Int64
	release chan struct{}
}

func (h *hangingCredentials) GetCredentials() (*providers.Credentials, error) {
	h.calls.Add(1)
	<-h.release
	return nil, errors.New("the source gave up")
}

func (h *hangingCredentials) GetProviderName() string { return "hanging" }

func TestClient_GetStatus_credentialFetchSharedAndCancellable(t *testing.T) {
	server := newMock(t)
	creds := &hangingCredentials{release: make(chan struct{})}
	defer close(creds.release)
	client := newClient(t, server, func(c *cloudauth.Config) { c.Credentials = creds })

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	errs := make(chan error, 5)
	for range 5 {
		go func() {
			_, err := client.GetStatus(ctx, exampleBiz, exampleTID)
			errs <- err
		}()
	}
	for range 5 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	}

	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("returned after %s, want within a second of the cancel", elapsed)
	}
	if n := creds.calls.Load(); n != 1 {
		t.Errorf("%d calls into the credentials source, want 1 shared by all reads", n)
	}
	if n := len(server.Requests()); n != 0 {
		t.Errorf("%d requests sent without credentials", n)
	}
}
