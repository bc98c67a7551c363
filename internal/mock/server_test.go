package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	keyID     = "LTAI5tMockKey"
	keySecret = "mock-secret"
	stsKeyID  = "STS.NUMockKey"
	stsSecret = "sts-secret"
	stsToken  = "CAISmockToken+/="

	passedTicket = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
	passedData   = `{"SimilarityScore":93.12,"AuthorityComparisonScore":98.13,` +
		`"StatusCode":1,"AuditConclusions":"不通过原因"}`
	escapeTicket = "ticket-escape"
	escapeData   = `{"StatusCode":2,"AuditConclusions":"a<b&c"}`
	specialChars = "a b*c~d+e/f=g&h%i不通过"
	specialData  = `{"StatusCode":0}`

	signatureMessage = "Specified signature is not matched with our calculation. " +
		"server string to sign is:"
	xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

var (
	testNow    = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	stsExpires = testNow.Add(time.Hour)

	requestIDPattern = regexp.MustCompile(`[0-9A-F]{8}-0000-4000-8000-[0-9A-F]{12}`)
	nonceCounter     atomic.Int64

	testClient = &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   10 * time.Second,
	}
)

func testConfig() Config {
	return Config{
		Credentials: []Credential{
			{AccessKeyID: keyID, AccessKeySecret: keySecret},
			{
				AccessKeyID: stsKeyID, AccessKeySecret: stsSecret,
				SecurityToken: stsToken, Expires: stsExpires,
			},
			{
				AccessKeyID: "STS.NoExpiry", AccessKeySecret: "no-expiry-secret",
				SecurityToken: "no-expiry-token",
			},
		},
		Scenes: []string{"RPMin"},
		Fixtures: []Fixture{
			{Biz: "RPBasic", TicketID: passedTicket, Data: json.RawMessage(passedData)},
			{Biz: "RPBasic", TicketID: escapeTicket, Data: json.RawMessage(escapeData)},
			{Biz: "RPBasic", TicketID: specialChars, Data: json.RawMessage(specialData)},
		},
	}
}

// testClock is a clock a test can move while the mock runs.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.now
}

func (c *testClock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.now = now
}

func startServer(t *testing.T, cfg Config, opts ...Option) *Server {
	t.Helper()

	opts = append([]Option{WithClock(func() time.Time { return testNow })}, opts...)
	s, err := New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)

	return s
}

func stamp(at time.Time) string {
	return at.UTC().Format("2006-01-02T15:04:05Z")
}

// newParams returns a complete GetStatus request for ticket, not yet signed.
func newParams(ticket string) map[string]string {
	return map[string]string{
		"Action":           "GetStatus",
		"Version":          APIVersion,
		"Format":           "JSON",
		"AccessKeyId":      keyID,
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureVersion": "1.0",
		"SignatureNonce":   fmt.Sprintf("nonce-%d", nonceCounter.Add(1)),
		"Timestamp":        stamp(testNow),
		"RegionId":         "cn-hangzhou",
		"Biz":              "RPBasic",
		"TicketId":         ticket,
	}
}

// sign sets the Signature of params for method under secret and returns params.
func sign(method string, params map[string]string, secret string) map[string]string {
	delete(params, "Signature")
	params["Signature"] = Signature(StringToSign(method, params), secret)

	return params
}

func signedParams(method, ticket string) map[string]string {
	return sign(method, newParams(ticket), keySecret)
}

func encode(params map[string]string) string {
	values := url.Values{}
	for name, value := range params {
		values.Set(name, value)
	}

	return values.Encode()
}

type answer struct {
	status      int
	contentType string
	body        string
}

func sendRaw(t *testing.T, method, target, contentType, body string) (answer, error) {
	t.Helper()

	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, target, reader)
	if err != nil {
		t.Fatalf("building the request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}

	resp, err := testClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(resp.Body)

	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), string(raw)}, err
}

// send sends params to the mock with method: in the query for GET and the others, in a
// form body for POST.
func send(t *testing.T, s *Server, method string, params map[string]string) answer {
	t.Helper()

	var (
		ans answer
		err error
	)
	if method == http.MethodPost {
		ans, err = sendRaw(t, method, s.URL+"/", "application/x-www-form-urlencoded",
			encode(params))
	} else {
		ans, err = sendRaw(t, method, s.URL+"/?"+encode(params), "", "")
	}
	if err != nil {
		t.Fatalf("%s request: %v", method, err)
	}

	return ans
}

func requestIDOf(t *testing.T, body string) string {
	t.Helper()

	id := requestIDPattern.FindString(body)
	if id == "" {
		t.Fatalf("no request id in %q", body)
	}

	return id
}

func wantSuccessJSON(t *testing.T, ans answer, data string) {
	t.Helper()

	if ans.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", ans.status, ans.body)
	}
	if ans.contentType != "application/json;charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json;charset=utf-8", ans.contentType)
	}

	want := `{"RequestId":"` + requestIDOf(t, ans.body) + `","Data":` + data +
		`,"Success":true}`
	if ans.body != want {
		t.Errorf("body =\n%s\nwant\n%s", ans.body, want)
	}
}

// wantError checks a JSON error answer field by field.
func wantError(t *testing.T, ans answer, status int, code, message string) {
	t.Helper()

	if ans.status != status {
		t.Errorf("status = %d, want %d; body %s", ans.status, status, ans.body)
	}
	if ans.contentType != "application/json;charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json;charset=utf-8", ans.contentType)
	}

	var got map[string]string
	if err := json.Unmarshal([]byte(ans.body), &got); err != nil {
		t.Fatalf("error body %q: %v", ans.body, err)
	}
	want := map[string]string{
		"RequestId": requestIDOf(t, ans.body), "HostId": "cloudauth.aliyuncs.com",
		"Code": code, "Message": message,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("error body = %v, want %v", got, want)
	}
}

// wantXMLError checks an XML error answer byte for byte.
func wantXMLError(t *testing.T, ans answer, status int, code, message string) {
	t.Helper()

	if ans.status != status {
		t.Errorf("status = %d, want %d; body %s", ans.status, status, ans.body)
	}
	if ans.contentType != "text/xml;charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/xml;charset=utf-8", ans.contentType)
	}

	want := xmlDeclaration + "<Error><RequestId>" + requestIDOf(t, ans.body) +
		"</RequestId><HostId>cloudauth.aliyuncs.com</HostId><Code>" + code +
		"</Code><Message>" + message + "</Message></Error>"
	if ans.body != want {
		t.Errorf("body =\n%s\nwant\n%s", ans.body, want)
	}
}

