package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"
)

const (
	roleARN         = "acs:ram::1234567890123456:role/terraform"
	oidcProviderARN = "acs:ram::1234567890123456:oidc-provider/ci"
	oidcToken       = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln"
	baseKeyID       = "LTAI5tBaseKey"
	baseKeySecret   = "base-secret"
	chainedKeyID    = "STS.ChainedKey"
	chainedSecret   = "chained-secret"
	chainedToken    = "CAISchained+/token=="
	sessionName     = "terraform-test"
)

var (
	issuedKeyPattern   = regexp.MustCompile(`^STS\.[A-Z2-7]{26}$`)
	issuedTokenPattern = regexp.MustCompile(`^CAIS[A-Za-z0-9+/]{82}==$`)
	roleIDPattern      = regexp.MustCompile(`^3\d{16}:` + sessionName + `$`)

	stsRequestIDPattern = regexp.MustCompile(`^[0-9A-F]{8}-0000-4000-8000-[0-9A-F]{12}$`)
)

// issuedLog collects what OnIssue is called with.
type issuedLog struct {
	mu    sync.Mutex
	creds []Credential
}

func (l *issuedLog) add(c Credential) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.creds = append(l.creds, c)
}

func (l *issuedLog) all() []Credential {
	l.mu.Lock()
	defer l.mu.Unlock()

	return append([]Credential(nil), l.creds...)
}

func baseSTSConfig() STSConfig {
	return STSConfig{
		CA: trustedCA,
		Credentials: []Credential{
			{AccessKeyID: baseKeyID, AccessKeySecret: baseKeySecret},
			{
				AccessKeyID: chainedKeyID, AccessKeySecret: chainedSecret,
				SecurityToken: chainedToken,
			},
		},
		Roles:           []string{roleARN},
		OIDCProviderARN: oidcProviderARN,
		OIDCTokens:      []string{oidcToken},
	}
}

func startSTS(t *testing.T, cfg STSConfig, opts ...STSOption) *STS {
	t.Helper()

	s, err := NewSTS(cfg, opts...)
	if err != nil {
		t.Fatalf("NewSTS: %v", err)
	}
	t.Cleanup(s.Close)

	return s
}

func ramRoleProvider(t *testing.T, s *STS, keyID, secret, token string,
) *providers.RAMRoleARNCredentialsProvider {
	t.Helper()

	builder := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithAccessKeyId(keyID).
		WithAccessKeySecret(secret).
		WithRoleArn(roleARN).
		WithRoleSessionName(sessionName).
		WithStsEndpoint(s.Endpoint())
	if token != "" {
		builder = builder.WithSecurityToken(token)
	}
	p, err := builder.Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}

	return p
}

func paramNames(params map[string]string) []string {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)

	return names
}

// wantSTSErrorBody checks an STS JSON error body field by field.
func wantSTSErrorBody(t *testing.T, body, code, message string) {
	t.Helper()

	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	want := map[string]string{
		"RequestId": got["RequestId"], "HostId": "sts.aliyuncs.com",
		"Code": code, "Message": message,
	}
	if !stsRequestIDPattern.MatchString(got["RequestId"]) {
		t.Errorf("RequestId = %q, not in the service's shape", got["RequestId"])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("error body = %v, want %v", got, want)
	}
}

// wantIssued checks that a credential is fresh, in STS's shapes, and expires lifetime
// after at, rounded up to the second.
func wantIssued(t *testing.T, c Credential, at time.Time, lifetime time.Duration) {
	t.Helper()

	if !issuedKeyPattern.MatchString(c.AccessKeyID) {
		t.Errorf("AccessKeyID = %q, want STS. and 26 base32 characters", c.AccessKeyID)
	}
	if len(c.AccessKeySecret) != 26 {
		t.Errorf("AccessKeySecret = %q, want 26 characters", c.AccessKeySecret)
	}
	if !issuedTokenPattern.MatchString(c.SecurityToken) {
		t.Errorf("SecurityToken = %q, want CAIS and base64", c.SecurityToken)
	}
	if want := expiryAfter(at, lifetime); !c.Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v", c.Expires, want)
	}
}

func TestSTS_endpoint(t *testing.T) {
	s := startSTS(t, baseSTSConfig())

	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %q, want https://127.0.0.1:PORT", s.URL)
	}
	if want := strings.TrimPrefix(s.URL, "https://"); s.Endpoint() != want {
		t.Errorf("Endpoint = %q, want %q", s.Endpoint(), want)
	}
}

