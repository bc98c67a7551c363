package mock

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// STSAPIVersion is the only STS version the stand-in accepts, the one credentials-go
// speaks.
const STSAPIVersion = "2015-04-01"

// The range of DurationSeconds STS accepts, and what it uses when none is given.
const (
	MinSTSDuration     = 900
	MaxSTSDuration     = 43200
	DefaultSTSDuration = 3600
)

// ExpirationLayout is how STS and a credentials URI write an Expiration, and the only
// layout credentials-go parses.
const ExpirationLayout = "2006-01-02T15:04:05Z"

// stsHostID is the HostId of every STS error answer.
const stsHostID = "sts.aliyuncs.com"

// roleSessionNamePattern is what STS accepts as a RoleSessionName.
var roleSessionNamePattern = regexp.MustCompile(`^[A-Za-z0-9._@-]{2,64}$`)

// STSConfig is what an STS stand-in knows.
type STSConfig struct {
	// CA issues the stand-in's certificate. It is required, since credentials-go calls
	// STS over HTTPS only; the client must trust the CA.
	CA *CA
	// Hosts are names the certificate covers besides 127.0.0.1, such as a public STS
	// endpoint that a Proxy routes to the stand-in.
	Hosts []string
	// Credentials are the keys allowed to sign AssumeRole. One with a SecurityToken is a
	// temporary key, whose requests must carry that token.
	Credentials []Credential
	// Roles are the ARNs of the roles that exist.
	Roles []string
	// OIDCProviderARN is the one OIDC identity provider registered. When empty, every
	// AssumeRoleWithOIDC is refused.
	OIDCProviderARN string
	// OIDCTokens are the OIDC tokens the identity provider vouches for.
	OIDCTokens []string
	// Lifetime, when positive, replaces the requested DurationSeconds as the lifetime of
	// minted credentials, so that a test can make them expire, or make credentials-go
	// refresh them on every use.
	Lifetime time.Duration
	// OnIssue, when set, is called with every minted credential before it is answered,
	// so that a test can make the cloudauth mock accept it before the client holds it.
	OnIssue func(Credential)
}

// STSRequest is one request as the STS stand-in received and judged it.
type STSRequest struct {
	Method string
	Action string
	// Params holds the query and form parameters, merged.
	Params          map[string]string
	Header          http.Header
	RoleArn         string
	RoleSessionName string
	ExternalID      string
	Policy          string
	// DurationSeconds is the requested duration, zero when absent or not a number.
	DurationSeconds int
	// Code is the error code answered, empty for a success.
	Code string
	// Issued is the credential minted, zero unless the request succeeded.
	Issued Credential
	At     time.Time
}

// STS is a running stand-in for Alibaba Cloud STS: it serves AssumeRole, verifying the
// RPC signature the way the cloudauth mock does, and AssumeRoleWithOIDC, and mints fresh
// temporary credentials for each success.
type STS struct {
	// URL is the stand-in's base URL, https://127.0.0.1:PORT.
	URL string

	httpServer *httptest.Server
	now        func() time.Time
	lifetime   time.Duration
	onIssue    func(Credential)
	oidcARN    string

	mu          sync.Mutex
	credentials map[string]Credential
	roles       map[string]bool
	oidcTokens  map[string]bool
	nonces      map[string]bool
	failure     *apiError
	requests    []STSRequest
}

// STSOption adjusts an STS stand-in before it starts.
type STSOption func(*STS)

// WithSTSClock makes the stand-in judge timestamps, and date what it mints, against now.
func WithSTSClock(now func() time.Time) STSOption {
	return func(s *STS) { s.now = now }
}