func TestServer_getSuccess(t *testing.T) {
	s := startServer(t, testConfig())

	ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	wantSuccessJSON(t, ans, passedData)
}

func TestServer_postSuccess(t *testing.T) {
	s := startServer(t, testConfig())

	ans := send(t, s, http.MethodPost, signedParams(http.MethodPost, passedTicket))

	wantSuccessJSON(t, ans, passedData)
}

func TestServer_postSignedAsGet(t *testing.T) {
	s := startServer(t, testConfig())
	params := signedParams(http.MethodGet, passedTicket)

	ans := send(t, s, http.MethodPost, params)

	wantError(t, ans, http.StatusBadRequest, "SignatureDoesNotMatch",
		signatureMessage+StringToSign(http.MethodPost, params))
}

func TestServer_requestIDsDiffer(t *testing.T) {
	s := startServer(t, testConfig())

	first := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))
	second := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	if a, b := requestIDOf(t, first.body), requestIDOf(t, second.body); a == b {
		t.Errorf("two answers share the request id %s", a)
	}
}

func TestServer_xmlSuccess(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)
	params["Format"] = "XML"

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	if ans.status != http.StatusOK || ans.contentType != "text/xml;charset=utf-8" {
		t.Errorf("status %d, Content-Type %q; want 200, text/xml;charset=utf-8",
			ans.status, ans.contentType)
	}
	want := xmlDeclaration + "<GetStatusResponse><RequestId>" + requestIDOf(t, ans.body) +
		"</RequestId><Data><AuditConclusions>不通过原因</AuditConclusions>" +
		"<AuthorityComparisonScore>98.13</AuthorityComparisonScore>" +
		"<SimilarityScore>93.12</SimilarityScore><StatusCode>1</StatusCode></Data>" +
		"<Success>true</Success></GetStatusResponse>"
	if ans.body != want {
		t.Errorf("body =\n%s\nwant\n%s", ans.body, want)
	}
}

func TestServer_xmlEscapesText(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(escapeTicket)
	delete(params, "Format")

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	want := xmlDeclaration + "<GetStatusResponse><RequestId>" + requestIDOf(t, ans.body) +
		"</RequestId><Data><AuditConclusions>a&lt;b&amp;c</AuditConclusions>" +
		"<StatusCode>2</StatusCode></Data><Success>true</Success></GetStatusResponse>"
	if ans.status != http.StatusOK || ans.body != want {
		t.Errorf("status %d, body =\n%s\nwant 200,\n%s", ans.status, ans.body, want)
	}
}

func TestServer_unknownTicket(t *testing.T) {
	s := startServer(t, testConfig())

	ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, "never-submitted"))

	wantSuccessJSON(t, ans, `{"StatusCode":-1}`)
}

func TestServer_unknownTicketXML(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams("never-submitted")
	params["Format"] = "XML"

	ans := send(t, s, http.MethodPost, sign(http.MethodPost, params, keySecret))

	want := xmlDeclaration + "<GetStatusResponse><RequestId>" + requestIDOf(t, ans.body) +
		"</RequestId><Data><StatusCode>-1</StatusCode></Data><Success>true</Success>" +
		"</GetStatusResponse>"
	if ans.status != http.StatusOK || ans.body != want {
		t.Errorf("status %d, body =\n%s\nwant 200,\n%s", ans.status, ans.body, want)
	}
}

func TestServer_fixtureBelongsToItsScene(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)
	params["Biz"] = "RPMin"

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	wantSuccessJSON(t, ans, `{"StatusCode":-1}`)
}

func TestServer_specialCharacters(t *testing.T) {
	tests := []struct {
		name   string
		method string
		query  func(map[string]string) string
	}{
		{"get, space as plus", http.MethodGet, encode},
		{"get, space as %20", http.MethodGet, rpcQuery},
		{"post form", http.MethodPost, encode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, testConfig())
			params := sign(tt.method, newParams(specialChars), keySecret)

			var (
				ans answer
				err error
			)
			if tt.method == http.MethodPost {
				ans, err = sendRaw(t, tt.method, s.URL+"/",
					"application/x-www-form-urlencoded", tt.query(params))
			} else {
				ans, err = sendRaw(t, tt.method, s.URL+"/?"+tt.query(params), "", "")
			}
			if err != nil {
				t.Fatalf("request: %v", err)
			}

			wantSuccessJSON(t, ans, specialData)
			if got := s.Requests()[0].Params["TicketId"]; got != specialChars {
				t.Errorf("recorded TicketId = %q, want %q", got, specialChars)
			}
		})
	}
}

// rpcQuery encodes params the way the RPC signature does, a space as %20.
func rpcQuery(params map[string]string) string {
	pairs := make([]string, 0, len(params))
	for name, value := range params {
		pairs = append(pairs, percentEncode(name)+"="+percentEncode(value))
	}

	return strings.Join(pairs, "&")
}

func TestServer_missingCommonParameters(t *testing.T) {
	names := []string{
		"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce",
		"Timestamp", "Version", "Action",
	}
	s := startServer(t, testConfig())
	for _, name := range names {
		for _, empty := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s empty=%v", name, empty), func(t *testing.T) {
				params := newParams(passedTicket)
				if empty {
					params[name] = ""
				} else {
					delete(params, name)
				}
				if name != "Signature" {
					sign(http.MethodGet, params, keySecret)
				}

				ans := send(t, s, http.MethodGet, params)

				wantError(t, ans, http.StatusBadRequest, "Missing"+name,
					name+" is mandatory for this action.")
			})
		}
	}
}

func TestServer_badSignatureMethod(t *testing.T) {
	tests := []struct {
		name, param, value string
	}{
		{"sha256 method", "SignatureMethod", "HMAC-SHA256"},
		{"lower case method", "SignatureMethod", "hmac-sha1"},
		{"version 2.0", "SignatureVersion", "2.0"},
		{"version 1", "SignatureVersion", "1"},
	}
	s := startServer(t, testConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := newParams(passedTicket)
			params[tt.param] = tt.value

			ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

			wantError(t, ans, http.StatusBadRequest, "InvalidSignatureMethod",
				"Only HMAC-SHA1 signature version 1.0 is supported.")
		})
	}
}

