package mock

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"
)

// Names under the reserved .test domain never resolve, so a request that escaped the
// proxy would fail rather than reach a real host.
const (
	fakeSTSHost  = "sts.example.test"
	fakeAuthHost = "cloudauth.example.test"
	fakeURIHost  = "creds.example.test"
)

func startProxy(t *testing.T, routes map[string]string) *Proxy {
	t.Helper()

	p, err := NewProxy(routes)
	if err != nil {
		t.Fatalf("NewProxy: %v", err)
	}
	t.Cleanup(p.Close)

	return p
}

func proxyURL(t *testing.T, p *Proxy) *url.URL {
	t.Helper()

	u, err := url.Parse(p.URL)
	if err != nil {
		t.Fatalf("proxy URL %q: %v", p.URL, err)
	}

	return u
}

func hostPort(t *testing.T, rawURL string) string {
	t.Helper()

	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("URL %q: %v", rawURL, err)
	}

	return u.Host
}

func TestNewProxy_refusesBadRoutes(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{
			"private target", "sts.example.test:443", "10.0.0.1:443",
			`proxy: route "sts.example.test:443": target "10.0.0.1:443" is not a loopback ` +
				`IP address`,
		},
		{
			"named target", "sts.example.test:443", "localhost:443",
			`proxy: route "sts.example.test:443": target "localhost:443" is not a loopback ` +
				`IP address`,
		},
		{
			"metadata target", "sts.example.test:443", "100.100.100.200:80",
			`proxy: route "sts.example.test:443": target "100.100.100.200:80" is not a ` +
				`loopback IP address`,
		},
		{
			"target without port", "sts.example.test:443", "127.0.0.1",
			`proxy: route "sts.example.test:443": target "127.0.0.1": address 127.0.0.1: ` +
				`missing port in address`,
		},
		{
			"target port zero", "sts.example.test:443", "127.0.0.1:0",
			`proxy: route "sts.example.test:443": target "127.0.0.1:0" has no port number`,
		},
		{
			"name without port", "sts.example.test", "127.0.0.1:443",
			`proxy: route "sts.example.test": address sts.example.test: missing port in ` +
				`address`,
		},
		{
			"name with bad port", "sts.example.test:https", "127.0.0.1:443",
			`proxy: route "sts.example.test:https": port "https" is not a port number`,
		},
		{
			"empty name", ":443", "127.0.0.1:443", `proxy: route ":443": no host`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewProxy(map[string]string{tc.from: tc.to})
			if err == nil {
				p.Close()
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("NewProxy error = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestProxy_connectToRoutedHTTPS(t *testing.T) {
	ca := newTestCA(t)
	s := startTLSServer(t, ca, fakeAuthHost)
	p := startProxy(t, map[string]string{fakeAuthHost + ":443": hostPort(t, s.URL)})
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q, want http://127.0.0.1:PORT", p.URL)
	}

	client := tlsTestClient(ca.CertPool(), proxyURL(t, p))
	for range 2 {
		status, body, err := getBody(t, client, "https://"+fakeAuthHost+"/?"+
			getStatusQuery("LTAI5tTLSKey", "tls-secret", ""))
		if err != nil {
			t.Fatalf("GET through the proxy: %v", err)
		}
		if status != http.StatusOK {
			t.Fatalf("status = %d, body %s", status, body)
		}
	}

	if got := p.Count(fakeAuthHost + ":443"); got != 2 {
		t.Errorf("Count = %d, want 2 tunnels", got)
	}
	if got := p.Count("CLOUDAUTH.Example.Test:443"); got != 2 {
		t.Errorf("Count with upper case = %d, want 2", got)
	}
	if got := p.Count(fakeAuthHost); got != 0 {
		t.Errorf("Count without port = %d, want 0", got)
	}
	if got := p.Refused(); len(got) != 0 {
		t.Errorf("Refused = %q, want none", got)
	}
	if got := len(s.Requests()); got != 2 {
		t.Errorf("server requests = %d, want 2", got)
	}
}

func TestProxy_credentialsGoThroughProxy(t *testing.T) {
	cfg := baseSTSConfig()
	cfg.Hosts = []string{fakeSTSHost}
	s := startSTS(t, cfg)
	p := startProxy(t, map[string]string{fakeSTSHost + ":443": s.Endpoint()})

	provider, err := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithAccessKeyId(baseKeyID).
		WithAccessKeySecret(baseKeySecret).
		WithRoleArn(roleARN).
		WithStsEndpoint(fakeSTSHost).
		WithHttpOptions(&providers.HttpOptions{Proxy: p.URL}).
		Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if _, err := provider.GetCredentials(); err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}

	if got := p.Count(fakeSTSHost + ":443"); got != 1 {
		t.Errorf("Count = %d, want 1", got)
	}
	if got := len(s.Requests()); got != 1 {
		t.Errorf("STS requests = %d, want 1", got)
	}
	if got := p.Refused(); len(got) != 0 {
		t.Errorf("Refused = %q, want none", got)
	}
}

func TestProxy_forwardsRoutedHTTP(t *testing.T) {
	var issued issuedLog
	c := startCredentialsURI(t, CredentialsURIConfig{OnIssue: issued.add})
	p := startProxy(t, map[string]string{fakeURIHost + ":80": hostPort(t, c.URL)})

	provider, err := providers.NewURLCredentialsProviderBuilder().
		WithUrl("http://" + fakeURIHost + "/credentials").
		WithHttpOptions(&providers.HttpOptions{Proxy: p.URL}).
		Build()
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	cc, err := provider.GetCredentials()
	if err != nil {
		t.Fatalf("GetCredentials: %v", err)
	}

	if cc.AccessKeyId != issued.all()[0].AccessKeyID {
		t.Errorf("AccessKeyId = %q, want the issued one", cc.AccessKeyId)
	}
	if got := p.Count(fakeURIHost + ":80"); got != 1 {
		t.Errorf("Count = %d, want 1", got)
	}
	if c.Count() != 1 {
		t.Errorf("credentials URI Count = %d, want 1", c.Count())
	}
}

func TestProxy_forwardKeepsHostHeader(t *testing.T) {
	hosts := make(chan string, 1)
	target, err := startLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hosts <- r.Host
		_, _ = io.WriteString(w, "ok")
	}), nil)
	if err != nil {
		t.Fatalf("startLoopback: %v", err)
	}
	t.Cleanup(target.Close)
	p := startProxy(t, map[string]string{fakeURIHost + ":8080": hostPort(t, target.URL)})

	status, body, err := getBody(t, tlsTestClient(nil, proxyURL(t, p)),
		"http://"+fakeURIHost+":8080/x")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}

	if status != http.StatusOK || body != "ok" {
		t.Errorf("status, body = %d, %q, want 200, ok", status, body)
	}
	if got := <-hosts; got != fakeURIHost+":8080" {
		t.Errorf("Host = %q, want %s:8080", got, fakeURIHost)
	}
}

