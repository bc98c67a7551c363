package provider

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// What the STS stand-in knows: the role the test access key may assume, and the OIDC
// identity provider with the one token it vouches for.
const (
	chainRoleARN      = "acs:ram::1234567890123456:role/cloudauth-reader"
	chainMissingRole  = "acs:ram::1234567890123456:role/missing"
	chainOIDCProvider = "acs:ram::1234567890123456:oidc-provider/ack-rrsa-c4d8e1"
	chainOIDCToken    = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXV" +
		"sdDpyZWFkZXIifQ.c2lnbmF0dXJl"
	chainPolicy = `{"Version":"1","Statement":[{"Effect":"Allow",` +
		`"Action":"cloudauth:GetStatus","Resource":"*"}]}`
	chainOtherTicket = "0d6f1c3a-8b2e-4f7d-9a15-3c4e5b6a7d80"
)

// Names under the reserved .test domain never resolve, so only the proxy can reach them.
const (
	proxiedCloudauth = "cloudauth.test"
	proxiedSTS       = "sts.test"
)

// expectExample checks that the documented example answer was read into state.
var expectExample = expectValues("data.cloudauth_verification_status.applicant",
	map[string]knownvalue.Check{
		"id":                         knownvalue.StringExact(exampleBiz + "/" + exampleTicket),
		"status_code":                knownvalue.Int64Exact(1),
		"status":                     knownvalue.StringExact("passed"),
		"passed":                     knownvalue.Bool(true),
		"similarity_score":           number("93.12"),
		"authority_comparison_score": number("98.13"),
		"audit_conclusions":          knownvalue.StringExact("不通过原因"),
	})

// newSTS starts an STS stand-in that lets the test access key assume chainRoleARN and
// accepts chainOIDCToken. Every credential it mints is loaded into server before it is
// answered, so that the mock accepts exactly what STS issued and nothing else.
func newSTS(t *testing.T, server *mock.Server, adjust ...func(*mock.STSConfig)) *mock.STS {
	t.Helper()

	cfg := mock.STSConfig{
		CA:              testCA,
		Credentials:     []mock.Credential{{AccessKeyID: testKeyID, AccessKeySecret: testSecret}},
		Roles:           []string{chainRoleARN},
		OIDCProviderARN: chainOIDCProvider,
		OIDCTokens:      []string{chainOIDCToken},
		OnIssue: func(c mock.Credential) {
			if err := server.Load(mock.Config{Credentials: []mock.Credential{c}}); err != nil {
				t.Errorf("loading a minted credential into the mock: %v", err)
			}
		},
	}
	for _, f := range adjust {
		f(&cfg)
	}

	sts, err := mock.NewSTS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sts.Close)

	return sts
}

// newTLSMock starts a mock that knows the test access key and the documented example,
// serving HTTPS with a certificate from ca for hosts.
func newTLSMock(t *testing.T, ca *mock.CA, hosts ...string) *mock.Server {
	t.Helper()

	cert, err := ca.Issue(hosts...)
	if err != nil {
		t.Fatal(err)
	}
	server, err := mock.New(mock.Config{
		Credentials: []mock.Credential{{AccessKeyID: testKeyID, AccessKeySecret: testSecret}},
		Fixtures:    []mock.Fixture{fixture(exampleBiz, exampleTicket, exampleData)},
	}, mock.WithTLS(cert))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)

	return server
}

func newPrivateCA(t *testing.T) *mock.CA {
	t.Helper()

	ca, err := mock.NewCA()
	if err != nil {
		t.Fatal(err)
	}

	return ca
}

// useProxy points HTTPS_PROXY at proxy and NO_PROXY at noProxy, clearing the other
// spellings so that nothing from the developer's environment takes precedence.
func useProxy(t *testing.T, proxy *mock.Proxy, noProxy string) {
	for name, value := range map[string]string{
		"HTTPS_PROXY": proxy.URL, "https_proxy": "", "HTTP_PROXY": "", "http_proxy": "",
		"NO_PROXY": noProxy, "no_proxy": "",
	} {
		t.Setenv(name, value)
	}
}

