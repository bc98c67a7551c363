// Package mock is a stand-in for the cloudauth GetStatus API that checks every request
// the way the service's gateway does: the RPC signature (with its own implementation),
// the timestamp window, nonce reuse, known access keys and STS tokens, and the operation's
// parameters. It serves fixtures per scene and ticket, injects faults on demand, and
// records what it received. It runs inside Go tests or as a loopback process.
package mock

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// APIVersion is the only GetStatus version the mock accepts.
const APIVersion = "2018-09-16"

// TimestampWindow is how far a request's Timestamp may be from the mock's clock.
const TimestampWindow = 15 * time.Minute

// Credential is an access key the mock accepts. A credential with a SecurityToken is a
// temporary (STS) one: its requests must carry that token, until Expires if it is set.
type Credential struct {
	AccessKeyID     string    `json:"access_key_id"`
	AccessKeySecret string    `json:"access_key_secret"`
	SecurityToken   string    `json:"security_token,omitempty"`
	Expires         time.Time `json:"expires,omitzero"`
}

// Fixture is what GetStatus answers for one ticket of one scene. Data is served verbatim
// as the answer's Data object, so that tests control every byte of it.
type Fixture struct {
	Biz      string          `json:"biz"`
	TicketID string          `json:"ticket_id"`
	Data     json.RawMessage `json:"data"`
}

// Config is what the mock serves. Scenes lists the Biz values it knows; the scenes of the
// fixtures are known too.
type Config struct {
	Credentials []Credential `json:"credentials"`
	Scenes      []string     `json:"scenes"`
	Fixtures    []Fixture    `json:"fixtures"`
	Faults      []Fault      `json:"faults"`
}

// Request is one request as the mock received and judged it.
type Request struct {
	Method string
	Params map[string]string
	Header http.Header
	// Code is the error code the mock answered with, empty for a success.
	Code string
	// Fault is the kind of fault injected into the answer, if any.
	Fault FaultKind
	At    time.Time
}

// Server is a running mock.
type Server struct {
	URL string

	httpServer *httptest.Server
	now        func() time.Time
	tlsCert    *tls.Certificate
	log        io.Writer

	mu          sync.Mutex
	credentials map[string]Credential
	scenes      map[string]bool
	fixtures    map[[2]string]json.RawMessage
	faults      []*Fault
	nonces      map[string]bool
	requests    []Request
	chaos       *chaos
}

// Option adjusts a Server before it starts.
type Option func(*Server)

// WithClock makes the mock judge timestamps against now.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithTLS makes the mock serve HTTPS with cert, so that URL starts with https://.
func WithTLS(cert tls.Certificate) Option {
	return func(s *Server) { s.tlsCert = &cert }
}

// New starts a mock on a loopback port. Close it when done.
func New(cfg Config, opts ...Option) (*Server, error) {
	return NewOn("127.0.0.1:0", cfg, opts...)
}

// NewOn starts a mock listening on addr, which must be a loopback address.
func NewOn(addr string, cfg Config, opts ...Option) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("listen address %q is not a loopback IP address", addr)
	}

	var lc net.ListenConfig
	listener, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}

	s := &Server{
		now:         time.Now,
		credentials: map[string]Credential{},
		scenes:      map[string]bool{},
		fixtures:    map[[2]string]json.RawMessage{},
		nonces:      map[string]bool{},
	}
	for _, opt := range opts {
		opt(s)
	}
	if err := s.chaos.validate(); err != nil {
		listener.Close()
		return nil, err
	}
	if err := s.Load(cfg); err != nil {
		listener.Close()
		return nil, err
	}

	s.httpServer = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.httpServer.Listener.Close()
	s.httpServer.Listener = listener
	if s.tlsCert != nil {
		s.httpServer.TLS = &tls.Config{Certificates: []tls.Certificate{*s.tlsCert}}
		s.httpServer.StartTLS()
	} else {
		s.httpServer.Start()
	}
	s.URL = s.httpServer.URL

	return s, nil
}