// NewSTS starts an STS stand-in serving HTTPS on a loopback port. Close it when done.
func NewSTS(cfg STSConfig, opts ...STSOption) (*STS, error) {
	if cfg.CA == nil {
		return nil, errors.New("sts: no CA to issue the certificate")
	}
	cert, err := cfg.CA.Issue(append([]string{"127.0.0.1"}, cfg.Hosts...)...)
	if err != nil {
		return nil, fmt.Errorf("sts: %w", err)
	}

	s := &STS{
		now:         time.Now,
		lifetime:    cfg.Lifetime,
		onIssue:     cfg.OnIssue,
		oidcARN:     cfg.OIDCProviderARN,
		credentials: map[string]Credential{},
		roles:       map[string]bool{},
		oidcTokens:  map[string]bool{},
		nonces:      map[string]bool{},
	}
	for _, opt := range opts {
		opt(s)
	}
	for _, c := range cfg.Credentials {
		if c.AccessKeyID == "" || c.AccessKeySecret == "" {
			return nil, fmt.Errorf("sts: credential %q needs an access key id and secret",
				c.AccessKeyID)
		}
		s.credentials[c.AccessKeyID] = c
	}
	for _, arn := range cfg.Roles {
		s.roles[arn] = true
	}
	for _, token := range cfg.OIDCTokens {
		s.oidcTokens[token] = true
	}

	httpServer, err := startLoopback(http.HandlerFunc(s.serveHTTP), &cert)
	if err != nil {
		return nil, fmt.Errorf("sts: %w", err)
	}
	s.httpServer = httpServer
	s.URL = httpServer.URL

	return s, nil
}

// startLoopback serves handler on a fresh 127.0.0.1 port, over TLS with cert when it is
// not nil.
func startLoopback(handler http.Handler, cert *tls.Certificate) (*httptest.Server, error) {
	var lc net.ListenConfig
	listener, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}

	server := httptest.NewUnstartedServer(handler)
	server.Listener.Close()
	server.Listener = listener
	if cert != nil {
		server.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
		server.StartTLS()
	} else {
		server.Start()
	}

	return server, nil
}

// Endpoint returns the stand-in's address as 127.0.0.1:PORT, the form credentials-go's
// WithStsEndpoint and WithSTSEndpoint take.
func (s *STS) Endpoint() string {
	return strings.TrimPrefix(s.URL, "https://")
}

// Close stops the stand-in and waits for requests in flight.
func (s *STS) Close() {
	s.httpServer.CloseClientConnections()
	s.httpServer.Close()
}

// Requests returns every request received so far, oldest first.
func (s *STS) Requests() []STSRequest {
	s.mu.Lock()
	defer s.mu.Unlock()

	return append([]STSRequest(nil), s.requests...)
}

// FailWith makes every later request that passes the checks fail with code and message
// and HTTP status, as when STS refuses or throttles. A status of zero ends that.
func (s *STS) FailWith(status int, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if status == 0 {
		s.failure = nil
		return
	}
	s.failure = &apiError{status, code, message}
}

func (s *STS) serveHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	now := s.now()
	rec := STSRequest{Method: r.Method, Header: r.Header.Clone(), At: now}

	params, apiErr := s.judge(r, now)
	rec.Params = params
	rec.Action = params["Action"]
	rec.RoleArn = params["RoleArn"]
	rec.RoleSessionName = params["RoleSessionName"]
	rec.ExternalID = params["ExternalId"]
	rec.Policy = params["Policy"]
	rec.DurationSeconds, _ = strconv.Atoi(params["DurationSeconds"])

	if apiErr == nil {
		s.mu.Lock()
		apiErr = s.failure
		s.mu.Unlock()
	}
	if apiErr != nil {
		rec.Code = apiErr.code
		s.record(rec)
		writeSTSError(w, requestID, apiErr)
		return
	}

	lifetime := s.lifetime
	if lifetime <= 0 {
		lifetime = time.Duration(durationSeconds(params)) * time.Second
	}
	rec.Issued = mintCredential(now, lifetime)
	s.record(rec)
	if s.onIssue != nil {
		s.onIssue(rec.Issued)
	}

	writeAssumedRole(w, requestID, params, rec.Issued)
}

func (s *STS) record(rec STSRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.requests = append(s.requests, rec)
}