// issuedBy returns the credentials STS minted.
func issuedBy(sts *mock.STS) []mock.Credential {
	var issued []mock.Credential
	requests := sts.Requests()
	for i := range requests {
		if requests[i].Code == "" {
			issued = append(issued, requests[i].Issued)
		}
	}

	return issued
}

// expectSignedWithIssued fails unless the mock received a request and accepted every
// one, each signed with an access key of issued and carrying that key's security token.
func expectSignedWithIssued(t *testing.T, server *mock.Server, issued []mock.Credential) {
	t.Helper()

	byKey := map[string]mock.Credential{}
	for _, c := range issued {
		byKey[c.AccessKeyID] = c
	}
	requests := server.Requests()
	if len(requests) == 0 {
		t.Fatal("the mock received no request")
	}
	for _, req := range requests {
		id := req.Params["AccessKeyId"]
		cred, minted := byKey[id]
		switch {
		case req.Code != "":
			t.Errorf("a request signed with %s was answered %s", id, req.Code)
		case !minted:
			t.Errorf("a request was signed with %s, which was never issued", id)
		case req.Params["SecurityToken"] != cred.SecurityToken:
			t.Errorf("a request signed with %s carried security token %q, want %q", id,
				req.Params["SecurityToken"], cred.SecurityToken)
		}
	}
}

// stsCall is what a test asks of each call STS received.
type stsCall struct {
	Action, AccessKeyID, SecurityToken       string
	RoleArn, RoleSessionName, ExternalID     string
	Policy, OIDCProviderArn, OIDCToken, Code string
	DurationSeconds                          int
}

func stsCallOf(req *mock.STSRequest) stsCall {
	return stsCall{
		Action:          req.Action,
		AccessKeyID:     req.Params["AccessKeyId"],
		SecurityToken:   req.Params["SecurityToken"],
		RoleArn:         req.RoleArn,
		RoleSessionName: req.RoleSessionName,
		ExternalID:      req.ExternalID,
		Policy:          req.Policy,
		OIDCProviderArn: req.Params["OIDCProviderArn"],
		OIDCToken:       req.Params["OIDCToken"],
		Code:            req.Code,
		DurationSeconds: req.DurationSeconds,
	}
}

// expectSTSCalls fails unless STS was called and every call was exactly want. A
// successful AssumeRole was signed with want.AccessKeyID, since the stand-in checks the
// signature against that key's secret.
func expectSTSCalls(t *testing.T, sts *mock.STS, want stsCall) {
	t.Helper()

	requests := sts.Requests()
	if len(requests) == 0 {
		t.Fatal("STS received no request")
	}
	for i := range requests {
		if got := stsCallOf(&requests[i]); got != want {
			t.Errorf("STS received %+v, want %+v", got, want)
		}
	}
}

func TestAccCredentials_assumeRoleOverStaticKeys(t *testing.T) {
	server := newMock(t)
	sts := newSTS(t, server)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server, "sts_endpoint = "+hcl(sts.Endpoint()),
				"assume_role {",
				"  role_arn           = "+hcl(chainRoleARN),
				`  session_name       = "ci-reader"`,
				`  external_id        = "abcd1234"`,
				"  policy             = "+hcl(chainPolicy),
				"  session_expiration = 1800",
				"}") + readExample,
			ConfigStateChecks: expectExample,
		}},
	})

	expectSTSCalls(t, sts, stsCall{Action: "AssumeRole", AccessKeyID: testKeyID,
		RoleArn: chainRoleARN, RoleSessionName: "ci-reader", ExternalID: "abcd1234",
		Policy: chainPolicy, DurationSeconds: 1800})
	expectSignedWithIssued(t, server, issuedBy(sts))
}