// Close stops the mock and waits for requests in flight.
func (s *Server) Close() {
	s.httpServer.CloseClientConnections()
	s.httpServer.Close()
}

// Load adds cfg's credentials, scenes, fixtures and faults to what the mock serves.
func (s *Server) Load(cfg Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	for _, c := range cfg.Credentials {
		if c.AccessKeyID == "" || c.AccessKeySecret == "" {
			return fmt.Errorf("credential %q needs an access key id and secret", c.AccessKeyID)
		}
		s.credentials[c.AccessKeyID] = c
	}
	for _, biz := range cfg.Scenes {
		s.scenes[biz] = true
	}
	for _, f := range cfg.Fixtures {
		if !json.Valid(f.Data) || !bytes.HasPrefix(bytes.TrimSpace(f.Data), []byte("{")) {
			return fmt.Errorf("fixture %s/%s: data is not a JSON object", f.Biz, f.TicketID)
		}
		s.scenes[f.Biz] = true
		s.fixtures[[2]string{f.Biz, f.TicketID}] = f.Data
	}
	for i := range cfg.Faults {
		fault := cfg.Faults[i]
		if err := fault.validate(); err != nil {
			return err
		}
		s.faults = append(s.faults, &fault)
	}

	return nil
}

// Inject queues faults for the next matching requests.
func (s *Server) Inject(faults ...Fault) error {
	return s.Load(Config{Faults: faults})
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()

	return append([]Request(nil), s.requests...)
}

// apiError is an answer with an error code, as the gateway or the service sends it.
type apiError struct {
	status  int
	code    string
	message string
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	rec := Request{Method: r.Method, Header: r.Header.Clone(), At: s.now()}

	params, format, apiErr := s.judge(r, &rec)
	rec.Params = params

	s.mu.Lock()
	var fault *Fault
	if apiErr == nil {
		fault = s.takeFault(params["TicketId"])
		if fault == nil {
			fault = s.chaos.draw(params["TicketId"])
		}
	}
	if fault != nil {
		rec.Fault = fault.Kind
	}
	s.mu.Unlock()

	switch {
	case apiErr != nil:
		rec.Code = apiErr.code
	case fault != nil:
		rec.Code = fault.code()
	}
	s.record(rec)

	if apiErr != nil {
		writeError(w, format, requestID, apiErr)
		return
	}
	answer := func() (string, []byte) { return s.answer(params, format, requestID) }
	if fault != nil && fault.serve(w, r, format, requestID, answer) {
		return
	}

	contentType, body := answer()
	writeBody(w, http.StatusOK, contentType, body)
}

// answer returns the content type and body of the successful answer to params: the
// ticket's fixture, or status -1 for a ticket the mock does not know.
func (s *Server) answer(params map[string]string, format, requestID string) (string, []byte) {
	s.mu.Lock()
	data, ok := s.fixtures[[2]string{params["Biz"], params["TicketId"]}]
	s.mu.Unlock()
	if !ok {
		data = json.RawMessage(`{"StatusCode":-1}`)
	}

	return successBody(format, requestID, data)
}

func (s *Server) record(rec Request) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.requests = append(s.requests, rec)
	if s.log != nil {
		outcome := "OK"
		if rec.Code != "" {
			outcome = rec.Code
		}
		if rec.Fault != "" {
			outcome += " (fault " + string(rec.Fault) + ")"
		}
		fmt.Fprintf(s.log, "%s %s %s Biz=%q TicketId=%q AccessKeyId=%q -> %s\n",
			rec.At.UTC().Format(time.RFC3339), rec.Method, rec.Params["Action"],
			rec.Params["Biz"], rec.Params["TicketId"], rec.Params["AccessKeyId"], outcome)
	}
}

// WithLog writes a line per request to w: what was asked and how the mock answered.
func WithLog(w io.Writer) Option {
	return func(s *Server) { s.log = w }
}