func TestServer_badFormat(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)
	params["Format"] = "YAML"

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	wantXMLError(t, ans, http.StatusBadRequest, "InvalidParameter.Format",
		"Format must be JSON or XML.")
}

func TestServer_unsupportedMethod(t *testing.T) {
	s := startServer(t, testConfig())

	ans := send(t, s, http.MethodPut, signedParams(http.MethodPut, passedTicket))

	wantXMLError(t, ans, http.StatusMethodNotAllowed, "UnsupportedHTTPMethod",
		"GET and POST are supported.")
}

func TestServer_unparsableQuery(t *testing.T) {
	s := startServer(t, testConfig())

	ans, err := sendRaw(t, http.MethodGet, s.URL+"/?Format=JSON&TicketId=%zz", "", "")
	if err != nil {
		t.Fatalf("request: %v", err)
	}

	wantXMLError(t, ans, http.StatusBadRequest, "InvalidParameter",
		"The request could not be parsed: invalid URL escape &#34;%zz&#34;")
}

func TestServer_duplicateParameter(t *testing.T) {
	s := startServer(t, testConfig())
	params := signedParams(http.MethodGet, passedTicket)

	ans, err := sendRaw(t, http.MethodGet,
		s.URL+"/?"+encode(params)+"&TicketId="+passedTicket, "", "")
	if err != nil {
		t.Fatalf("request: %v", err)
	}

	wantXMLError(t, ans, http.StatusBadRequest, "InvalidParameter",
		"The parameter TicketId is given 2 times.")
}

func TestServer_duplicateParameterQueryAndBody(t *testing.T) {
	s := startServer(t, testConfig())
	params := signedParams(http.MethodPost, passedTicket)

	ans, err := sendRaw(t, http.MethodPost, s.URL+"/?Biz=RPBasic",
		"application/x-www-form-urlencoded", encode(params))
	if err != nil {
		t.Fatalf("request: %v", err)
	}

	wantXMLError(t, ans, http.StatusBadRequest, "InvalidParameter",
		"The parameter Biz is given 2 times.")
}

func TestServer_timestampFormat(t *testing.T) {
	values := []string{
		"2024-05-06 07:08:09",
		"2024-05-06T07:08:09",
		"2024-05-06T07:08:09+08:00",
		"2024-05-06T15:08:09+0800",
		"1714979289",
		"Mon, 06 May 2024 07:08:09 GMT",
	}
	s := startServer(t, testConfig())
	for _, value := range values {
		t.Run(value, func(t *testing.T) {
			params := newParams(passedTicket)
			params["Timestamp"] = value

			ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

			wantError(t, ans, http.StatusBadRequest, "InvalidTimeStamp.Format",
				"Specified time stamp or date value is not well formatted.")
		})
	}
}

func TestServer_timestampWindow(t *testing.T) {
	tests := []struct {
		name    string
		skew    time.Duration
		expired bool
	}{
		{"on time", 0, false},
		{"15 minutes behind", -TimestampWindow, false},
		{"15 minutes ahead", TimestampWindow, false},
		{"just over 15 minutes behind", -TimestampWindow - time.Second, true},
		{"just over 15 minutes ahead", TimestampWindow + time.Second, true},
		{"a day behind", -24 * time.Hour, true},
	}
	clock := &testClock{now: testNow}
	s := startServer(t, testConfig(), WithClock(clock.Now))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Set(testNow.Add(-tt.skew))

			ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

			if tt.expired {
				wantError(t, ans, http.StatusBadRequest, "InvalidTimeStamp.Expired",
					"Specified time stamp or date value is expired.")
			} else {
				wantSuccessJSON(t, ans, passedData)
			}
		})
	}
}

func TestServer_unknownAccessKey(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)
	params["AccessKeyId"] = "LTAI5tUnknown"

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	wantError(t, ans, http.StatusNotFound, "InvalidAccessKeyId.NotFound",
		"Specified access key is not found.")
}

func TestServer_wrongSecret(t *testing.T) {
	s := startServer(t, testConfig())
	params := sign(http.MethodGet, newParams(passedTicket), "wrong-secret")

	ans := send(t, s, http.MethodGet, params)

	wantError(t, ans, http.StatusBadRequest, "SignatureDoesNotMatch",
		signatureMessage+StringToSign(http.MethodGet, params))
}

func TestServer_tamperedParameter(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)
	params["SignatureNonce"] = "nonce-tampered"
	sign(http.MethodGet, params, keySecret)
	params["TicketId"] = "other"

	ans := send(t, s, http.MethodGet, params)

	wantError(t, ans, http.StatusBadRequest, "SignatureDoesNotMatch", signatureMessage+
		"GET&%2F&AccessKeyId%3DLTAI5tMockKey%26Action%3DGetStatus%26Biz%3DRPBasic"+
		"%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1"+
		"%26SignatureNonce%3Dnonce-tampered%26SignatureVersion%3D1.0%26TicketId%3Dother"+
		"%26Timestamp%3D2024-05-06T07%253A08%253A09Z%26Version%3D2018-09-16")
}

func TestServer_nonceReuse(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)

	first := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))
	second := send(t, s, http.MethodPost, sign(http.MethodPost, params, keySecret))

	wantSuccessJSON(t, first, passedData)
	wantError(t, second, http.StatusBadRequest, "SignatureNonceUsed",
		"Specified signature nonce was used already.")
}

func TestServer_badSignatureKeepsNonce(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)

	forged := send(t, s, http.MethodGet, sign(http.MethodGet, params, "wrong-secret"))
	genuine := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))
	replayed := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	wantError(t, forged, http.StatusBadRequest, "SignatureDoesNotMatch",
		signatureMessage+StringToSign(http.MethodGet, params))
	wantSuccessJSON(t, genuine, passedData)
	wantError(t, replayed, http.StatusBadRequest, "SignatureNonceUsed",
		"Specified signature nonce was used already.")
}

