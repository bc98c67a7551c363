package provider

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aliyun/credentials-go/credentials/providers"
	"golang.org/x/net/http/httpproxy"
)

// newTransport returns the one transport every request of a configured provider shares:
// Go's default with its connection pooling, the proxy read from the environment now (not
// cached for the life of the process), and the private CA when one is configured.
func newTransport(c connection, proxy func(*url.URL) (*url.URL, error)) (*http.Transport,
	error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("the default HTTP transport has been replaced")
	}
	t := base.Clone()
	t.Proxy = func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
	// Keep a connection for every request that may be in flight, so that bulk reads
	// reuse them rather than open new ones.
	t.MaxIdleConnsPerHost = max(c.maxConcurrency, 2)
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}

	if c.caFile != "" || c.caPEM != "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if c.caFile != "" {
			pem, err := os.ReadFile(expandHome(c.caFile))
			if err != nil {
				return nil, fmt.Errorf("ca_file: %w", err)
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("ca_file: %s holds no PEM certificate", c.caFile)
			}
		}
		if c.caPEM != "" && !pool.AppendCertsFromPEM([]byte(c.caPEM)) {
			return nil, errors.New("ca_pem: the value holds no PEM certificate")
		}
		t.TLSClientConfig.RootCAs = pool
	}
	if c.insecure {
		t.TLSClientConfig.InsecureSkipVerify = true
	}

	return t, nil
}

// environmentProxy returns the proxy choice of HTTPS_PROXY, HTTP_PROXY and NO_PROXY (and
// their lower-case forms) as they are now.
func environmentProxy() func(*url.URL) (*url.URL, error) {
	return httpproxy.FromEnvironment().ProxyFunc()
}

// httpOptions returns the options for a call the credentials library makes to target
// (STS, instance metadata, a credentials URI): the per-attempt timeout, and the proxy the
// environment names for target now, since the library would otherwise use the proxy
// setting it read once for the whole process.
func (in credentialInputs) httpOptions(target string) *providers.HttpOptions {
	opts := &providers.HttpOptions{
		ConnectTimeout: int(in.conn.requestTimeout.Milliseconds()),
		ReadTimeout:    int(in.conn.requestTimeout.Milliseconds()),
	}

	u, err := url.Parse(target)
	if err != nil {
		return opts
	}
	if p, err := in.proxy(u); err == nil && p != nil {
		opts.Proxy = p.String()
	}

	return opts
}

// stsURL returns the URL of the STS endpoint the credentials library will call.
func (in credentialInputs) stsURL() string {
	if in.stsEndpoint != "" {
		return "https://" + in.stsEndpoint + "/"
	}

	return "https://sts.aliyuncs.com/"
}

// stsHost turns the sts_endpoint argument into the host[:port] the credentials library
// wants: it accepts a bare host or an https:// URL with nothing after the host.
func stsHost(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}

	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", err
	case u.Scheme != "https":
		return "", errors.New("STS is reached over https only")
	case u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil:
		return "", errors.New("give a host name, optionally with a port, and nothing else")
	}

	return u.Host, nil
}