// judge checks a request as the gateway and the service would, in their order, and
// returns its parameters and the format it asked for.
func (s *Server) judge(r *http.Request, rec *Request) (map[string]string, string, *apiError) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, "XML", &apiError{http.StatusMethodNotAllowed, "UnsupportedHTTPMethod",
			"GET and POST are supported."}
	}
	if err := r.ParseForm(); err != nil {
		return nil, "XML", &apiError{http.StatusBadRequest, "InvalidParameter",
			"The request could not be parsed: " + err.Error()}
	}

	params := make(map[string]string, len(r.Form))
	for name, values := range r.Form {
		if len(values) != 1 {
			return params, "XML", &apiError{http.StatusBadRequest, "InvalidParameter",
				fmt.Sprintf("The parameter %s is given %d times.", name, len(values))}
		}
		params[name] = values[0]
	}

	format := params["Format"]
	if format == "" {
		format = "XML"
	}
	if format != "JSON" && format != "XML" {
		return params, "XML", &apiError{http.StatusBadRequest, "InvalidParameter.Format",
			"Format must be JSON or XML."}
	}

	for _, name := range []string{"AccessKeyId", "Signature", "SignatureMethod",
		"SignatureVersion", "SignatureNonce", "Timestamp", "Version", "Action"} {
		if params[name] == "" {
			return params, format, &apiError{http.StatusBadRequest, "Missing" + name,
				fmt.Sprintf("%s is mandatory for this action.", name)}
		}
	}
	if params["SignatureMethod"] != "HMAC-SHA1" || params["SignatureVersion"] != "1.0" {
		return params, format, &apiError{http.StatusBadRequest, "InvalidSignatureMethod",
			"Only HMAC-SHA1 signature version 1.0 is supported."}
	}

	apiErr := s.checkSigned(r.Method, params)
	if apiErr != nil {
		return params, format, apiErr
	}

	if params["Action"] != "GetStatus" {
		return params, format, &apiError{http.StatusNotFound, "InvalidAction.NotFound",
			"Specified api is not found, please check your url and method."}
	}
	if params["Version"] != APIVersion {
		return params, format, &apiError{http.StatusBadRequest, "InvalidVersion",
			"Specified parameter Version is not valid."}
	}
	for _, name := range []string{"RegionId", "Biz", "TicketId"} {
		if params[name] == "" {
			return params, format, &apiError{http.StatusBadRequest,
				"InvalidParam.ParamMissing", fmt.Sprintf("%s is empty.", name)}
		}
	}

	s.mu.Lock()
	known := s.scenes[params["Biz"]]
	s.mu.Unlock()
	if !known {
		return params, format, &apiError{http.StatusBadRequest, "InvalidParam.InvalidBiz",
			fmt.Sprintf("Biz %q is not a scene created in the console.", params["Biz"])}
	}

	return params, format, nil
}

// checkSigned checks the clock, the access key, the signature, the security token and
// the nonce.
func (s *Server) checkSigned(method string, params map[string]string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()

	return checkSignature(s.now(), method, params, s.credentials, s.nonces)
}