func TestServer_securityToken(t *testing.T) {
	tests := []struct {
		name, keyID, secret string
		token               *string
		code, message       string
	}{
		{
			name: "sts key with its token", keyID: stsKeyID, secret: stsSecret,
			token: ptr(stsToken),
		},
		{
			name: "sts key without expiry", keyID: "STS.NoExpiry",
			secret: "no-expiry-secret", token: ptr("no-expiry-token"),
		},
		{
			name: "sts key without token", keyID: stsKeyID, secret: stsSecret,
			code:    "InvalidSecurityToken.Missing",
			message: "A temporary access key needs its security token.",
		},
		{
			name: "sts key with another token", keyID: stsKeyID, secret: stsSecret,
			token: ptr("no-expiry-token"), code: "InvalidSecurityToken.MismatchWithAccessKey",
			message: "The security token does not belong to the access key.",
		},
		{
			name: "sts key with an empty token", keyID: stsKeyID, secret: stsSecret,
			token: ptr(""), code: "InvalidSecurityToken.MismatchWithAccessKey",
			message: "The security token does not belong to the access key.",
		},
		{
			name: "long-term key with a token", keyID: keyID, secret: keySecret,
			token: ptr(stsToken), code: "InvalidSecurityToken.MismatchWithAccessKey",
			message: "The access key is not a temporary one, yet a security token was sent.",
		},
	}
	s := startServer(t, testConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := newParams(passedTicket)
			params["AccessKeyId"] = tt.keyID
			if tt.token != nil {
				params["SecurityToken"] = *tt.token
			}

			ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, tt.secret))

			if tt.code == "" {
				wantSuccessJSON(t, ans, passedData)
			} else {
				wantError(t, ans, http.StatusBadRequest, tt.code, tt.message)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestServer_securityTokenExpiry(t *testing.T) {
	tests := []struct {
		name    string
		now     time.Time
		expired bool
	}{
		{"a second before", stsExpires.Add(-time.Second), false},
		{"at expiry", stsExpires, true},
		{"a minute after", stsExpires.Add(time.Minute), true},
	}
	clock := &testClock{now: testNow}
	s := startServer(t, testConfig(), WithClock(clock.Now))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Set(tt.now)
			params := newParams(passedTicket)
			params["AccessKeyId"] = stsKeyID
			params["SecurityToken"] = stsToken
			params["Timestamp"] = stamp(tt.now)

			ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, stsSecret))

			if tt.expired {
				wantError(t, ans, http.StatusBadRequest, "InvalidSecurityToken.Expired",
					"Specified SecurityToken is expired.")
			} else {
				wantSuccessJSON(t, ans, passedData)
			}
		})
	}
}

func TestServer_invalidAction(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)
	params["Action"] = "DescribeVerifyToken"

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	wantError(t, ans, http.StatusNotFound, "InvalidAction.NotFound",
		"Specified api is not found, please check your url and method.")
}

func TestServer_invalidVersion(t *testing.T) {
	for _, version := range []string{"2019-03-07", "2017-11-17", "2018-09-16 "} {
		t.Run(version, func(t *testing.T) {
			s := startServer(t, testConfig())
			params := newParams(passedTicket)
			params["Version"] = version

			ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

			wantError(t, ans, http.StatusBadRequest, "InvalidVersion",
				"Specified parameter Version is not valid.")
		})
	}
}

func TestServer_emptyOperationParameters(t *testing.T) {
	s := startServer(t, testConfig())
	for _, name := range []string{"RegionId", "Biz", "TicketId"} {
		for _, absent := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s absent=%v", name, absent), func(t *testing.T) {
				params := newParams(passedTicket)
				if absent {
					delete(params, name)
				} else {
					params[name] = ""
				}

				ans := send(t, s, http.MethodPost, sign(http.MethodPost, params, keySecret))

				wantError(t, ans, http.StatusBadRequest, "InvalidParam.ParamMissing",
					name+" is empty.")
			})
		}
	}
}

func TestServer_unknownBiz(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)
	params["Biz"] = "RPUnknown"

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	wantError(t, ans, http.StatusBadRequest, "InvalidParam.InvalidBiz",
		`Biz "RPUnknown" is not a scene created in the console.`)
}

func TestServer_errorBodyBytes(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)
	params["Action"] = "Nope"

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	want := `{"Code":"InvalidAction.NotFound","HostId":"cloudauth.aliyuncs.com",` +
		`"Message":"Specified api is not found, please check your url and method.",` +
		`"RequestId":"` + requestIDOf(t, ans.body) + `"}`
	if ans.status != http.StatusNotFound || ans.body != want {
		t.Errorf("status %d, body =\n%s\nwant 404,\n%s", ans.status, ans.body, want)
	}
}

func TestServer_xmlErrorAfterFormat(t *testing.T) {
	s := startServer(t, testConfig())
	params := newParams(passedTicket)
	params["Format"] = "XML"
	params["Biz"] = "RP<Unknown>"

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	wantXMLError(t, ans, http.StatusBadRequest, "InvalidParam.InvalidBiz",
		"Biz &#34;RP&lt;Unknown&gt;&#34; is not a scene created in the console.")
}

func TestServer_requests(t *testing.T) {
	s := startServer(t, testConfig())
	good := signedParams(http.MethodGet, passedTicket)
	forged := sign(http.MethodPost, newParams(passedTicket), "wrong-secret")
	throttled := signedParams(http.MethodGet, "ticket-throttled")

	send(t, s, http.MethodGet, good)
	send(t, s, http.MethodPost, forged)
	if err := s.Inject(Fault{Kind: FaultThrottle, Times: 1}); err != nil {
		t.Fatalf("Inject: %v", err)
	}
	send(t, s, http.MethodGet, throttled)
	send(t, s, http.MethodDelete, map[string]string{})

	got := s.Requests()
	want := []Request{
		{Method: http.MethodGet, Params: good, At: testNow},
		{
			Method: http.MethodPost, Params: forged, Code: "SignatureDoesNotMatch",
			At: testNow,
		},
		{
			Method: http.MethodGet, Params: throttled, Code: "Throttling.User",
			Fault: FaultThrottle, At: testNow,
		},
		{Method: http.MethodDelete, Code: "UnsupportedHTTPMethod", At: testNow},
	}
	if len(got) != len(want) {
		t.Fatalf("Requests() holds %d requests, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		got[i].Header = nil
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("request %d = %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestServer_requestsRecordHeaders(t *testing.T) {
	s := startServer(t, testConfig())

	send(t, s, http.MethodPost, signedParams(http.MethodPost, passedTicket))

	got := s.Requests()[0].Header.Get("Content-Type")
	if got != "application/x-www-form-urlencoded" {
		t.Errorf("recorded Content-Type = %q, want application/x-www-form-urlencoded", got)
	}
}

func TestServer_requestsReturnsCopy(t *testing.T) {
	s := startServer(t, testConfig())
	send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	first := s.Requests()
	first[0].Method = "CHANGED"
	second := s.Requests()

	if second[0].Method != http.MethodGet {
		t.Errorf("Requests()[0].Method = %q after changing a copy, want GET", second[0].Method)
	}
}

func TestServer_concurrentRequests(t *testing.T) {
	const n = 16
	s := startServer(t, testConfig())

	var wg sync.WaitGroup
	results := make([]answer, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			params := signedParams(http.MethodPost, passedTicket)
			results[i], errs[i] = sendRaw(t, http.MethodPost, s.URL+"/",
				"application/x-www-form-urlencoded", encode(params))
		})
	}
	wg.Wait()

	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		wantSuccessJSON(t, results[i], passedData)
	}
	if got := len(s.Requests()); got != n {
		t.Errorf("Requests() holds %d requests, want %d", got, n)
	}
}