func TestProxy_refusesUnrouted(t *testing.T) {
	ca := newTestCA(t)
	s := startTLSServer(t, ca, fakeAuthHost)
	p := startProxy(t, map[string]string{fakeAuthHost + ":443": hostPort(t, s.URL)})
	client := tlsTestClient(ca.CertPool(), proxyURL(t, p))

	_, _, err := getBody(t, client, "https://other.example.test/")
	if err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("CONNECT to an unrouted name = %v, want Forbidden", err)
	}
	_, _, err = getBody(t, client, "https://"+fakeAuthHost+":8443/")
	if err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("CONNECT to an unrouted port = %v, want Forbidden", err)
	}
	status, _, err := getBody(t, client, "http://"+fakeAuthHost+"/plain")
	if err != nil || status != http.StatusForbidden {
		t.Errorf("plain GET to an unrouted port = %d, %v, want 403", status, err)
	}
	status, _, err = getBody(t, tlsTestClient(nil, nil), p.URL+"/direct")
	if err != nil || status != http.StatusForbidden {
		t.Errorf("direct GET = %d, %v, want 403", status, err)
	}

	want := []string{
		"CONNECT other.example.test:443",
		"CONNECT " + fakeAuthHost + ":8443",
		"GET http://" + fakeAuthHost + "/plain",
		"GET /direct",
	}
	if got := p.Refused(); !reflect.DeepEqual(got, want) {
		t.Errorf("Refused = %q, want %q", got, want)
	}
	if got := p.Count(fakeAuthHost + ":443"); got != 0 {
		t.Errorf("Count = %d, want 0", got)
	}
	if got := len(s.Requests()); got != 0 {
		t.Errorf("server requests = %d, want 0", got)
	}
}