// checkSignature checks a signed request's clock, access key, signature, security token
// and nonce, in the gateway's order, and marks the nonce used once all else passed. The
// caller holds the lock guarding credentials and nonces.
func checkSignature(now time.Time, method string, params map[string]string,
	credentials map[string]Credential, nonces map[string]bool,
) *apiError {
	ts, err := time.Parse("2006-01-02T15:04:05Z", params["Timestamp"])
	if err != nil {
		return &apiError{http.StatusBadRequest, "InvalidTimeStamp.Format",
			"Specified time stamp or date value is not well formatted."}
	}
	if d := now.Sub(ts); d > TimestampWindow || d < -TimestampWindow {
		return &apiError{http.StatusBadRequest, "InvalidTimeStamp.Expired",
			"Specified time stamp or date value is expired."}
	}

	cred, ok := credentials[params["AccessKeyId"]]
	if !ok {
		return &apiError{http.StatusNotFound, "InvalidAccessKeyId.NotFound",
			"Specified access key is not found."}
	}

	stringToSign := StringToSign(method, params)
	if !signatureMatches(params["Signature"], stringToSign, cred.AccessKeySecret) {
		return &apiError{http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. " +
				"server string to sign is:" + stringToSign}
	}

	token, sent := params["SecurityToken"]
	switch {
	case cred.SecurityToken == "" && sent:
		return &apiError{http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey",
			"The access key is not a temporary one, yet a security token was sent."}
	case cred.SecurityToken != "" && !sent:
		return &apiError{http.StatusBadRequest, "InvalidSecurityToken.Missing",
			"A temporary access key needs its security token."}
	case cred.SecurityToken != "" && token != cred.SecurityToken:
		return &apiError{http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey",
			"The security token does not belong to the access key."}
	case cred.SecurityToken != "" && !cred.Expires.IsZero() && !now.Before(cred.Expires):
		return &apiError{http.StatusBadRequest, "InvalidSecurityToken.Expired",
			"Specified SecurityToken is expired."}
	}

	nonce := params["SignatureNonce"]
	if nonces[nonce] {
		return &apiError{http.StatusBadRequest, "SignatureNonceUsed",
			"Specified signature nonce was used already."}
	}
	nonces[nonce] = true

	return nil
}

// writeError answers with an error body, as the gateway shapes it.
func writeError(w http.ResponseWriter, format, requestID string, e *apiError) {
	if format == "JSON" {
		body, _ := json.Marshal(map[string]string{
			"RequestId": requestID, "Code": e.code, "Message": e.message,
			"HostId": "cloudauth.aliyuncs.com",
		})
		writeBody(w, e.status, "application/json;charset=utf-8", body)
		return
	}

	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Error>")
	for _, field := range [][2]string{
		{"RequestId", requestID}, {"HostId", "cloudauth.aliyuncs.com"},
		{"Code", e.code}, {"Message", e.message},
	} {
		writeXMLElement(&b, field[0], field[1])
	}
	b.WriteString("</Error>")
	writeBody(w, e.status, "text/xml;charset=utf-8", b.Bytes())
}

// successBody returns the content type and body of a successful GetStatus answer with
// data as its Data.
func successBody(format, requestID string, data json.RawMessage) (string, []byte) {
	if format == "JSON" {
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"RequestId":%q,"Data":`, requestID)
		b.Write(data)
		b.WriteString(`,"Success":true}`)
		return "application/json;charset=utf-8", b.Bytes()
	}

	var fields map[string]json.RawMessage
	_ = json.Unmarshal(data, &fields)
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)

	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<GetStatusResponse>")
	writeXMLElement(&b, "RequestId", requestID)
	b.WriteString("<Data>")
	for _, name := range names {
		var text string
		if err := json.Unmarshal(fields[name], &text); err != nil {
			text = string(fields[name])
		}
		writeXMLElement(&b, name, text)
	}
	b.WriteString("</Data><Success>true</Success></GetStatusResponse>")
	return "text/xml;charset=utf-8", b.Bytes()
}

func writeXMLElement(b *bytes.Buffer, name, text string) {
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(text))
	b.WriteString("</" + name + ">")
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

var requestCounter struct {
	sync.Mutex
	n int
}

// newRequestID returns a request id in the service's shape, unique within the process.
func newRequestID() string {
	requestCounter.Lock()
	defer requestCounter.Unlock()

	requestCounter.n++
	return fmt.Sprintf("%08X-0000-4000-8000-%012X", time.Now().Unix()&0xFFFFFFFF,
		requestCounter.n)
}

// knownCode reports whether code is one the mock can answer with by name.
func knownCode(code string) bool {
	_, ok := errorStatus[code]
	return ok || strings.HasPrefix(code, "InvalidSecurityToken.")
}