func TestNewSTS_badConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  STSConfig
		want string
	}{
		{"no CA", STSConfig{}, "sts: no CA to issue the certificate"},
		{
			"empty host", STSConfig{CA: trustedCA, Hosts: []string{""}},
			"sts: issue: empty host",
		},
		{
			"credential without secret",
			STSConfig{CA: trustedCA, Credentials: []Credential{{AccessKeyID: "k"}}},
			`sts: credential "k" needs an access key id and secret`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSTS(tc.cfg)
			if err == nil {
				s.Close()
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("NewSTS error = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestSTS_assumeRoleWithCredentialsGo(t *testing.T) {
	var issued issuedLog
	cfg := baseSTSConfig()
	cfg.OnIssue = issued.add
	s := startSTS(t, cfg)

	const policy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"cloudauth:*",` +
		`"Resource":"*"}]}`
	p, err := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithAccessKeyId(baseKeyID).
		WithAccessKeySecret(baseKeySecret).
		WithRoleArn(roleARN).
		WithRoleSessionName(sessionName).
		WithExternalId("external-1").
		WithPolicy(policy).
		WithDurationSeconds(1800).
		WithStsEndpoint(s.Endpoint()).
		Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}

	cc, err := p.GetCredentials()
	if err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}

	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("STS requests = %d, want 1", len(reqs))
	}
	rec := reqs[0]
	if rec.Code != "" {
		t.Fatalf("Code = %q, want success", rec.Code)
	}
	wantIssued(t, rec.Issued, rec.At, 1800*time.Second)
	if got := issued.all(); !reflect.DeepEqual(got, []Credential{rec.Issued}) {
		t.Errorf("OnIssue got %v, want %v", got, rec.Issued)
	}
	if cc.AccessKeyId != rec.Issued.AccessKeyID ||
		cc.AccessKeySecret != rec.Issued.AccessKeySecret ||
		cc.SecurityToken != rec.Issued.SecurityToken {
		t.Errorf("credentials-go got %+v, want %+v", cc, rec.Issued)
	}
	if cc.ProviderName != "ram_role_arn/static_ak" {
		t.Errorf("ProviderName = %q, want ram_role_arn/static_ak", cc.ProviderName)
	}

	if rec.Method != http.MethodPost || rec.Action != "AssumeRole" {
		t.Errorf("Method, Action = %s, %s, want POST, AssumeRole", rec.Method, rec.Action)
	}
	if rec.RoleArn != roleARN || rec.RoleSessionName != sessionName ||
		rec.ExternalID != "external-1" || rec.Policy != policy || rec.DurationSeconds != 1800 {
		t.Errorf("recorded %q %q %q %q %d", rec.RoleArn, rec.RoleSessionName,
			rec.ExternalID, rec.Policy, rec.DurationSeconds)
	}
	wantNames := []string{
		"AccessKeyId", "Action", "DurationSeconds", "ExternalId", "Format", "Policy",
		"RoleArn", "RoleSessionName", "Signature", "SignatureMethod", "SignatureNonce",
		"SignatureVersion", "Timestamp", "Version",
	}
	if got := paramNames(rec.Params); !reflect.DeepEqual(got, wantNames) {
		t.Errorf("params = %v, want %v", got, wantNames)
	}
	for name, want := range map[string]string{
		"AccessKeyId": baseKeyID, "Format": "JSON", "Version": STSAPIVersion,
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
	} {
		if rec.Params[name] != want {
			t.Errorf("%s = %q, want %q", name, rec.Params[name], want)
		}
	}
	for name, want := range map[string]string{
		"Content-Type":               "application/x-www-form-urlencoded",
		"Accept-Encoding":            "identity",
		"X-Acs-Credentials-Provider": "static_ak",
	} {
		if got := rec.Header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}

	// Credentials with half an hour left are reused without asking STS again.
	if _, err := p.GetCredentials(); err != nil {
		t.Fatalf("second GetCredentials: %v", err)
	}
	if got := len(s.Requests()); got != 1 {
		t.Errorf("STS requests after a second GetCredentials = %d, want 1", got)
	}
}

func TestSTS_assumeRoleDefaults(t *testing.T) {
	s := startSTS(t, baseSTSConfig())

	p, err := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithAccessKeyId(baseKeyID).
		WithAccessKeySecret(baseKeySecret).
		WithRoleArn(roleARN).
		WithStsEndpoint(s.Endpoint()).
		Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if _, err := p.GetCredentials(); err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}

	rec := s.Requests()[0]
	if rec.DurationSeconds != DefaultSTSDuration {
		t.Errorf("DurationSeconds = %d, want %d", rec.DurationSeconds, DefaultSTSDuration)
	}
	if !regexp.MustCompile(`^credentials-go-\d+$`).MatchString(rec.RoleSessionName) {
		t.Errorf("RoleSessionName = %q, want credentials-go-<microseconds>",
			rec.RoleSessionName)
	}
	if _, sent := rec.Params["ExternalId"]; sent {
		t.Errorf("ExternalId sent though not set")
	}
	if _, sent := rec.Params["Policy"]; sent {
		t.Errorf("Policy sent though not set")
	}
	wantIssued(t, rec.Issued, rec.At, time.Hour)
}

func TestSTS_assumeRoleWithSTSBaseCredentials(t *testing.T) {
	s := startSTS(t, baseSTSConfig())
	p := ramRoleProvider(t, s, chainedKeyID, chainedSecret, chainedToken)

	cc, err := p.GetCredentials()
	if err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}

	rec := s.Requests()[0]
	if rec.Params["SecurityToken"] != chainedToken {
		t.Errorf("SecurityToken = %q, want %q", rec.Params["SecurityToken"], chainedToken)
	}
	if got := rec.Header.Get("X-Acs-Credentials-Provider"); got != "static_sts" {
		t.Errorf("x-acs-credentials-provider = %q, want static_sts", got)
	}
	if cc.ProviderName != "ram_role_arn/static_sts" {
		t.Errorf("ProviderName = %q, want ram_role_arn/static_sts", cc.ProviderName)
	}
}

// TestSTS_shortLifetimeFeedsCloudauthMock wires the stand-in into the cloudauth mock as a
// test of the provider would: every credential STS mints is loaded into the mock, and a
// lifetime under credentials-go's three-minute margin makes it assume the role anew on
// every use.
func TestSTS_shortLifetimeFeedsCloudauthMock(t *testing.T) {
	cloudauth, err := New(Config{Scenes: []string{"RPMin"}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(cloudauth.Close)

	cfg := baseSTSConfig()
	cfg.Lifetime = time.Second
	cfg.OnIssue = func(c Credential) {
		if err := cloudauth.Load(Config{Credentials: []Credential{c}}); err != nil {
			t.Errorf("Load: %v", err)
		}
	}
	s := startSTS(t, cfg)
	p := ramRoleProvider(t, s, baseKeyID, baseKeySecret, "")

	client := tlsTestClient(nil, nil)
	seen := map[string]bool{}
	for i := range 3 {
		cc, err := p.GetCredentials()
		if err != nil {
			t.Fatalf("GetCredentials %d: %v", i, err)
		}
		seen[cc.AccessKeyId] = true

		status, body, err := getBody(t, client, cloudauth.URL+"/?"+
			getStatusQuery(cc.AccessKeyId, cc.AccessKeySecret, cc.SecurityToken))
		if err != nil {
			t.Fatalf("GetStatus %d: %v", i, err)
		}
		if status != http.StatusOK {
			t.Fatalf("GetStatus %d: status %d, body %s", i, status, body)
		}
	}

	if got := len(s.Requests()); got != 3 {
		t.Errorf("STS requests = %d, want 3", got)
	}
	if len(seen) != 3 {
		t.Errorf("distinct access keys = %d, want 3", len(seen))
	}
	for _, rec := range s.Requests() {
		wantIssued(t, rec.Issued, rec.At, time.Second)
		if rec.DurationSeconds != DefaultSTSDuration {
			t.Errorf("DurationSeconds = %d, want %d", rec.DurationSeconds, DefaultSTSDuration)
		}
	}
}

// credentialsGoError splits a credentials-go refresh error into its prefix and the
// answer body it quotes.
func credentialsGoError(t *testing.T, err error, prefix string) string {
	t.Helper()

	if err == nil {
		t.Fatalf("GetCredentials succeeded, want an error")
	}
	body, ok := strings.CutPrefix(err.Error(), prefix)
	if !ok {
		t.Fatalf("error = %q, want prefix %q", err, prefix)
	}

	return body
}

func TestSTS_assumeRoleWrongSecret(t *testing.T) {
	s := startSTS(t, baseSTSConfig())
	p := ramRoleProvider(t, s, baseKeyID, "wrong-secret", "")

	_, err := p.GetCredentials()

	body := credentialsGoError(t, err, "refresh session token failed: ")
	rec := s.Requests()[0]
	wantSTSErrorBody(t, body, "SignatureDoesNotMatch",
		"Specified signature is not matched with our calculation. server string to sign is:"+
			StringToSign(http.MethodPost, rec.Params))
	if rec.Code != "SignatureDoesNotMatch" || rec.Issued != (Credential{}) {
		t.Errorf("recorded Code %q, Issued %v", rec.Code, rec.Issued)
	}
}

func TestSTS_assumeRoleUnknownRole(t *testing.T) {
	s := startSTS(t, baseSTSConfig())
	p, err := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithAccessKeyId(baseKeyID).
		WithAccessKeySecret(baseKeySecret).
		WithRoleArn("acs:ram::1234567890123456:role/missing").
		WithStsEndpoint(s.Endpoint()).
		Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}

	_, err = p.GetCredentials()

	body := credentialsGoError(t, err, "refresh session token failed: ")
	wantSTSErrorBody(t, body, "EntityNotExist.Role",
		"The role not exists: acs:ram::1234567890123456:role/missing.")
}

func TestSTS_failWith(t *testing.T) {
	var issued issuedLog
	cfg := baseSTSConfig()
	cfg.OnIssue = issued.add
	s := startSTS(t, cfg)
	p := ramRoleProvider(t, s, baseKeyID, baseKeySecret, "")

	s.FailWith(http.StatusBadRequest, "Throttling.User",
		"Request was denied due to user flow control.")
	_, err := p.GetCredentials()
	body := credentialsGoError(t, err, "refresh session token failed: ")
	wantSTSErrorBody(t, body, "Throttling.User", "Request was denied due to user flow control.")
	if got := issued.all(); len(got) != 0 {
		t.Errorf("OnIssue called %d times on a failure", len(got))
	}

	s.FailWith(0, "", "")
	if _, err := p.GetCredentials(); err != nil {
		t.Fatalf("GetCredentials after FailWith(0): %v", err)
	}
	if got := []string{s.Requests()[0].Code, s.Requests()[1].Code}; !reflect.DeepEqual(
		got, []string{"Throttling.User", ""}) {
		t.Errorf("codes = %q, want [Throttling.User, success]", got)
	}
}

// stsCall is one request to the stand-in, built and signed by the test itself.
type stsCall struct {
	method string
	params map[string]string
}

// signedAssumeRole returns a complete AssumeRole for the base key, changed by edit and
// then signed under secret.
func signedAssumeRole(method, secret string, edit func(map[string]string)) stsCall {
	params := map[string]string{
		"Action": "AssumeRole", "Version": STSAPIVersion, "Format": "JSON",
		"AccessKeyId": baseKeyID, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": fmt.Sprintf("stand-in-%d", standInNonce.Add(1)),
		"Timestamp":      time.Now().UTC().Format(ExpirationLayout),
		"RoleArn":        roleARN, "RoleSessionName": sessionName, "DurationSeconds": "3600",
	}
	if edit != nil {
		edit(params)
	}
	params["Signature"] = Signature(StringToSign(method, params), secret)

	return stsCall{method, params}
}

func oidcCall(edit func(map[string]string)) stsCall {
	params := map[string]string{
		"Action": "AssumeRoleWithOIDC", "Version": STSAPIVersion, "Format": "JSON",
		"Timestamp": time.Now().UTC().Format(ExpirationLayout),
		"RoleArn":   roleARN, "OIDCProviderArn": oidcProviderARN, "OIDCToken": oidcToken,
		"RoleSessionName": sessionName, "DurationSeconds": "900",
	}
	if edit != nil {
		edit(params)
	}

	return stsCall{http.MethodPost, params}
}

// do sends the call to s, in the query for GET and in a form body for POST, and returns
// the status, Content-Type and body.
func (c stsCall) do(t *testing.T, s *STS) (int, string, string) {
	t.Helper()

	query := url.Values{}
	for name, value := range c.params {
		query.Set(name, value)
	}
	target, body := s.URL+"/?"+query.Encode(), ""
	if c.method == http.MethodPost {
		target, body = s.URL+"/", query.Encode()
	}

	req, err := http.NewRequestWithContext(t.Context(), c.method, target,
		strings.NewReader(body))
	if err != nil {
		t.Fatalf("building the request: %v", err)
	}
	if c.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := tlsTestClient(trustedCA.CertPool(), nil).Do(req)
	if err != nil {
		t.Fatalf("%s: %v", c.method, err)
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}

	return resp.StatusCode, resp.Header.Get("Content-Type"), string(raw)
}

func TestSTS_answerShape(t *testing.T) {
	s := startSTS(t, baseSTSConfig())

	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) {
			status, contentType, body := signedAssumeRole(method, baseKeySecret, nil).do(t, s)
			if status != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", status, body)
			}
			if contentType != "application/json;charset=utf-8" {
				t.Errorf("Content-Type = %q", contentType)
			}

			reqs := s.Requests()
			rec := reqs[len(reqs)-1]
			want := `{"RequestId":"` + requestIDOfAnswer(t, body) + `",` +
				`"AssumedRoleUser":{"AssumedRoleId":"` + roleID(roleARN) + ":" +
				sessionName + `","Arn":"` + roleARN + "/" + sessionName + `"},` +
				`"Credentials":{"AccessKeyId":"` + rec.Issued.AccessKeyID + `",` +
				`"AccessKeySecret":"` + rec.Issued.AccessKeySecret + `",` +
				`"SecurityToken":"` + rec.Issued.SecurityToken + `",` +
				`"Expiration":"` + rec.Issued.Expires.Format(ExpirationLayout) + `"}}`
			if body != want {
				t.Errorf("body =\n%s\nwant\n%s", body, want)
			}
			if !roleIDPattern.MatchString(roleID(roleARN) + ":" + sessionName) {
				t.Errorf("AssumedRoleId %q is not in STS's shape", roleID(roleARN))
			}
			if rec.Method != method {
				t.Errorf("Method = %s, want %s", rec.Method, method)
			}
			wantIssued(t, rec.Issued, rec.At, time.Hour)
		})
	}
}