func TestAccCredentials_assumeRoleOverProfile(t *testing.T) {
	server := newMock(t)
	sts := newSTS(t, server)
	// The current profile's secret is wrong, so STS refuses it if the named one is not
	// the one used.
	file := writeProfiles(t, t.TempDir(), "current",
		akProfile("current", testKeyID, "not-the-secret"),
		akProfile("reader", testKeyID, testSecret))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "cloudauth" {
  endpoint                = %q
  profile                 = "reader"
  shared_credentials_file = %q
  sts_endpoint            = %q

  assume_role {
    role_arn = %q
  }
}
`, server.URL, file, sts.Endpoint(), chainRoleARN) + readExample,
			ConfigStateChecks: expectExample,
		}},
	})

	expectSTSCalls(t, sts, stsCall{Action: "AssumeRole", AccessKeyID: testKeyID,
		RoleArn: chainRoleARN, RoleSessionName: defaultSessionName, DurationSeconds: 3600})
	expectSignedWithIssued(t, server, issuedBy(sts))
}

// writeToken writes the OIDC token file a Kubernetes service account would mount.
func writeToken(t *testing.T) string {
	t.Helper()

	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(chainOIDCToken), 0o600); err != nil {
		t.Fatal(err)
	}

	return file
}

func TestAccCredentials_assumeRoleWithOIDCBlock(t *testing.T) {
	server := newMock(t)
	sts := newSTS(t, server)
	token := writeToken(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "cloudauth" {
  endpoint     = %q
  sts_endpoint = %q

  assume_role_with_oidc {
    role_arn           = %q
    oidc_provider_arn  = %q
    oidc_token_file    = %q
    role_session_name  = "rrsa-reader"
    policy             = %s
    session_expiration = 900
  }
}
`, server.URL, sts.Endpoint(), chainRoleARN, chainOIDCProvider, token,
				hcl(chainPolicy)) + readExample,
			ConfigStateChecks: expectExample,
		}},
	})

	expectSTSCalls(t, sts, stsCall{Action: "AssumeRoleWithOIDC", RoleArn: chainRoleARN,
		RoleSessionName: "rrsa-reader", Policy: chainPolicy,
		OIDCProviderArn: chainOIDCProvider, OIDCToken: chainOIDCToken, DurationSeconds: 900})
	expectSignedWithIssued(t, server, issuedBy(sts))
}

func TestAccCredentials_assumeRoleWithOIDCEnvironment(t *testing.T) {
	server := newMock(t)
	sts := newSTS(t, server)
	t.Setenv("ALIBABA_CLOUD_ROLE_ARN", chainRoleARN)
	t.Setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", chainOIDCProvider)
	t.Setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", writeToken(t))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "cloudauth" {
  endpoint     = %q
  sts_endpoint = %q
}
`, server.URL, sts.Endpoint()) + readExample,
			ConfigStateChecks: expectExample,
		}},
	})

	expectSTSCalls(t, sts, stsCall{Action: "AssumeRoleWithOIDC", RoleArn: chainRoleARN,
		RoleSessionName: defaultSessionName, OIDCProviderArn: chainOIDCProvider,
		OIDCToken: chainOIDCToken, DurationSeconds: 3600})
	expectSignedWithIssued(t, server, issuedBy(sts))
}

// newCredentialsURI starts a credentials URI stand-in whose minted credentials are loaded
// into server, and returns it with a function listing what it minted.
func newCredentialsURI(t *testing.T, server *mock.Server) (*mock.CredentialsURI,
	func() []mock.Credential) {
	t.Helper()

	var mu sync.Mutex
	var issued []mock.Credential
	uri, err := mock.NewCredentialsURI(mock.CredentialsURIConfig{
		OnIssue: func(c mock.Credential) {
			mu.Lock()
			issued = append(issued, c)
			mu.Unlock()
			if err := server.Load(mock.Config{Credentials: []mock.Credential{c}}); err != nil {
				t.Errorf("loading a minted credential into the mock: %v", err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(uri.Close)

	return uri, func() []mock.Credential {
		mu.Lock()
		defer mu.Unlock()

		return append([]mock.Credential(nil), issued...)
	}
}

func TestAccCredentials_credentialsURIArgument(t *testing.T) {
	server := newMock(t)
	uri, issued := newCredentialsURI(t, server)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "cloudauth" {
  endpoint        = %q
  credentials_uri = %q
}
`, server.URL, uri.URL+"/credentials") + readExample,
			ConfigStateChecks: expectExample,
		}},
	})

	if uri.Count() == 0 {
		t.Error("the credentials URI was never called")
	}
	expectSignedWithIssued(t, server, issued())
}