// judge checks a request as STS would, in its order, and returns its parameters.
func (s *STS) judge(r *http.Request, now time.Time) (map[string]string, *apiError) {
	params := map[string]string{}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return params, &apiError{http.StatusMethodNotAllowed, "UnsupportedHTTPMethod",
			"GET and POST are supported."}
	}
	if err := r.ParseForm(); err != nil {
		return params, &apiError{http.StatusBadRequest, "InvalidParameter",
			"The request could not be parsed: " + err.Error()}
	}
	for name, values := range r.Form {
		if len(values) != 1 {
			return params, &apiError{http.StatusBadRequest, "InvalidParameter",
				fmt.Sprintf("The parameter %s is given %d times.", name, len(values))}
		}
		params[name] = values[0]
	}

	// The stand-in speaks JSON only, which is all credentials-go asks for.
	if format := params["Format"]; format != "" && format != "JSON" {
		return params, &apiError{http.StatusBadRequest, "InvalidParameter.Format",
			"The stand-in answers in JSON only."}
	}

	var apiErr *apiError
	switch params["Action"] {
	case "":
		return params, &apiError{http.StatusBadRequest, "MissingAction",
			"Action is mandatory for this action."}
	case "AssumeRole":
		apiErr = s.checkAssumeRoleSigned(r.Method, params, now)
	case "AssumeRoleWithOIDC":
		// AssumeRoleWithOIDC is anonymous: the OIDC token is the proof of identity.
		apiErr = checkVersion(params)
	default:
		return params, &apiError{http.StatusNotFound, "InvalidAction.NotFound",
			"Specified api is not found, please check your url and method."}
	}
	if apiErr != nil {
		return params, apiErr
	}

	if apiErr := checkRoleParams(params); apiErr != nil {
		return params, apiErr
	}
	if params["Action"] == "AssumeRoleWithOIDC" {
		if apiErr := s.checkOIDC(params); apiErr != nil {
			return params, apiErr
		}
	}

	s.mu.Lock()
	known := s.roles[params["RoleArn"]]
	s.mu.Unlock()
	if !known {
		return params, &apiError{http.StatusNotFound, "EntityNotExist.Role",
			"The role not exists: " + params["RoleArn"] + "."}
	}

	return params, nil
}

// checkAssumeRoleSigned checks the common parameters and signature of an AssumeRole,
// as the gateway does before STS sees it.
func (s *STS) checkAssumeRoleSigned(method string, params map[string]string,
	now time.Time,
) *apiError {
	for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod",
		"SignatureVersion", "SignatureNonce", "Timestamp", "Version"} {
		if params[name] == "" {
			return &apiError{http.StatusBadRequest, "Missing" + name,
				name + " is mandatory for this action."}
		}
	}
	if params["SignatureMethod"] != "HMAC-SHA1" || params["SignatureVersion"] != "1.0" {
		return &apiError{http.StatusBadRequest, "InvalidSignatureMethod",
			"Only HMAC-SHA1 signature version 1.0 is supported."}
	}

	s.mu.Lock()
	apiErr := checkSignature(now, method, params, s.credentials, s.nonces)
	s.mu.Unlock()
	if apiErr != nil {
		return apiErr
	}

	return checkVersion(params)
}

func checkVersion(params map[string]string) *apiError {
	switch params["Version"] {
	case STSAPIVersion:
		return nil
	case "":
		return &apiError{http.StatusBadRequest, "MissingVersion",
			"Version is mandatory for this action."}
	default:
		return &apiError{http.StatusBadRequest, "InvalidVersion",
			"Specified parameter Version is not valid."}
	}
}

// checkRoleParams checks the parameters both actions share.
func checkRoleParams(params map[string]string) *apiError {
	for _, name := range []string{"RoleArn", "RoleSessionName"} {
		if params[name] == "" {
			return &apiError{http.StatusBadRequest, "Missing" + name,
				name + " is mandatory for this action."}
		}
	}
	if !roleSessionNamePattern.MatchString(params["RoleSessionName"]) {
		return &apiError{http.StatusBadRequest, "InvalidParameter.RoleSessionName",
			"The parameter RoleSessionName is wrongly formed."}
	}
	if d, ok := params["DurationSeconds"]; ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < MinSTSDuration || n > MaxSTSDuration {
			return &apiError{http.StatusBadRequest, "InvalidParameter.DurationSeconds",
				fmt.Sprintf("DurationSeconds must be between %d and %d.",
					MinSTSDuration, MaxSTSDuration)}
		}
	}
	if policy, ok := params["Policy"]; ok && !json.Valid([]byte(policy)) {
		return &apiError{http.StatusBadRequest, "InvalidParameter.PolicyGrammar",
			"The parameter Policy has not passed grammar check."}
	}

	return nil
}

