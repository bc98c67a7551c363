package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// Credentials the test mock accepts. The secrets are distinctive so that a test can look
// for them in logs, state and diagnostics.
const (
	testKeyID    = "LTAI5tAccTestKey"
	testSecret   = "acc-secret-7f3a9c"
	testSTSKeyID = "STS.NAccTestKey"
	testSTSKey   = "acc-sts-secret-5b1e2d"
	testToken    = "CAIS+acc/sts=token-c4d8e1"

	exampleBiz    = "RPBasic"
	exampleTicket = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
)

// testAccProviders serves the provider in-process to the Terraform CLI the tests run.
var testAccProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"cloudauth": providerserver.NewProtocol6WithError(New("test")()),
}

// credentialEnv lists the environment variables the provider or the credentials library
// reads, credentials and proxies, so the tests run with none of the developer's own.
var credentialEnv = []string{
	"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
	"ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN",
	"ALIBABA_CLOUD_REGION", "ALICLOUD_REGION", "ALIBABA_CLOUD_ENDPOINT_CLOUDAUTH",
	"CLOUDAUTH_ENDPOINT", "ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE",
	"ALIBABA_CLOUD_CREDENTIALS_FILE", "ALICLOUD_SHARED_CREDENTIALS_FILE",
	"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
	"ALIBABA_CLOUD_ROLE_SESSION_NAME", "ALIBABA_CLOUD_CREDENTIALS_URI",
	"ALIBABA_CLOUD_ECS_METADATA", "TF_APPEND_USER_AGENT",
	"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
}

// testCA is the CA the test process trusts as its system roots; it issues the STS
// stand-in's certificates.
var testCA *mock.CA

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	for _, name := range credentialEnv {
		os.Unsetenv(name)
	}
	// The credentials library's last resort is the instance metadata address: never here.
	os.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	// plugin-testing turns Terraform's update check off only once it serves the provider,
	// after its first terraform version has already tried to reach HashiCorp for it.
	os.Setenv("CHECKPOINT_DISABLE", "1")

	// Terraform reads a CLI configuration; give it an empty one of the tests' own, and a
	// home with no credentials files in it.
	dir, err := os.MkdirTemp("", "cloudauth-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)

	cliConfig := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(cliConfig, nil, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("TF_CLI_CONFIG_FILE", cliConfig)
	os.Setenv("HOME", dir)

	// credentials-go trusts only the system roots, which Go reads once per process: the
	// STS stand-in's CA must be the only one they hold before any TLS handshake.
	if testCA, err = mock.NewCA(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	caDir := filepath.Join(dir, "ca")
	if err := os.Mkdir(caDir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	caFile := filepath.Join(caDir, "ca.pem")
	if err := testCA.WriteCertFile(caFile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("SSL_CERT_FILE", caFile)
	os.Setenv("SSL_CERT_DIR", caDir)

	return m.Run()
}

// fixture returns a mock fixture for ticket of scene biz with the given Data JSON.
func fixture(biz, ticket, data string) mock.Fixture {
	return mock.Fixture{Biz: biz, TicketID: ticket, Data: []byte(data)}
}

// exampleData is the documented example answer's Data.
const exampleData = `{"SimilarityScore":93.12,"AuthorityComparisonScore":98.13,` +
	`"StatusCode":1,"AuditConclusions":"不通过原因"}`

// newMock starts a mock that knows the test credentials, the documented example and the
// given fixtures, and stops it when the test ends.
func newMock(t *testing.T, fixtures ...mock.Fixture) *mock.Server {
	t.Helper()

	server, err := mock.New(mock.Config{
		Credentials: []mock.Credential{
			{AccessKeyID: testKeyID, AccessKeySecret: testSecret},
			{AccessKeyID: testSTSKeyID, AccessKeySecret: testSTSKey, SecurityToken: testToken},
		},
		Fixtures: append([]mock.Fixture{fixture(exampleBiz, exampleTicket, exampleData)},
			fixtures...),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)

	return server
}

// providerBlock returns a provider block aimed at server with the test access key and the
// given extra arguments.
func providerBlock(server *mock.Server, extra ...string) string {
	return fmt.Sprintf(`
provider "cloudauth" {
  endpoint   = %q
  access_key = %q
  secret_key = %q
%s
}
`, server.URL, testKeyID, testSecret, indent(extra))
}

// hcl quotes s as an HCL string literal, escaping template sequences too.
func hcl(s string) string {
	quoted := fmt.Sprintf("%q", s)
	quoted = strings.ReplaceAll(quoted, "${", "$${")
	return strings.ReplaceAll(quoted, "%{", "%%{")
}

func indent(lines []string) string {
	var b strings.Builder
	for _, line := range lines {
		b.WriteString("  " + line + "\n")
	}

	return b.String()
}

// requestsFor returns what the mock received for ticket.
func requestsFor(server *mock.Server, ticket string) []mock.Request {
	var out []mock.Request
	for _, r := range server.Requests() {
		if r.Params["TicketId"] == ticket {
			out = append(out, r)
		}
	}

	return out
}

// pattern is a part of diagRegexp taken as a regular expression, not as literal text.
type pattern string

// requestIDPattern matches the request id line of a diagnostic.
const requestIDPattern pattern = `RequestId: [0-9A-F-]{36}`

// diagRegexp matches a diagnostic holding each part in order, whatever Terraform's line
// wrapping does to the spaces within a part. A part is literal text or a pattern.
func diagRegexp(parts ...any) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, part := range parts {
		switch part := part.(type) {
		case pattern:
			quoted[i] = string(part)
		case string:
			quoted[i] = strings.Join(strings.Fields(regexp.QuoteMeta(part)), `\s+`)
		default:
			panic(fmt.Sprintf("diagRegexp: part %v is %T", part, part))
		}
	}

	return regexp.MustCompile(strings.Join(quoted, `[\s\S]*`))
}