func TestProxy_refusesHTTPSAbsoluteURI(t *testing.T) {
	p := startProxy(t, map[string]string{fakeSTSHost + ":443": "127.0.0.1:1"})

	conn := dialProxy(t, p)
	_, err := io.WriteString(conn, "GET https://"+fakeSTSHost+"/ HTTP/1.1\r\nHost: "+
		fakeSTSHost+"\r\n\r\n")
	if err != nil {
		t.Fatalf("writing the request: %v", err)
	}
	if status := readStatus(t, conn); status != http.StatusForbidden {
		t.Errorf("status = %d, want 403", status)
	}
	if want := []string{"GET https://" + fakeSTSHost + "/"}; !reflect.DeepEqual(
		p.Refused(), want) {
		t.Errorf("Refused = %q, want %q", p.Refused(), want)
	}
}

func TestProxy_connectTargetDown(t *testing.T) {
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	p := startProxy(t, map[string]string{fakeSTSHost + ":443": down})

	_, _, err = getBody(t, tlsTestClient(nil, proxyURL(t, p)), "https://"+fakeSTSHost+"/")

	if err == nil || !strings.Contains(err.Error(), "Bad Gateway") {
		t.Errorf("GET = %v, want Bad Gateway", err)
	}
	if got := p.Count(fakeSTSHost + ":443"); got != 1 {
		t.Errorf("Count = %d, want 1", got)
	}
}

func TestProxy_dialTargetRefusesOthers(t *testing.T) {
	p := startProxy(t, map[string]string{fakeSTSHost + ":443": "127.0.0.1:1"})

	for _, addr := range []string{"127.0.0.1:2", "100.100.100.200:80", fakeSTSHost + ":443"} {
		conn, err := p.dialTarget(t.Context(), "tcp", addr)
		if err == nil {
			conn.Close()
		}
		want := "proxy: " + addr + " is not a routed target"
		if err == nil || err.Error() != want {
			t.Errorf("dialTarget(%s) = %v, want %s", addr, err, want)
		}
	}
}

func dialProxy(t *testing.T, p *Proxy) net.Conn {
	t.Helper()

	var dialer net.Dialer
	conn, err := dialer.DialContext(t.Context(), "tcp", hostPort(t, p.URL))
	if err != nil {
		t.Fatalf("dialing the proxy: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}

	return conn
}

// readStatus reads an answer from conn and returns its status code.
func readStatus(t *testing.T, conn net.Conn) int {
	t.Helper()

	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	resp.Body.Close()

	return resp.StatusCode
}

func TestProxy_closeCutsTunnels(t *testing.T) {
	accepted := make(chan net.Conn, 1)
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		conn, err := l.Accept()
		if err == nil {
			accepted <- conn
		}
	}()

	p, err := NewProxy(map[string]string{fakeSTSHost + ":443": l.Addr().String()})
	if err != nil {
		t.Fatalf("NewProxy: %v", err)
	}
	t.Cleanup(p.Close)
	conn := dialProxy(t, p)
	_, err = io.WriteString(conn, "CONNECT "+fakeSTSHost+":443 HTTP/1.1\r\nHost: "+
		fakeSTSHost+":443\r\n\r\nhello")
	if err != nil {
		t.Fatalf("writing CONNECT: %v", err)
	}
	reader := bufio.NewReader(conn)
	resp, err := http.ReadResponse(reader, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatalf("reading the CONNECT answer: %v", err)
	}
	// A successful CONNECT answer has no body: what follows is the tunnel.
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT status = %d, want 200", resp.StatusCode)
	}

	upstream := <-accepted
	defer upstream.Close()
	greeting := make([]byte, 5)
	if _, err := io.ReadFull(upstream, greeting); err != nil || string(greeting) != "hello" {
		t.Fatalf("target read %q, %v, want hello", greeting, err)
	}
	if _, err := io.WriteString(upstream, "world"); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 5)
	if _, err := io.ReadFull(reader, reply); err != nil || string(reply) != "world" {
		t.Fatalf("client read %q, %v, want world", reply, err)
	}

	closed := make(chan struct{})
	go func() {
		p.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return with a tunnel open")
	}

	if _, err := reader.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("client read after Close = %v, want EOF", err)
	}
	if err := upstream.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := upstream.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("target read after Close = %v, want EOF", err)
	}
}

func TestRouteKey_normalizes(t *testing.T) {
	for _, tc := range []struct {
		in, defaultPort, want string
	}{
		{"STS.Example.Test:443", "", "sts.example.test:443"},
		{"sts.example.test", "80", "sts.example.test:80"},
		{"[::1]:8080", "", "[::1]:8080"},
	} {
		got, err := routeKey(tc.in, tc.defaultPort)
		if err != nil || got != tc.want {
			t.Errorf("routeKey(%q, %q) = %q, %v, want %q", tc.in, tc.defaultPort, got, err,
				tc.want)
		}
	}
}