func TestAccCredentials_credentialsURIEnvironment(t *testing.T) {
	server := newMock(t)
	uri, issued := newCredentialsURI(t, server)
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", uri.URL+"/credentials")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"cloudauth\" {\n  endpoint = %q\n}\n",
				server.URL) + readExample,
			ConfigStateChecks: expectExample,
		}},
	})

	if uri.Count() == 0 {
		t.Error("the credentials URI was never called")
	}
	expectSignedWithIssued(t, server, issued())
}

// TestAccCredentials_assumedRoleRefreshed has STS mint credentials that live a minute,
// under the three minutes before expiry at which the credentials library assumes the role
// anew, so that every read must use fresh credentials.
func TestAccCredentials_assumedRoleRefreshed(t *testing.T) {
	server := newMock(t, fixture(exampleBiz, chainOtherTicket, `{"StatusCode":0}`))
	sts := newSTS(t, server, func(c *mock.STSConfig) { c.Lifetime = time.Minute })

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server, "sts_endpoint = "+hcl(sts.Endpoint()),
				"assume_role {",
				"  role_arn = "+hcl(chainRoleARN), "}") + readExample + fmt.Sprintf(`
data "cloudauth_verification_status" "other" {
  biz       = %q
  ticket_id = %q
}
`, exampleBiz, chainOtherTicket),
			ConfigStateChecks: slices.Concat(expectExample, expectValues(
				"data.cloudauth_verification_status.other",
				map[string]knownvalue.Check{"status": knownvalue.StringExact("in_review")})),
		}},
	})

	// Expiration is written to the second, rounded up.
	for _, req := range sts.Requests() {
		lifetime := req.Issued.Expires.Sub(req.At)
		if lifetime < time.Minute || lifetime >= time.Minute+time.Second {
			t.Errorf("STS minted %s to last %s, want a minute", req.Issued.AccessKeyID,
				lifetime)
		}
	}
	expectSignedWithIssued(t, server, issuedBy(sts))

	keys := map[string]bool{}
	for _, req := range server.Requests() {
		keys[req.Params["AccessKeyId"]] = true
	}
	// Reads in flight at once share one refresh; each refresh mints a new key.
	requests, calls := len(server.Requests()), len(sts.Requests())
	if calls < 2 || len(keys) != calls || requests < calls {
		t.Errorf("%d reads used %d distinct keys from %d STS calls; want a new key from "+
			"each of at least two refreshes", requests, len(keys), calls)
	}
}

// proxied are stand-ins reached by .test names through a proxy that HTTPS_PROXY names:
// cloudauth with a certificate from a private CA, and STS.
type proxied struct {
	server *mock.Server
	sts    *mock.STS
	proxy  *mock.Proxy
	// config is a provider block that assumes a role through STS and reads from cloudauth,
	// each by its name.
	config string
}