func TestSTS_assumeRoleErrors(t *testing.T) {
	staleTime := time.Now().Add(-TimestampWindow - time.Minute).UTC().Format(ExpirationLayout)
	set := func(name, value string) func(map[string]string) {
		return func(p map[string]string) { p[name] = value }
	}
	drop := func(name string) func(map[string]string) {
		return func(p map[string]string) { delete(p, name) }
	}

	for _, tc := range []struct {
		name    string
		call    stsCall
		status  int
		code    string
		message string
	}{
		{
			"unknown key", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("AccessKeyId", "LTAI5tNobody")),
			404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.",
		},
		{
			"stale timestamp", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("Timestamp", staleTime)),
			400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.",
		},
		{
			"timestamp format", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("Timestamp", "2024-05-06 07:08:09")),
			400, "InvalidTimeStamp.Format",
			"Specified time stamp or date value is not well formatted.",
		},
		{
			"missing nonce", signedAssumeRole(http.MethodPost, baseKeySecret,
				drop("SignatureNonce")),
			400, "MissingSignatureNonce", "SignatureNonce is mandatory for this action.",
		},
		{
			"signature method", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("SignatureMethod", "HMAC-SHA256")),
			400, "InvalidSignatureMethod", "Only HMAC-SHA1 signature version 1.0 is supported.",
		},
		{
			"token for a permanent key", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("SecurityToken", "CAISstray")),
			400, "InvalidSecurityToken.MismatchWithAccessKey",
			"The access key is not a temporary one, yet a security token was sent.",
		},
		{
			"temporary key without token", signedAssumeRole(http.MethodPost, chainedSecret,
				set("AccessKeyId", chainedKeyID)),
			400, "InvalidSecurityToken.Missing",
			"A temporary access key needs its security token.",
		},
		{
			"version", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("Version", "2019-01-01")),
			400, "InvalidVersion", "Specified parameter Version is not valid.",
		},
		{
			"missing role", signedAssumeRole(http.MethodPost, baseKeySecret, drop("RoleArn")),
			400, "MissingRoleArn", "RoleArn is mandatory for this action.",
		},
		{
			"missing session name", signedAssumeRole(http.MethodPost, baseKeySecret,
				drop("RoleSessionName")),
			400, "MissingRoleSessionName", "RoleSessionName is mandatory for this action.",
		},
		{
			"session name", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("RoleSessionName", "has space")),
			400, "InvalidParameter.RoleSessionName",
			"The parameter RoleSessionName is wrongly formed.",
		},
		{
			"short duration", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("DurationSeconds", "899")),
			400, "InvalidParameter.DurationSeconds",
			"DurationSeconds must be between 900 and 43200.",
		},
		{
			"long duration", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("DurationSeconds", "43201")),
			400, "InvalidParameter.DurationSeconds",
			"DurationSeconds must be between 900 and 43200.",
		},
		{
			"policy", signedAssumeRole(http.MethodPost, baseKeySecret, set("Policy", "{")),
			400, "InvalidParameter.PolicyGrammar",
			"The parameter Policy has not passed grammar check.",
		},
		{
			"format", signedAssumeRole(http.MethodPost, baseKeySecret, set("Format", "XML")),
			400, "InvalidParameter.Format", "The stand-in answers in JSON only.",
		},
		{
			"unknown action", signedAssumeRole(http.MethodPost, baseKeySecret,
				set("Action", "GetCallerIdentity")),
			404, "InvalidAction.NotFound",
			"Specified api is not found, please check your url and method.",
		},
		{
			"missing action", signedAssumeRole(http.MethodPost, baseKeySecret, drop("Action")),
			400, "MissingAction", "Action is mandatory for this action.",
		},
		{
			"unsupported method", stsCall{http.MethodPut, map[string]string{}},
			405, "UnsupportedHTTPMethod", "GET and POST are supported.",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var issued issuedLog
			cfg := baseSTSConfig()
			cfg.OnIssue = issued.add
			s := startSTS(t, cfg)

			status, contentType, body := tc.call.do(t, s)

			if status != tc.status {
				t.Errorf("status = %d, want %d; body %s", status, tc.status, body)
			}
			if contentType != "application/json;charset=utf-8" {
				t.Errorf("Content-Type = %q", contentType)
			}
			wantSTSErrorBody(t, body, tc.code, tc.message)
			if got := s.Requests()[0].Code; got != tc.code {
				t.Errorf("recorded Code = %q, want %q", got, tc.code)
			}
			if got := issued.all(); len(got) != 0 {
				t.Errorf("OnIssue called on a failure: %v", got)
			}
		})
	}
}