// checkOIDC checks the identity provider and the token of an AssumeRoleWithOIDC.
func (s *STS) checkOIDC(params map[string]string) *apiError {
	if params["OIDCProviderArn"] == "" {
		return &apiError{http.StatusBadRequest, "MissingOIDCProviderArn",
			"OIDCProviderArn is mandatory for this action."}
	}
	if s.oidcARN == "" || params["OIDCProviderArn"] != s.oidcARN {
		return &apiError{http.StatusUnauthorized, "AuthenticationFail.NoPermission",
			"No such OIDC Provider registered."}
	}

	token := params["OIDCToken"]
	if token == "" {
		return &apiError{http.StatusUnauthorized, "AuthenticationFail.OIDCToken.Invalid",
			"The OIDCToken can not empty."}
	}
	s.mu.Lock()
	known := s.oidcTokens[token]
	s.mu.Unlock()
	if !known {
		return &apiError{http.StatusUnauthorized, "AuthenticationFail.OIDCToken.Invalid",
			"The Jwt content is invalid that cannot be recognized."}
	}

	return nil
}

// durationSeconds returns the requested DurationSeconds, or the default when absent.
// judge has checked it is a number in range.
func durationSeconds(params map[string]string) int {
	n, err := strconv.Atoi(params["DurationSeconds"])
	if err != nil {
		return DefaultSTSDuration
	}

	return n
}

// mintCredential returns a fresh temporary credential in STS's shapes, expiring
// lifetime after now.
func mintCredential(now time.Time, lifetime time.Duration) Credential {
	// Real tokens are long base64 text; 61 bytes always end in "==", so that every
	// client is made to escape the token properly.
	token := make([]byte, 61)
	_, _ = rand.Read(token)

	return Credential{
		AccessKeyID:     "STS." + rand.Text(),
		AccessKeySecret: rand.Text(),
		SecurityToken:   "CAIS" + base64.StdEncoding.EncodeToString(token),
		Expires:         expiryAfter(now, lifetime),
	}
}

// expiryAfter returns now plus lifetime, rounded up to a whole second in UTC. Expiration
// is written to the second, and rounding down could leave a short lifetime expired by
// the time the client uses it.
func expiryAfter(now time.Time, lifetime time.Duration) time.Time {
	exact := now.Add(lifetime).UTC()
	whole := exact.Truncate(time.Second)
	if whole.Before(exact) {
		whole = whole.Add(time.Second)
	}

	return whole
}

// roleID returns a stable numeric id for a role, in the shape of STS's role ids.
func roleID(arn string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(arn))

	return fmt.Sprintf("3%016d", h.Sum64()%10_000_000_000_000_000)
}

type stsCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

type assumedRoleUser struct {
	AssumedRoleID string `json:"AssumedRoleId"`
	Arn           string `json:"Arn"`
}

type assumeRoleAnswer struct {
	RequestID       string          `json:"RequestId"`
	AssumedRoleUser assumedRoleUser `json:"AssumedRoleUser"`
	Credentials     stsCredentials  `json:"Credentials"`
}

func writeAssumedRole(w http.ResponseWriter, requestID string, params map[string]string,
	cred Credential,
) {
	session := params["RoleSessionName"]
	body, _ := json.Marshal(assumeRoleAnswer{
		RequestID: requestID,
		AssumedRoleUser: assumedRoleUser{
			AssumedRoleID: roleID(params["RoleArn"]) + ":" + session,
			Arn:           params["RoleArn"] + "/" + session,
		},
		Credentials: stsCredentials{
			AccessKeyID:     cred.AccessKeyID,
			AccessKeySecret: cred.AccessKeySecret,
			SecurityToken:   cred.SecurityToken,
			Expiration:      cred.Expires.Format(ExpirationLayout),
		},
	})
	writeBody(w, http.StatusOK, "application/json;charset=utf-8", body)
}

type stsError struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
}

func writeSTSError(w http.ResponseWriter, requestID string, e *apiError) {
	body, _ := json.Marshal(stsError{requestID, stsHostID, e.code, e.message})
	writeBody(w, e.status, "application/json;charset=utf-8", body)
}