func startProxied(t *testing.T, noProxy string) proxied {
	t.Helper()

	ca := newPrivateCA(t)
	server := newTLSMock(t, ca, proxiedCloudauth)
	sts := newSTS(t, server, func(c *mock.STSConfig) { c.Hosts = []string{proxiedSTS} })
	proxy, err := mock.NewProxy(map[string]string{
		proxiedCloudauth + ":443": strings.TrimPrefix(server.URL, "https://"),
		proxiedSTS + ":443":       sts.Endpoint(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	useProxy(t, proxy, noProxy)

	return proxied{server: server, sts: sts, proxy: proxy, config: fmt.Sprintf(`
provider "cloudauth" {
  endpoint     = "https://%s"
  access_key   = %q
  secret_key   = %q
  ca_pem       = %s
  sts_endpoint = %q
  max_retries  = 0

  assume_role {
    role_arn = %q
  }
}
`, proxiedCloudauth, testKeyID, testSecret, hcl(string(ca.CertPEM())), proxiedSTS,
		chainRoleARN)}
}

func TestAccCredentials_throughProxy(t *testing.T) {
	p := startProxied(t, "")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:            p.config + readExample,
			ConfigStateChecks: expectExample,
		}},
	})

	expectSignedWithIssued(t, p.server, issuedBy(p.sts))
	// The credentials library opens a connection per STS call, and each configured
	// provider one for its only read.
	if got, want := p.proxy.Count(proxiedSTS+":443"), len(p.sts.Requests()); got != want {
		t.Errorf("the proxy carried %d tunnels to STS, want %d", got, want)
	}
	got, want := p.proxy.Count(proxiedCloudauth+":443"), len(p.server.Requests())
	if got != want {
		t.Errorf("the proxy carried %d tunnels to cloudauth, want %d", got, want)
	}
	if refused := p.proxy.Refused(); len(refused) != 0 {
		t.Errorf("the proxy refused %q", refused)
	}
}

// TestAccCredentials_noProxyBypassesProxy exempts only the cloudauth endpoint from the
// proxy: STS is still reached through it, while the read goes direct and so fails to
// resolve the name.
func TestAccCredentials_noProxyBypassesProxy(t *testing.T) {
	p := startProxied(t, proxiedCloudauth)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: p.config + readExample,
			ExpectError: diagRegexp("Cloudauth Unreachable", "https://"+proxiedCloudauth,
				"lookup "+proxiedCloudauth),
		}},
	})

	if got := p.proxy.Count(proxiedCloudauth + ":443"); got != 0 {
		t.Errorf("the proxy carried %d tunnels to cloudauth, want none", got)
	}
	got, want := p.proxy.Count(proxiedSTS+":443"), len(p.sts.Requests())
	if got == 0 || got != want {
		t.Errorf("the proxy carried %d tunnels to STS, want %d and at least one", got, want)
	}
	if n := len(p.server.Requests()); n != 0 {
		t.Errorf("the mock received %d requests, want none", n)
	}
	if refused := p.proxy.Refused(); len(refused) != 0 {
		t.Errorf("the proxy refused %q", refused)
	}
}

func TestAccCredentials_privateCA(t *testing.T) {
	ca := newPrivateCA(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := ca.WriteCertFile(caFile); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		extra  string
		expect *regexp.Regexp
	}{
		{"untrusted", "", diagRegexp("Cloudauth Unreachable",
			"x509: certificate signed by unknown authority")},
		{"ca_pem", "ca_pem = " + hcl(string(ca.CertPEM())), nil},
		{"ca_file", "ca_file = " + hcl(caFile), nil},
		{"ca_pem not a pem", `ca_pem = "not a pem"`, diagRegexp(
			"Invalid Certificate Authority", "ca_pem: the value holds no PEM certificate")},
		{"insecure", "insecure = true", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server := newTLSMock(t, ca, "127.0.0.1")
			step := resource.TestStep{
				Config:      providerBlock(server, "max_retries = 0", tc.extra) + readExample,
				ExpectError: tc.expect,
			}
			if tc.expect == nil {
				step.ConfigStateChecks = expectExample
			}

			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps:                    []resource.TestStep{step},
			})

			if tc.expect == nil {
				expectSignedOnlyWith(t, server, testKeyID)
			} else if n := len(server.Requests()); n != 0 {
				t.Errorf("the mock received %d requests, want none", n)
			}
		})
	}
}