func TestSTS_assumeRoleSignatureCoversBody(t *testing.T) {
	s := startSTS(t, baseSTSConfig())
	call := signedAssumeRole(http.MethodPost, baseKeySecret, nil)
	call.params["RoleSessionName"] = "tampered"

	status, _, body := call.do(t, s)

	if status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", status)
	}
	wantSTSErrorBody(t, body, "SignatureDoesNotMatch",
		"Specified signature is not matched with our calculation. server string to sign is:"+
			StringToSign(http.MethodPost, call.params))
}

func TestSTS_assumeRoleNonceReuse(t *testing.T) {
	s := startSTS(t, baseSTSConfig())
	call := signedAssumeRole(http.MethodPost, baseKeySecret, nil)

	if status, _, body := call.do(t, s); status != http.StatusOK {
		t.Fatalf("first call: status %d, body %s", status, body)
	}
	status, _, body := call.do(t, s)

	if status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", status)
	}
	wantSTSErrorBody(t, body, "SignatureNonceUsed",
		"Specified signature nonce was used already.")
}

func TestSTS_assumeRoleExpiredBaseToken(t *testing.T) {
	cfg := baseSTSConfig()
	cfg.Credentials = []Credential{{
		AccessKeyID: chainedKeyID, AccessKeySecret: chainedSecret,
		SecurityToken: chainedToken, Expires: time.Now().Add(-time.Second),
	}}
	s := startSTS(t, cfg)

	_, err := ramRoleProvider(t, s, chainedKeyID, chainedSecret, chainedToken).GetCredentials()

	body := credentialsGoError(t, err, "refresh session token failed: ")
	wantSTSErrorBody(t, body, "InvalidSecurityToken.Expired",
		"Specified SecurityToken is expired.")
}

