package mock

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// trustedCA is the CA that SSL_CERT_FILE names for the whole test binary: Go reads the
// system roots once per process, so the file must be in place before any TLS handshake,
// and credentials-go offers no other way to trust a CA.
var trustedCA *CA

// hermeticEnv lists the variables credentials-go and net/http read that would let the
// environment steer a test, or a request, away from the stand-ins.
var hermeticEnv = []string{
	"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
	"ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_CREDENTIALS_URI",
	"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_ROLE_SESSION_NAME",
	"ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN",
	"ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_STS_REGION",
	"ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
}

func TestMain(m *testing.M) {
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(code)
}

func runTests(m *testing.M) (int, error) {
	for _, name := range hermeticEnv {
		if err := os.Unsetenv(name); err != nil {
			return 0, err
		}
	}
	if err := os.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"); err != nil {
		return 0, err
	}

	dir, err := os.MkdirTemp("", "mock-ca-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)

	trustedCA, err = NewCA()
	if err != nil {
		return 0, err
	}
	certFile := filepath.Join(dir, "ca.pem")
	if err := trustedCA.WriteCertFile(certFile); err != nil {
		return 0, err
	}
	// SSL_CERT_DIR names the same directory, so that no system CA is trusted either.
	for name, value := range map[string]string{
		"SSL_CERT_FILE": certFile, "SSL_CERT_DIR": dir,
	} {
		if err := os.Setenv(name, value); err != nil {
			return 0, err
		}
	}

	return m.Run(), nil
}