func TestAccCredentials_sourceErrors(t *testing.T) {
	absentToken := filepath.Join(t.TempDir(), "absent-token")

	cases := []struct {
		name string
		// block returns the provider block's arguments for the stand-ins.
		block  func(sts *mock.STS, uri *mock.CredentialsURI) string
		expect []any
		// stsCode is the code every STS call must have been answered with; when it is
		// empty, STS must not have been called.
		stsCode string
		// uriCalled says the credentials URI must have been called.
		uriCalled bool
	}{
		{"unknown role", func(sts *mock.STS, _ *mock.CredentialsURI) string {
			return fmt.Sprintf(`access_key   = %q
  secret_key   = %q
  sts_endpoint = %q
  assume_role {
    role_arn = %q
  }`, testKeyID, testSecret, sts.Endpoint(), chainMissingRole)
		}, []any{"Credentials Unavailable", "No request was sent",
			"role " + chainMissingRole + " assumed with the credentials from argument " +
				"access_key and argument secret_key",
			"refresh session token failed", `"Code":"EntityNotExist.Role"`,
			"The role not exists: " + chainMissingRole + "."}, "EntityNotExist.Role", false},
		{"OIDC token file missing", func(sts *mock.STS, _ *mock.CredentialsURI) string {
			return fmt.Sprintf(`sts_endpoint = %q
  assume_role_with_oidc {
    role_arn          = %q
    oidc_provider_arn = %q
    oidc_token_file   = %q
  }`, sts.Endpoint(), chainRoleARN, chainOIDCProvider, absentToken)
		}, []any{"Credentials Unavailable", "No request was sent",
			"OIDC role " + chainRoleARN + " (the assume_role_with_oidc block)",
			"open " + absentToken + ": no such file or directory"}, "", false},
		{"credentials URI failing", func(_ *mock.STS, uri *mock.CredentialsURI) string {
			return fmt.Sprintf("credentials_uri = %q", uri.URL+"/credentials")
		}, []any{"Credentials Unavailable", "No request was sent",
			"the credentials URI (argument credentials_uri)", "get credentials from GET",
			pattern(`http://127\.0\.0\.1:[0-9]+/credentials`),
			`failed: {"Code":"InternalError","Message":"disk on fire"}`},
			"", true},
		{"assume_role without role_arn", func(sts *mock.STS, _ *mock.CredentialsURI) string {
			return fmt.Sprintf(`access_key   = %q
  secret_key   = %q
  sts_endpoint = %q
  assume_role {
    session_name = "ci-reader"
  }`, testKeyID, testSecret, sts.Endpoint())
		}, []any{"Missing Role ARN", "The assume_role block needs role_arn"}, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server := newMock(t)
			sts := newSTS(t, server)
			uri, _ := newCredentialsURI(t, server)
			if err := uri.Force(http.StatusInternalServerError,
				`{"Code":"InternalError","Message":"disk on fire"}`); err != nil {
				t.Fatal(err)
			}

			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf("provider \"cloudauth\" {\n  endpoint = %q\n  %s\n}\n",
						server.URL, tc.block(sts, uri)) + readExample,
					ExpectError: diagRegexp(tc.expect...),
				}},
			})

			if n := len(server.Requests()); n != 0 {
				t.Errorf("the mock received %d requests, want none", n)
			}
			calls := sts.Requests()
			switch {
			case tc.stsCode == "" && len(calls) != 0:
				t.Errorf("STS received %d requests, want none", len(calls))
			case tc.stsCode != "" && len(calls) == 0:
				t.Error("STS received no request")
			}
			for i := range calls {
				if calls[i].Code != tc.stsCode {
					t.Errorf("STS answered %q, want %q", calls[i].Code, tc.stsCode)
				}
			}
			if called := uri.Count() > 0; called != tc.uriCalled {
				t.Errorf("the credentials URI was called %d times", uri.Count())
			}
		})
	}
}