func TestSTS_clockSetsExpiration(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 500_000_000, time.UTC)
	s := startSTS(t, baseSTSConfig(), WithSTSClock(func() time.Time { return now }))

	call := signedAssumeRole(http.MethodPost, baseKeySecret, func(p map[string]string) {
		p["Timestamp"] = "2024-05-06T07:08:00Z"
		p["DurationSeconds"] = "900"
	})
	status, _, body := call.do(t, s)
	if status != http.StatusOK {
		t.Fatalf("status = %d, body %s", status, body)
	}

	rec := s.Requests()[0]
	if want := time.Date(2024, 5, 6, 7, 23, 10, 0, time.UTC); !rec.Issued.Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v", rec.Issued.Expires, want)
	}
	if !strings.Contains(body, `"Expiration":"2024-05-06T07:23:10Z"`) {
		t.Errorf("body %s lacks Expiration 2024-05-06T07:23:10Z", body)
	}
	if !rec.At.Equal(now) {
		t.Errorf("At = %v, want %v", rec.At, now)
	}
}

func writeTokenFile(t *testing.T, token string) string {
	t.Helper()

	path := filepath.Join(t.TempDir(), "oidc-token")
	if err := os.WriteFile(path, []byte(token), 0o600); err != nil {
		t.Fatalf("writing the token file: %v", err)
	}

	return path
}

