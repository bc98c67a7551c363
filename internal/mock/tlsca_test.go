package mock

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var standInNonce atomic.Int64

// tlsTestClient returns a client that trusts only pool and sends every request through
// proxy when it is not nil.
func tlsTestClient(pool *x509.CertPool, proxy *url.URL) *http.Client {
	transport := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DisableKeepAlives: true,
	}
	if proxy != nil {
		transport.Proxy = http.ProxyURL(proxy)
	}

	return &http.Client{Transport: transport, Timeout: 10 * time.Second}
}

// getStatusQuery returns a GetStatus query signed with a fresh nonce and the current time.
func getStatusQuery(keyID, secret, token string) string {
	params := map[string]string{
		"Action": "GetStatus", "Version": APIVersion, "Format": "JSON",
		"AccessKeyId": keyID, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": fmt.Sprintf("stand-in-%d", standInNonce.Add(1)),
		"Timestamp":      time.Now().UTC().Format(ExpirationLayout),
		"RegionId":       "cn-hangzhou", "Biz": "RPMin", "TicketId": "ticket-1",
	}
	if token != "" {
		params["SecurityToken"] = token
	}
	params["Signature"] = Signature(StringToSign(http.MethodGet, params), secret)

	values := url.Values{}
	for name, value := range params {
		values.Set(name, value)
	}

	return values.Encode()
}

// getBody sends a GET to target with client and returns the status and body.
func getBody(t *testing.T, client *http.Client, target string) (int, string, error) {
	t.Helper()

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, http.NoBody)
	if err != nil {
		t.Fatalf("building the request: %v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)

	return resp.StatusCode, string(body), err
}

func newTestCA(t *testing.T) *CA {
	t.Helper()

	ca, err := NewCA()
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}

	return ca
}

func TestCA_certPEM(t *testing.T) {
	ca := newTestCA(t)

	block, rest := pem.Decode(ca.CertPEM())
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Fatalf("CertPEM is not one PEM certificate: %q", ca.CertPEM())
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("parsing the CA certificate: %v", err)
	}

	if cert.Subject.CommonName != "cloudauth mock test CA" {
		t.Errorf("CommonName = %q, want cloudauth mock test CA", cert.Subject.CommonName)
	}
	if !cert.IsCA || !cert.BasicConstraintsValid || !cert.MaxPathLenZero {
		t.Errorf("IsCA, BasicConstraintsValid, MaxPathLenZero = %t, %t, %t, want all true",
			cert.IsCA, cert.BasicConstraintsValid, cert.MaxPathLenZero)
	}
	if cert.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("KeyUsage = %v, want CertSign|CRLSign", cert.KeyUsage)
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		t.Errorf("CA certificate is not self-signed: %v", err)
	}
	key, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Errorf("public key = %T, want ECDSA P-256", cert.PublicKey)
	}
	if got := cert.NotAfter.Sub(cert.NotBefore); got != 2*LeafLifetime+clockSkew {
		t.Errorf("validity = %v, want %v", got, 2*LeafLifetime+clockSkew)
	}
}

func TestCA_certPEMReturnsCopy(t *testing.T) {
	ca := newTestCA(t)

	first := ca.CertPEM()
	want := bytes.Clone(first)
	first[0] = 'X'

	if got := ca.CertPEM(); !bytes.Equal(got, want) {
		t.Errorf("CertPEM changed after its result was modified")
	}
}

func TestCA_issue(t *testing.T) {
	ca := newTestCA(t)

	cert, err := ca.Issue("127.0.0.1", "sts.example.test", "::1", "localhost")
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	leaf := cert.Leaf
	if len(cert.Certificate) != 1 || !bytes.Equal(cert.Certificate[0], leaf.Raw) {
		t.Fatalf("Certificate chain is not the leaf alone")
	}
	wantIPs := []net.IP{net.ParseIP("127.0.0.1").To4(), net.ParseIP("::1")}
	if !reflect.DeepEqual(leaf.IPAddresses, wantIPs) {
		t.Errorf("IPAddresses = %v, want %v", leaf.IPAddresses, wantIPs)
	}
	if want := []string{"sts.example.test", "localhost"}; !reflect.DeepEqual(
		leaf.DNSNames, want) {
		t.Errorf("DNSNames = %v, want %v", leaf.DNSNames, want)
	}
	if leaf.Subject.CommonName != "127.0.0.1" {
		t.Errorf("CommonName = %q, want 127.0.0.1", leaf.Subject.CommonName)
	}
	if leaf.IsCA {
		t.Errorf("leaf IsCA = true")
	}
	if !reflect.DeepEqual(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("ExtKeyUsage = %v, want ServerAuth", leaf.ExtKeyUsage)
	}
	if got := leaf.NotAfter.Sub(leaf.NotBefore); got != LeafLifetime+clockSkew {
		t.Errorf("validity = %v, want %v", got, LeafLifetime+clockSkew)
	}
	if _, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok {
		t.Errorf("PrivateKey = %T, want *ecdsa.PrivateKey", cert.PrivateKey)
	}

	for _, name := range []string{"127.0.0.1", "::1", "sts.example.test", "localhost"} {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: ca.CertPool()})
		if err != nil {
			t.Errorf("Verify for %s: %v", name, err)
		}
	}
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: "other.test", Roots: ca.CertPool()})
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		t.Errorf("Verify for other.test = %v, want a HostnameError", err)
	}
}