func TestNewOn_refusesNonLoopback(t *testing.T) {
	tests := []struct {
		addr, want string
	}{
		{"0.0.0.0:0", `listen address "0.0.0.0:0" is not a loopback IP address`},
		{"192.0.2.1:0", `listen address "192.0.2.1:0" is not a loopback IP address`},
		{"[::]:0", `listen address "[::]:0" is not a loopback IP address`},
		{":0", `listen address ":0" is not a loopback IP address`},
		{"localhost:0", `listen address "localhost:0" is not a loopback IP address`},
		{"example.com:0", `listen address "example.com:0" is not a loopback IP address`},
		{
			"127.0.0.1",
			`listen address "127.0.0.1": address 127.0.0.1: missing port in address`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			s, err := NewOn(tt.addr, testConfig())

			if s != nil {
				s.Close()
				t.Fatalf("NewOn(%q) started a server at %s", tt.addr, s.URL)
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("NewOn(%q) error = %v, want %q", tt.addr, err, tt.want)
			}
		})
	}
}

func TestNew_listensOnLoopback(t *testing.T) {
	s := startServer(t, testConfig())

	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || s.URL == "http://127.0.0.1:0" {
		t.Errorf("URL = %q, want http://127.0.0.1:<port>", s.URL)
	}
}