func oidcProvider(t *testing.T, s *STS, tokenFile string) *providers.OIDCCredentialsProvider {
	t.Helper()

	p, err := providers.NewOIDCCredentialsProviderBuilder().
		WithOIDCProviderARN(oidcProviderARN).
		WithOIDCTokenFilePath(tokenFile).
		WithRoleArn(roleARN).
		WithRoleSessionName(sessionName).
		WithDurationSeconds(900).
		WithSTSEndpoint(s.Endpoint()).
		Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}

	return p
}

func TestSTS_oidcWithCredentialsGo(t *testing.T) {
	var issued issuedLog
	cfg := baseSTSConfig()
	cfg.OnIssue = issued.add
	s := startSTS(t, cfg)
	p := oidcProvider(t, s, writeTokenFile(t, oidcToken))

	cc, err := p.GetCredentials()
	if err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}

	rec := s.Requests()[0]
	if rec.Code != "" || rec.Method != http.MethodPost || rec.Action != "AssumeRoleWithOIDC" {
		t.Fatalf("Code, Method, Action = %q, %s, %s", rec.Code, rec.Method, rec.Action)
	}
	wantNames := []string{
		"Action", "DurationSeconds", "Format", "OIDCProviderArn", "OIDCToken", "RoleArn",
		"RoleSessionName", "Timestamp", "Version",
	}
	if got := paramNames(rec.Params); !reflect.DeepEqual(got, wantNames) {
		t.Errorf("params = %v, want %v", got, wantNames)
	}
	for name, want := range map[string]string{
		"OIDCProviderArn": oidcProviderARN, "OIDCToken": oidcToken, "RoleArn": roleARN,
		"RoleSessionName": sessionName, "DurationSeconds": "900", "Format": "JSON",
		"Version": STSAPIVersion,
	} {
		if rec.Params[name] != want {
			t.Errorf("%s = %q, want %q", name, rec.Params[name], want)
		}
	}
	wantIssued(t, rec.Issued, rec.At, 900*time.Second)
	if got := issued.all(); !reflect.DeepEqual(got, []Credential{rec.Issued}) {
		t.Errorf("OnIssue got %v, want %v", got, rec.Issued)
	}
	if cc.AccessKeyId != rec.Issued.AccessKeyID || cc.SecurityToken != rec.Issued.SecurityToken ||
		cc.ProviderName != "oidc_role_arn" {
		t.Errorf("credentials-go got %+v", cc)
	}
}