func TestCA_issueRefusesNoHost(t *testing.T) {
	ca := newTestCA(t)

	for _, tc := range []struct {
		name  string
		hosts []string
		want  string
	}{
		{"none", nil, "issue: no hosts"},
		{"empty", []string{"127.0.0.1", ""}, "issue: empty host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ca.Issue(tc.hosts...)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Issue error = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestCA_otherCADoesNotVerify(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)

	cert, err := ca.Issue("127.0.0.1")
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	_, err = cert.Leaf.Verify(x509.VerifyOptions{Roots: other.CertPool()})
	var authErr x509.UnknownAuthorityError
	if !errors.As(err, &authErr) {
		t.Errorf("Verify against another CA = %v, want an UnknownAuthorityError", err)
	}
}

func TestCA_writeCertFile(t *testing.T) {
	ca := newTestCA(t)
	path := filepath.Join(t.TempDir(), "ca.pem")

	if err := ca.WriteCertFile(path); err != nil {
		t.Fatalf("WriteCertFile: %v", err)
	}

	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if !bytes.Equal(got, ca.CertPEM()) {
		t.Errorf("file holds %q, want the CA PEM", got)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
}

func TestCA_writeCertFileMissingDir(t *testing.T) {
	ca := newTestCA(t)
	path := filepath.Join(t.TempDir(), "missing", "ca.pem")

	if err := ca.WriteCertFile(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WriteCertFile = %v, want ErrNotExist", err)
	}
}

func startTLSServer(t *testing.T, ca *CA, hosts ...string) *Server {
	t.Helper()

	cert, err := ca.Issue(hosts...)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	s, err := New(Config{
		Credentials: []Credential{{AccessKeyID: "LTAI5tTLSKey", AccessKeySecret: "tls-secret"}},
		Scenes:      []string{"RPMin"},
	}, WithTLS(cert))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)

	return s
}

func TestServer_withTLS(t *testing.T) {
	ca := newTestCA(t)
	s := startTLSServer(t, ca, "127.0.0.1")

	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %q, want https://127.0.0.1:PORT", s.URL)
	}

	status, body, err := getBody(t, tlsTestClient(ca.CertPool(), nil),
		s.URL+"/?"+getStatusQuery("LTAI5tTLSKey", "tls-secret", ""))
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	if status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", status, body)
	}
	want := `{"RequestId":"` + requestIDOfAnswer(t, body) + `","Data":{"StatusCode":-1},` +
		`"Success":true}`
	if body != want {
		t.Errorf("body = %s, want %s", body, want)
	}
}

func TestServer_withTLSUntrustedCA(t *testing.T) {
	s := startTLSServer(t, newTestCA(t), "127.0.0.1")

	_, _, err := getBody(t, tlsTestClient(newTestCA(t).CertPool(), nil), s.URL+"/")

	var verifyErr *tls.CertificateVerificationError
	if !errors.As(err, &verifyErr) {
		t.Errorf("GET with another CA = %v, want a CertificateVerificationError", err)
	}
	if got := len(s.Requests()); got != 0 {
		t.Errorf("requests = %d, want 0", got)
	}
}

// requestIDOfAnswer returns the RequestId of a JSON answer.
func requestIDOfAnswer(t *testing.T, body string) string {
	t.Helper()

	const prefix = `{"RequestId":"`
	rest, ok := strings.CutPrefix(body, prefix)
	id, _, found := strings.Cut(rest, `"`)
	if !ok || !found {
		t.Fatalf("no RequestId at the start of %s", body)
	}

	return id
}