func TestNew_badConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{
			"credential without secret",
			Config{Credentials: []Credential{{AccessKeyID: "k"}}},
			`credential "k" needs an access key id and secret`,
		},
		{
			"credential without id",
			Config{Credentials: []Credential{{AccessKeySecret: "s"}}},
			`credential "" needs an access key id and secret`,
		},
		{
			"fixture data an array",
			Config{Fixtures: []Fixture{{Biz: "B", TicketID: "t", Data: json.RawMessage(`[1]`)}}},
			"fixture B/t: data is not a JSON object",
		},
		{
			"fixture data a string",
			Config{Fixtures: []Fixture{{Biz: "B", TicketID: "t", Data: json.RawMessage(`"x"`)}}},
			"fixture B/t: data is not a JSON object",
		},
		{
			"fixture data invalid",
			Config{Fixtures: []Fixture{{Biz: "B", TicketID: "t", Data: json.RawMessage(`{"a":`)}}},
			"fixture B/t: data is not a JSON object",
		},
		{
			"fixture without data",
			Config{Fixtures: []Fixture{{Biz: "B", TicketID: "t"}}},
			"fixture B/t: data is not a JSON object",
		},
		{
			"invalid fault",
			Config{Faults: []Fault{{Kind: "explode"}}},
			`unknown fault kind "explode"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg)

			if s != nil {
				s.Close()
				t.Fatal("New started a server from a bad config")
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("New error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestConfig_fromJSON(t *testing.T) {
	raw := `{
		"credentials": [
			{"access_key_id": "LTAI5tMockKey", "access_key_secret": "mock-secret"},
			{"access_key_id": "STS.NUMockKey", "access_key_secret": "sts-secret",
			 "security_token": "tok", "expires": "2024-05-06T08:08:09Z"}
		],
		"scenes": ["RPMin"],
		"fixtures": [
			{"biz": "RPBasic", "ticket_id": "t-1",
			 "data": { "StatusCode": 2, "SimilarityScore": 100 }}
		],
		"faults": [
			{"kind": "delay", "delay": "1.5s", "times": 1, "ticket_id": "t-1"},
			{"kind": "error", "code": "Error.Custom", "http_status": 418, "message": "m"},
			{"kind": "body", "body": "<x/>", "content_type": "text/xml"}
		]
	}`

	var got Config
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("decoding the config: %v", err)
	}

	want := Config{
		Credentials: []Credential{
			{AccessKeyID: keyID, AccessKeySecret: keySecret},
			{
				AccessKeyID: stsKeyID, AccessKeySecret: stsSecret, SecurityToken: "tok",
				Expires: time.Date(2024, 5, 6, 8, 8, 9, 0, time.UTC),
			},
		},
		Scenes: []string{"RPMin"},
		Fixtures: []Fixture{{
			Biz: "RPBasic", TicketID: "t-1",
			Data: json.RawMessage(`{ "StatusCode": 2, "SimilarityScore": 100 }`),
		}},
		Faults: []Fault{
			{
				Kind: FaultDelay, Delay: Duration(1500 * time.Millisecond), Times: 1,
				TicketID: "t-1",
			},
			{Kind: FaultError, Code: "Error.Custom", HTTPStatus: 418, Message: "m"},
			{Kind: FaultBody, Body: "<x/>", ContentType: "text/xml"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config = %+v\nwant %+v", got, want)
	}
}

func TestConfig_fixtureServedVerbatim(t *testing.T) {
	var cfg Config
	err := json.Unmarshal([]byte(`{
		"credentials": [{"access_key_id": "LTAI5tMockKey", "access_key_secret": "mock-secret"}],
		"fixtures": [{"biz": "RPBasic", "ticket_id": "t-1",
			"data": { "StatusCode": 2, "SimilarityScore": 100,
				"AuditConclusions": "照片模糊" }}]
	}`), &cfg)
	if err != nil {
		t.Fatalf("decoding the config: %v", err)
	}
	s := startServer(t, cfg)

	ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, "t-1"))

	wantSuccessJSON(t, ans, `{ "StatusCode": 2, "SimilarityScore": 100,
				"AuditConclusions": "照片模糊" }`)
}

func TestServer_loadAddsToConfig(t *testing.T) {
	s := startServer(t, testConfig())
	err := s.Load(Config{
		Credentials: []Credential{{AccessKeyID: "LTAI5tSecond", AccessKeySecret: "second"}},
		Fixtures: []Fixture{
			{Biz: "RPNew", TicketID: "t-new", Data: json.RawMessage(`{"StatusCode":0}`)},
		},
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	params := newParams("t-new")
	params["AccessKeyId"] = "LTAI5tSecond"
	params["Biz"] = "RPNew"

	added := send(t, s, http.MethodGet, sign(http.MethodGet, params, "second"))
	kept := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	wantSuccessJSON(t, added, `{"StatusCode":0}`)
	wantSuccessJSON(t, kept, passedData)
}

func TestDuration_unmarshalJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    Duration
		wantErr string
	}{
		{`"1.5s"`, Duration(1500 * time.Millisecond), ""},
		{`"250ms"`, Duration(250 * time.Millisecond), ""},
		{`"2m"`, Duration(2 * time.Minute), ""},
		{`"soon"`, 0, `time: invalid duration "soon"`},
		{
			`1.5`, 0, `a duration is a string such as "1.5s": ` +
				`json: cannot unmarshal number into Go value of type string`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got Duration
			err := json.Unmarshal([]byte(tt.in), &got)

			if tt.wantErr == "" && err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			if tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Fatalf("Unmarshal(%s) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, time.Duration(got),
					time.Duration(tt.want))
			}
		})
	}
}

func TestDuration_marshalJSON(t *testing.T) {
	got, err := json.Marshal(Fault{Kind: FaultDelay, Delay: Duration(1500 * time.Millisecond)})
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}

	if want := `{"kind":"delay","delay":"1.5s"}`; string(got) != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
}

func TestFault_validate(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		want  string
	}{
		{"unknown kind", Fault{Kind: "explode"}, `unknown fault kind "explode"`},
		{"empty kind", Fault{}, `unknown fault kind ""`},
		{"error without code", Fault{Kind: FaultError}, "fault error needs a code"},
		{
			"success_false without code", Fault{Kind: FaultSuccessFalse},
			"fault success_false needs a code",
		},
		{
			"error with unknown code and no status",
			Fault{Kind: FaultError, Code: "Error.Custom"},
			"fault error: code Error.Custom needs an http_status",
		},
		{
			"body without body or status", Fault{Kind: FaultBody, ContentType: "text/plain"},
			"fault body needs a body or an http_status",
		},
		{"delay without delay", Fault{Kind: FaultDelay}, "fault delay needs a positive delay"},
		{
			"negative delay", Fault{Kind: FaultDelay, Delay: Duration(-time.Second)},
			"fault delay needs a positive delay",
		},
		{
			"negative times", Fault{Kind: FaultThrottle, Times: -1},
			"fault throttle: times is negative",
		},
		{
			"status below 200", Fault{Kind: FaultHTML, HTTPStatus: 99},
			"fault html: http_status 99 is not between 200 and 599",
		},
		{
			"status above 599", Fault{Kind: FaultBody, Body: "x", HTTPStatus: 1000},
			"fault body: http_status 1000 is not between 200 and 599",
		},
		{
			"negative status", Fault{Kind: FaultError, Code: "NoPermission", HTTPStatus: -5},
			"fault error: http_status -5 is not between 200 and 599",
		},
		{"throttle", Fault{Kind: FaultThrottle}, ""},
		{"unavailable", Fault{Kind: FaultUnavailable, Times: 3}, ""},
		{"error with known code", Fault{Kind: FaultError, Code: "Error.InternalError"}, ""},
		{
			"error with a security token code",
			Fault{Kind: FaultError, Code: "InvalidSecurityToken.Malformed"}, "",
		},
		{
			"error with custom code and status",
			Fault{Kind: FaultError, Code: "Error.Custom", HTTPStatus: 418}, "",
		},
		{"success_false", Fault{Kind: FaultSuccessFalse, Code: "Error.Custom"}, ""},
		{"html", Fault{Kind: FaultHTML, HTTPStatus: 504}, ""},
		{"body with body", Fault{Kind: FaultBody, Body: "{}"}, ""},
		{"body with status", Fault{Kind: FaultBody, HTTPStatus: 500}, ""},
		{"delay", Fault{Kind: FaultDelay, Delay: Duration(time.Millisecond)}, ""},
		{"reset", Fault{Kind: FaultReset, TicketID: "t"}, ""},
		{"truncate", Fault{Kind: FaultTruncate}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fault.validate()

			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("validate() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServer_injectInvalid(t *testing.T) {
	s := startServer(t, testConfig())

	err := s.Inject(Fault{Kind: FaultError})
	ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	if err == nil || err.Error() != "fault error needs a code" {
		t.Errorf("Inject error = %v, want %q", err, "fault error needs a code")
	}
	wantSuccessJSON(t, ans, passedData)
}

// inject queues faults on s, failing the test if they are refused.
func inject(t *testing.T, s *Server, faults ...Fault) {
	t.Helper()

	if err := s.Inject(faults...); err != nil {
		t.Fatalf("Inject: %v", err)
	}
}

func TestFault_throttle(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultThrottle, Times: 1})

	faulted := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))
	normal := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	wantError(t, faulted, http.StatusBadRequest, "Throttling.User",
		"Request was denied due to user flow control.")
	wantSuccessJSON(t, normal, passedData)
}

func TestFault_throttleCustom(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{
		Kind: FaultThrottle, Times: 1, HTTPStatus: http.StatusTooManyRequests, Message: "slow",
	})

	ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	wantError(t, ans, http.StatusTooManyRequests, "Throttling.User", "slow")
}

func TestFault_unavailable(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultUnavailable, Times: 1})

	ans := send(t, s, http.MethodPost, signedParams(http.MethodPost, passedTicket))

	wantError(t, ans, http.StatusServiceUnavailable, "ServiceUnavailable",
		"The request has failed due to a temporary failure of the server.")
}

func TestFault_errorKnownCode(t *testing.T) {
	tests := []struct {
		code    string
		status  int
		message string
	}{
		{
			"Error.InternalError", http.StatusInternalServerError,
			"The request processing has failed due to some unknown error.",
		},
		{
			"Error.NoPermissionAccess", http.StatusForbidden,
			"The cloudauth service is not activated for this account.",
		},
		{
			"NoPermission", http.StatusForbidden,
			"You are not authorized to perform this operation.",
		},
		{"Throttling", http.StatusBadRequest, "Request was denied due to request throttling."},
		{
			"ServiceUnavailable", http.StatusServiceUnavailable,
			"The request has failed due to a temporary failure of the server.",
		},
		{
			"InvalidParam.InvalidBiz", http.StatusBadRequest,
			"Injected error InvalidParam.InvalidBiz.",
		},
		{
			"InvalidAccessKeyId.NotFound", http.StatusNotFound,
			"Injected error InvalidAccessKeyId.NotFound.",
		},
		{
			"InvalidSecurityToken.Malformed", http.StatusBadRequest,
			"Injected error InvalidSecurityToken.Malformed.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			s := startServer(t, testConfig())
			inject(t, s, Fault{Kind: FaultError, Code: tt.code, Times: 1})

			ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

			wantError(t, ans, tt.status, tt.code, tt.message)
		})
	}
}

func TestFault_errorCustomStatus(t *testing.T) {
	tests := []struct {
		name    string
		fault   Fault
		status  int
		message string
	}{
		{
			"custom code", Fault{Kind: FaultError, Code: "Error.Teapot", HTTPStatus: 418},
			418, "Injected error Error.Teapot.",
		},
		{
			"custom message",
			Fault{Kind: FaultError, Code: "Error.Teapot", HTTPStatus: 418, Message: "short"},
			418, "short",
		},
		{
			"known code, other status",
			Fault{Kind: FaultError, Code: "Error.InternalError", HTTPStatus: 400},
			400, "The request processing has failed due to some unknown error.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, testConfig())
			inject(t, s, tt.fault)

			ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

			wantError(t, ans, tt.status, tt.fault.Code, tt.message)
		})
	}
}

func TestFault_errorXML(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultError, Code: "NoPermission"})
	params := newParams(passedTicket)
	params["Format"] = "XML"

	ans := send(t, s, http.MethodGet, sign(http.MethodGet, params, keySecret))

	wantXMLError(t, ans, http.StatusForbidden, "NoPermission",
		"You are not authorized to perform this operation.")
}

func TestFault_successFalse(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultSuccessFalse, Code: "Error.NoPermissionAccess"})

	ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	want := `{"Code":"Error.NoPermissionAccess",` +
		`"Message":"The cloudauth service is not activated for this account.",` +
		`"RequestId":"` + requestIDOf(t, ans.body) + `","Success":false}`
	if ans.status != http.StatusOK || ans.body != want {
		t.Errorf("status %d, body =\n%s\nwant 200,\n%s", ans.status, ans.body, want)
	}
	if ans.contentType != "application/json;charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json;charset=utf-8", ans.contentType)
	}
}

func TestFault_html(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   int
		text   string
	}{
		{"default status", 0, http.StatusBadGateway, "Bad Gateway"},
		{"custom status", http.StatusGatewayTimeout, http.StatusGatewayTimeout, "Gateway Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, testConfig())
			inject(t, s, Fault{Kind: FaultHTML, HTTPStatus: tt.status})

			ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

			want := fmt.Sprintf("<!DOCTYPE html>\n<html><head><title>%d %s</title></head>"+
				"<body><h1>%s</h1><hr><center>gateway</center></body></html>\n",
				tt.want, tt.text, tt.text)
			if ans.status != tt.want || ans.contentType != "text/html" || ans.body != want {
				t.Errorf("answer %d %q\n%s\nwant %d text/html\n%s",
					ans.status, ans.contentType, ans.body, tt.want, want)
			}
		})
	}
}

func TestFault_body(t *testing.T) {
	tests := []struct {
		name   string
		fault  Fault
		status int
	}{
		{
			"body, type and status",
			Fault{Kind: FaultBody, Body: "not json", ContentType: "text/plain", HTTPStatus: 500},
			500,
		},
		{
			"json body, default status",
			Fault{Kind: FaultBody, Body: `{"Data":{"StatusCode":"one"}}`,
				ContentType: "application/json"},
			200,
		},
		{"status only", Fault{Kind: FaultBody, HTTPStatus: 503}, 503},
		{"body without type", Fault{Kind: FaultBody, Body: "x"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, testConfig())
			inject(t, s, tt.fault)

			ans := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

			want := answer{tt.status, tt.fault.ContentType, tt.fault.Body}
			if ans != want {
				t.Errorf("answer = %+v, want %+v", ans, want)
			}
		})
	}
}

func TestFault_delay(t *testing.T) {
	const delay = 300 * time.Millisecond
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultDelay, Delay: Duration(delay), Times: 1})

	start := time.Now()
	delayed := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))
	elapsed := time.Since(start)
	prompt := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	if elapsed < delay {
		t.Errorf("delayed answer came after %v, want at least %v", elapsed, delay)
	}
	wantSuccessJSON(t, delayed, passedData)
	wantSuccessJSON(t, prompt, passedData)
	reqs := s.Requests()
	if reqs[0].Fault != FaultDelay || reqs[0].Code != "" || reqs[1].Fault != "" {
		t.Errorf("recorded faults %q (code %q), %q; want delay (no code), none",
			reqs[0].Fault, reqs[0].Code, reqs[1].Fault)
	}
}

func TestFault_delayEndsWithClient(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultDelay, Delay: Duration(time.Hour), Times: 1})
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   200 * time.Millisecond,
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet,
		s.URL+"/?"+encode(signedParams(http.MethodGet, passedTicket)), http.NoBody)
	if err != nil {
		t.Fatalf("building the request: %v", err)
	}

	start := time.Now()
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	s.Close()
	elapsed := time.Since(start)

	if err == nil {
		t.Errorf("request delayed an hour answered %d within the client timeout", resp.StatusCode)
	}
	if elapsed > 10*time.Second {
		t.Errorf("Close waited %v for an abandoned delayed request", elapsed)
	}
}

func TestFault_reset(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultReset, Times: 1})

	_, err := sendRaw(t, http.MethodGet,
		s.URL+"/?"+encode(signedParams(http.MethodGet, passedTicket)), "", "")
	after := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	if !errors.Is(err, io.EOF) {
		t.Errorf("reset request error = %v, want EOF", err)
	}
	wantSuccessJSON(t, after, passedData)
	if got := s.Requests()[0]; got.Fault != FaultReset || got.Code != "" {
		t.Errorf("recorded fault %q, code %q; want reset, no code", got.Fault, got.Code)
	}
}

func TestFault_truncate(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultTruncate, Times: 1})

	ans, err := sendRaw(t, http.MethodGet,
		s.URL+"/?"+encode(signedParams(http.MethodGet, passedTicket)), "", "")

	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading a truncated body: error = %v, want unexpected EOF", err)
	}
	full := `{"RequestId":"` + requestIDOf(t, ans.body) + `","Data":` + passedData +
		`,"Success":true}`
	want := answer{http.StatusOK, "application/json;charset=utf-8", full[:len(full)/2]}
	if ans != want {
		t.Errorf("answer = %+v, want %+v", ans, want)
	}
}

func TestFault_times(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultUnavailable, Times: 2})

	statuses := make([]int, 4)
	for i := range statuses {
		statuses[i] = send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket)).status
	}

	want := []int{503, 503, 200, 200}
	if !reflect.DeepEqual(statuses, want) {
		t.Errorf("statuses = %v, want %v", statuses, want)
	}
}

func TestFault_timesZeroIsEveryRequest(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultThrottle})

	statuses := make([]int, 5)
	for i := range statuses {
		statuses[i] = send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket)).status
	}

	want := []int{400, 400, 400, 400, 400}
	if !reflect.DeepEqual(statuses, want) {
		t.Errorf("statuses = %v, want %v", statuses, want)
	}
}

func TestFault_ticketID(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultUnavailable, TicketID: "ticket-b", Times: 1})

	a := send(t, s, http.MethodGet, signedParams(http.MethodGet, "ticket-a"))
	b := send(t, s, http.MethodGet, signedParams(http.MethodGet, "ticket-b"))
	bAgain := send(t, s, http.MethodGet, signedParams(http.MethodGet, "ticket-b"))

	wantSuccessJSON(t, a, `{"StatusCode":-1}`)
	wantError(t, b, http.StatusServiceUnavailable, "ServiceUnavailable",
		"The request has failed due to a temporary failure of the server.")
	wantSuccessJSON(t, bAgain, `{"StatusCode":-1}`)
}

func TestFault_queueOrder(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s,
		Fault{Kind: FaultThrottle, Times: 1},
		Fault{Kind: FaultUnavailable, Times: 1},
	)
	inject(t, s, Fault{Kind: FaultError, Code: "Error.InternalError", Times: 1})

	statuses := make([]int, 4)
	for i := range statuses {
		statuses[i] = send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket)).status
	}

	want := []int{400, 503, 500, 200}
	if !reflect.DeepEqual(statuses, want) {
		t.Errorf("statuses = %v, want %v", statuses, want)
	}
}

func TestFault_ticketFaultSkippedForOthers(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s,
		Fault{Kind: FaultUnavailable, TicketID: "ticket-b", Times: 1},
		Fault{Kind: FaultThrottle, Times: 1},
	)

	a := send(t, s, http.MethodGet, signedParams(http.MethodGet, "ticket-a"))
	b := send(t, s, http.MethodGet, signedParams(http.MethodGet, "ticket-b"))
	c := send(t, s, http.MethodGet, signedParams(http.MethodGet, "ticket-c"))

	got := []int{a.status, b.status, c.status}
	if want := []int{400, 503, 200}; !reflect.DeepEqual(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
}

func TestFault_afterGatewayChecks(t *testing.T) {
	s := startServer(t, testConfig())
	inject(t, s, Fault{Kind: FaultUnavailable, Times: 1})
	forged := sign(http.MethodGet, newParams(passedTicket), "wrong-secret")
	unknownBiz := newParams(passedTicket)
	unknownBiz["Biz"] = "RPUnknown"

	first := send(t, s, http.MethodGet, forged)
	second := send(t, s, http.MethodGet, sign(http.MethodGet, unknownBiz, keySecret))
	third := send(t, s, http.MethodGet, signedParams(http.MethodGet, passedTicket))

	wantError(t, first, http.StatusBadRequest, "SignatureDoesNotMatch",
		signatureMessage+StringToSign(http.MethodGet, forged))
	wantError(t, second, http.StatusBadRequest, "InvalidParam.InvalidBiz",
		`Biz "RPUnknown" is not a scene created in the console.`)
	wantError(t, third, http.StatusServiceUnavailable, "ServiceUnavailable",
		"The request has failed due to a temporary failure of the server.")
	reqs := s.Requests()
	got := []FaultKind{reqs[0].Fault, reqs[1].Fault, reqs[2].Fault}
	if want := []FaultKind{"", "", FaultUnavailable}; !reflect.DeepEqual(got, want) {
		t.Errorf("recorded faults = %q, want %q", got, want)
	}
}

func TestFault_fromConfig(t *testing.T) {
	var cfg Config
	err := json.Unmarshal([]byte(`{
		"credentials": [{"access_key_id": "LTAI5tMockKey", "access_key_secret": "mock-secret"}],
		"scenes": ["RPBasic"],
		"faults": [
			{"kind": "delay", "delay": "0.2s", "times": 1, "ticket_id": "slow"},
			{"kind": "error", "code": "Error.Teapot", "http_status": 418, "times": 1}
		]
	}`), &cfg)
	if err != nil {
		t.Fatalf("decoding the config: %v", err)
	}
	s := startServer(t, cfg)

	start := time.Now()
	slow := send(t, s, http.MethodGet, signedParams(http.MethodGet, "slow"))
	elapsed := time.Since(start)
	teapot := send(t, s, http.MethodGet, signedParams(http.MethodGet, "slow"))

	if elapsed < 200*time.Millisecond {
		t.Errorf("delayed answer came after %v, want at least 200ms", elapsed)
	}
	wantSuccessJSON(t, slow, `{"StatusCode":-1}`)
	wantError(t, teapot, 418, "Error.Teapot", "Injected error Error.Teapot.")
}