// TestSTS_oidcTokenFileReadOnEveryRefresh shows credentials-go reads the token file anew
// on each refresh, byte for byte: a rotated token is picked up, and a trailing newline
// is sent as part of the token.
func TestSTS_oidcTokenFileReadOnEveryRefresh(t *testing.T) {
	cfg := baseSTSConfig()
	cfg.OIDCTokens = []string{"token-one", "token-two"}
	cfg.Lifetime = time.Minute
	s := startSTS(t, cfg)
	tokenFile := writeTokenFile(t, "token-one")
	p := oidcProvider(t, s, tokenFile)

	if _, err := p.GetCredentials(); err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}
	if err := os.WriteFile(tokenFile, []byte("token-two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetCredentials(); err != nil {
		t.Fatalf("GetCredentials after rotation: %v", err)
	}
	if err := os.WriteFile(tokenFile, []byte("token-two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := p.GetCredentials()

	body := credentialsGoError(t, err, "get session token failed: ")
	wantSTSErrorBody(t, body, "AuthenticationFail.OIDCToken.Invalid",
		"The Jwt content is invalid that cannot be recognized.")
	var sent []string
	for _, rec := range s.Requests() {
		sent = append(sent, rec.Params["OIDCToken"])
	}
	if want := []string{"token-one", "token-two", "token-two\n"}; !reflect.DeepEqual(
		sent, want) {
		t.Errorf("tokens sent = %q, want %q", sent, want)
	}
}

func TestSTS_oidcErrors(t *testing.T) {
	set := func(name, value string) func(map[string]string) {
		return func(p map[string]string) { p[name] = value }
	}

	for _, tc := range []struct {
		name    string
		cfg     func(*STSConfig)
		call    stsCall
		status  int
		code    string
		message string
	}{
		{
			"unknown provider", nil,
			oidcCall(set("OIDCProviderArn", "acs:ram::1234567890123456:oidc-provider/x")),
			401, "AuthenticationFail.NoPermission", "No such OIDC Provider registered.",
		},
		{
			"no provider configured", func(c *STSConfig) { c.OIDCProviderARN = "" },
			oidcCall(nil),
			401, "AuthenticationFail.NoPermission", "No such OIDC Provider registered.",
		},
		{
			"missing provider", nil, oidcCall(set("OIDCProviderArn", "")),
			400, "MissingOIDCProviderArn", "OIDCProviderArn is mandatory for this action.",
		},
		{
			"empty token", nil, oidcCall(set("OIDCToken", "")),
			401, "AuthenticationFail.OIDCToken.Invalid", "The OIDCToken can not empty.",
		},
		{
			"unknown token", nil, oidcCall(set("OIDCToken", "eyJ.forged.sig")),
			401, "AuthenticationFail.OIDCToken.Invalid",
			"The Jwt content is invalid that cannot be recognized.",
		},
		{
			"unknown role", nil,
			oidcCall(set("RoleArn", "acs:ram::1234567890123456:role/other")),
			404, "EntityNotExist.Role",
			"The role not exists: acs:ram::1234567890123456:role/other.",
		},
		{
			"missing session name", nil, oidcCall(set("RoleSessionName", "")),
			400, "MissingRoleSessionName", "RoleSessionName is mandatory for this action.",
		},
		{
			"version", nil, oidcCall(set("Version", "2019-01-01")),
			400, "InvalidVersion", "Specified parameter Version is not valid.",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseSTSConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			s := startSTS(t, cfg)

			status, _, body := tc.call.do(t, s)

			if status != tc.status {
				t.Errorf("status = %d, want %d; body %s", status, tc.status, body)
			}
			wantSTSErrorBody(t, body, tc.code, tc.message)
		})
	}
}

func TestSTS_oidcUnknownTokenWithCredentialsGo(t *testing.T) {
	s := startSTS(t, baseSTSConfig())
	p := oidcProvider(t, s, writeTokenFile(t, "eyJ.forged.sig"))

	_, err := p.GetCredentials()

	body := credentialsGoError(t, err, "get session token failed: ")
	wantSTSErrorBody(t, body, "AuthenticationFail.OIDCToken.Invalid",
		"The Jwt content is invalid that cannot be recognized.")
}

func TestSTS_requestsReturnsCopy(t *testing.T) {
	s := startSTS(t, baseSTSConfig())
	signedAssumeRole(http.MethodPost, baseKeySecret, nil).do(t, s)

	reqs := s.Requests()
	reqs[0].Code = "changed"

	if got := s.Requests()[0].Code; got != "" {
		t.Errorf("Code after modifying the copy = %q, want empty", got)
	}
}

func TestExpiryAfter_roundsUp(t *testing.T) {
	base := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, tc := range []struct {
		now      time.Time
		lifetime time.Duration
		want     time.Time
	}{
		{base, time.Second, base.Add(time.Second)},
		{base.Add(time.Nanosecond), time.Second, base.Add(2 * time.Second)},
		{base.Add(999 * time.Millisecond), time.Hour, base.Add(time.Hour + time.Second)},
		{base.In(time.FixedZone("CST", 8*3600)), time.Minute, base.Add(time.Minute)},
	} {
		got := expiryAfter(tc.now, tc.lifetime)
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("expiryAfter(%v, %v) = %v, want %v in UTC", tc.now, tc.lifetime, got,
				tc.want)
		}
	}
}
