package provider

import (
	"fmt"
	"math/big"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

func number(text string) knownvalue.Check {
	f, _, err := big.ParseFloat(text, 10, 512, big.ToNearestEven)
	if err != nil {
		panic(err)
	}

	return knownvalue.NumberExact(f)
}

// expectValues checks the named attributes of a data source in state.
func expectValues(address string, values map[string]knownvalue.Check) []statecheck.StateCheck {
	checks := make([]statecheck.StateCheck, 0, len(values))
	for name, check := range values {
		checks = append(checks,
			statecheck.ExpectKnownValue(address, tfjsonpath.New(name), check))
	}

	return checks
}

// exampleID is the id of a read of the documented example.
const exampleID = "RPBasic/" + exampleTicket

func TestAccVerificationStatus_documentedExample(t *testing.T) {
	server := newMock(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + readExample,
			ConfigStateChecks: expectValues("data.cloudauth_verification_status.applicant",
				map[string]knownvalue.Check{
					"id":                         knownvalue.StringExact(exampleID),
					"biz":                        knownvalue.StringExact("RPBasic"),
					"ticket_id":                  knownvalue.StringExact(exampleTicket),
					"status_code":                knownvalue.Int64Exact(1),
					"status":                     knownvalue.StringExact("passed"),
					"passed":                     knownvalue.Bool(true),
					"similarity_score":           number("93.12"),
					"authority_comparison_score": number("98.13"),
					"audit_conclusions":          knownvalue.StringExact("不通过原因"),
					"request_id": knownvalue.StringRegexp(
						regexp.MustCompile(`^[0-9A-F-]{36}$`)),
				}),
		}},
	})

	for _, req := range requestsFor(server, exampleTicket) {
		if _, sent := req.Params["SecurityToken"]; sent {
			t.Errorf("SecurityToken sent without temporary credentials")
		}
		if req.Code != "" || req.Params["Biz"] != exampleBiz ||
			req.Params["RegionId"] != "cn-hangzhou" {
			t.Errorf("request %v answered %q", req.Params, req.Code)
		}
	}
}

func TestAccVerificationStatus_statusCodes(t *testing.T) {
	server := newMock(t,
		fixture(exampleBiz, "not-submitted", `{"StatusCode":-1}`),
		fixture(exampleBiz, "in-review", `{"StatusCode":0}`),
		fixture(exampleBiz, "passed", `{"StatusCode":1,"SimilarityScore":100,`+
			`"AuthorityComparisonScore":0}`),
		fixture(exampleBiz, "failed", `{"StatusCode":2,"SimilarityScore":12.5,`+
			`"AuditConclusions":"证件照片模糊"}`),
	)

	config := providerBlock(server)
	for _, ticket := range []string{"not-submitted", "in-review", "passed", "failed"} {
		config += fmt.Sprintf(`
data "cloudauth_verification_status" %q {
  biz       = "RPBasic"
  ticket_id = %q
}
`, ticket, ticket)
	}

	var checks []statecheck.StateCheck
	null := knownvalue.Null()
	for ticket, want := range map[string]map[string]knownvalue.Check{
		"not-submitted": {"status_code": knownvalue.Int64Exact(-1),
			"status": knownvalue.StringExact("not_submitted"), "passed": knownvalue.Bool(false),
			"similarity_score": null, "authority_comparison_score": null,
			"audit_conclusions": null},
		"in-review": {"status_code": knownvalue.Int64Exact(0),
			"status": knownvalue.StringExact("in_review"), "passed": knownvalue.Bool(false),
			"similarity_score": null},
		"passed": {"status_code": knownvalue.Int64Exact(1),
			"status": knownvalue.StringExact("passed"), "passed": knownvalue.Bool(true),
			"similarity_score": number("100"), "authority_comparison_score": number("0"),
			"audit_conclusions": null},
		"failed": {"status_code": knownvalue.Int64Exact(2),
			"status": knownvalue.StringExact("failed"), "passed": knownvalue.Bool(false),
			"similarity_score": number("12.5"), "authority_comparison_score": null,
			"audit_conclusions": knownvalue.StringExact("证件照片模糊")},
	} {
		checks = append(checks,
			expectValues("data.cloudauth_verification_status."+ticket, want)...)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps:                    []resource.TestStep{{Config: config, ConfigStateChecks: checks}},
	})
}

func TestAccVerificationStatus_reservedCharacters(t *testing.T) {
	const (
		biz    = "RP Basic*~+/=&%场景"
		ticket = "ticket 1*~+/=&%票据"
	)
	server := newMock(t, fixture(biz, ticket, `{"StatusCode":2,"SimilarityScore":61.07}`))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + fmt.Sprintf(`
data "cloudauth_verification_status" "odd" {
  biz       = %s
  ticket_id = %s
}
`, hcl(biz), hcl(ticket)),
			ConfigStateChecks: expectValues("data.cloudauth_verification_status.odd",
				map[string]knownvalue.Check{
					"biz":              knownvalue.StringExact(biz),
					"ticket_id":        knownvalue.StringExact(ticket),
					"status_code":      knownvalue.Int64Exact(2),
					"similarity_score": number("61.07"),
				}),
		}},
	})

	reqs := requestsFor(server, ticket)
	if len(reqs) == 0 {
		t.Fatal("the mock received no request for the ticket")
	}
	for _, req := range reqs {
		if req.Code != "" || req.Params["Biz"] != biz {
			t.Errorf("Biz %q answered %q", req.Params["Biz"], req.Code)
		}
	}
}

func TestAccVerificationStatus_securityToken(t *testing.T) {
	server := newMock(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "cloudauth" {
  endpoint       = %q
  access_key     = %q
  secret_key     = %q
  security_token = %q
}

data "cloudauth_verification_status" "sts" {
  biz       = "RPBasic"
  ticket_id = %q
}
`, server.URL, testSTSKeyID, testSTSKey, testToken, exampleTicket),
			ConfigStateChecks: expectValues("data.cloudauth_verification_status.sts",
				map[string]knownvalue.Check{
					"status_code":      knownvalue.Int64Exact(1),
					"similarity_score": number("93.12"),
				}),
		}},
	})

	reqs := requestsFor(server, exampleTicket)
	if len(reqs) == 0 {
		t.Fatal("no request reached the mock")
	}
	for _, req := range reqs {
		if req.Params["SecurityToken"] != testToken || req.Params["AccessKeyId"] != testSTSKeyID {
			t.Errorf("sent AccessKeyId %q SecurityToken %q", req.Params["AccessKeyId"],
				req.Params["SecurityToken"])
		}
	}
}

func TestAccVerificationStatus_environmentCredentials(t *testing.T) {
	server := newMock(t)
	t.Setenv("ALICLOUD_ACCESS_KEY", testKeyID)
	t.Setenv("ALICLOUD_SECRET_KEY", testSecret)
	t.Setenv("CLOUDAUTH_ENDPOINT", server.URL)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: `
data "cloudauth_verification_status" "env" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}
`,
			ConfigStateChecks: expectValues("data.cloudauth_verification_status.env",
				map[string]knownvalue.Check{"status_code": knownvalue.Int64Exact(1)}),
		}},
	})
}

// errorCase is a failure the data source must report with the service's code, its request
// id and advice.
type errorCase struct {
	name   string
	fault  *mock.Fault
	config func(*mock.Server) string
	// expect is what the diagnostic holds, in order: see diagRegexp.
	expect []any
}

func TestAccVerificationStatus_errors(t *testing.T) {
	data := readExample
	withKeys := func(id, secret string) func(*mock.Server) string {
		return func(s *mock.Server) string {
			return fmt.Sprintf("provider \"cloudauth\" {\n  endpoint = %q\n  access_key = %q\n"+
				"  secret_key = %q\n  max_retries = 0\n}\n", s.URL, id, secret) + data
		}
	}
	standard := withKeys(testKeyID, testSecret)

	cases := []errorCase{
		{name: "internal error", fault: &mock.Fault{Kind: mock.FaultError,
			Code: "Error.InternalError"}, config: standard,
			expect: []any{"Cloudauth Internal Error", "Code: Error.InternalError",
				requestIDPattern, "HTTP status: 500", "contact Alibaba Cloud support"}},
		{name: "parameter missing", fault: &mock.Fault{Kind: mock.FaultError,
			Code: "InvalidParam.ParamMissing"}, config: standard,
			expect: []any{"Missing Request Parameter", "Code: InvalidParam.ParamMissing",
				requestIDPattern, "HTTP status: 400", "biz and ticket_id"}},
		{name: "parameters missing spelling", fault: &mock.Fault{Kind: mock.FaultError,
			Code: "InvalidParam.ParamsMissing", HTTPStatus: 400}, config: standard,
			expect: []any{"Missing Request Parameter", "Code: InvalidParam.ParamsMissing"}},
		{name: "not activated", fault: &mock.Fault{Kind: mock.FaultError,
			Code: "Error.NoPermissionAccess"}, config: standard,
			expect: []any{"Cloudauth Not Activated", "Code: Error.NoPermissionAccess",
				"HTTP status: 403", "Activate it in the Alibaba Cloud console"}},
		{name: "no permission", fault: &mock.Fault{Kind: mock.FaultError,
			Code: "NoPermission"}, config: standard,
			expect: []any{"Permission Denied", "Code: NoPermission", "HTTP status: 403",
				"may not call cloudauth GetStatus"}},
		{name: "success false", fault: &mock.Fault{Kind: mock.FaultSuccessFalse,
			Code: "NoPermission"}, config: standard,
			expect: []any{"Permission Denied", "Code: NoPermission", "HTTP status: 200"}},
		{name: "wrong secret", config: withKeys(testKeyID, "not-the-secret"),
			expect: []any{"Request Signature Rejected", "Code: SignatureDoesNotMatch",
				requestIDPattern, "HTTP status: 400", "Check secret_key"}},
		{name: "unknown access key", config: withKeys("LTAI5tUnknown", testSecret),
			expect: []any{"Access Key Rejected", "Code: InvalidAccessKeyId.NotFound",
				requestIDPattern, "HTTP status: 404", "Check access_key"}},
		{name: "unknown scene", config: func(s *mock.Server) string {
			return providerBlock(s) + `
data "cloudauth_verification_status" "applicant" {
  biz       = "NoSuchScene"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}
`
		}, expect: []any{"Unknown Verification Scene",
			`with data.cloudauth_verification_status.applicant`,
			`biz = "NoSuchScene"`, "Code: InvalidParam.InvalidBiz", "HTTP status: 400",
			"scene created in the cloudauth console"}},
		{name: "HTML from a proxy", fault: &mock.Fault{Kind: mock.FaultHTML, HTTPStatus: 403},
			config: standard, expect: []any{"Unreadable Cloudauth Response",
				"HTTP status 403", "an HTML page", "Check the endpoint and proxy"}},
		{name: "throttled past retries", fault: &mock.Fault{Kind: mock.FaultThrottle},
			config: standard, expect: []any{"Request Throttled", "Code: Throttling.User",
				"Attempts: 1", "raise max_retries"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server := newMock(t)
			if tc.fault != nil {
				if err := server.Inject(*tc.fault); err != nil {
					t.Fatal(err)
				}
			}

			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      tc.config(server),
					ExpectError: diagRegexp(tc.expect...),
				}},
			})
		})
	}
}

func TestAccVerificationStatus_timestampExpired(t *testing.T) {
	server, err := mock.New(mock.Config{
		Credentials: []mock.Credential{{AccessKeyID: testKeyID, AccessKeySecret: testSecret}},
		Scenes:      []string{exampleBiz},
	}, mock.WithClock(func() time.Time { return time.Now().Add(20 * time.Minute) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + readExample,
			ExpectError: diagRegexp("Request Timestamp Rejected",
				"Code: InvalidTimeStamp.Expired", "Synchronize this machine's clock"),
		}},
	})

	if reqs := server.Requests(); len(reqs) != 1 {
		t.Errorf("%d requests, want 1: a rejected timestamp is not retried", len(reqs))
	}
}

func TestAccVerificationStatus_retriesToSuccessWithFreshNonces(t *testing.T) {
	const ticket = "retried-ticket"
	server := newMock(t, fixture(exampleBiz, ticket, `{"StatusCode":1,"SimilarityScore":88.5}`))
	if err := server.Inject(
		mock.Fault{Kind: mock.FaultThrottle, Times: 2, TicketID: ticket},
		mock.Fault{Kind: mock.FaultUnavailable, Times: 1, TicketID: ticket},
	); err != nil {
		t.Fatal(err)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + `
data "cloudauth_verification_status" "retried" {
  biz       = "RPBasic"
  ticket_id = "retried-ticket"
}
`,
			ConfigStateChecks: expectValues("data.cloudauth_verification_status.retried",
				map[string]knownvalue.Check{
					"status_code":      knownvalue.Int64Exact(1),
					"similarity_score": number("88.5"),
				}),
		}},
	})

	reqs := requestsFor(server, ticket)
	wantCodes := []string{"Throttling.User", "Throttling.User", "ServiceUnavailable", ""}
	if len(reqs) < len(wantCodes) {
		t.Fatalf("%d requests, want at least %d", len(reqs), len(wantCodes))
	}
	nonces := map[string]bool{}
	for i, req := range reqs {
		if i < len(wantCodes) && req.Code != wantCodes[i] {
			t.Errorf("attempt %d answered %q, want %q", i+1, req.Code, wantCodes[i])
		}
		if nonces[req.Params["SignatureNonce"]] {
			t.Errorf("attempt %d reuses nonce %s", i+1, req.Params["SignatureNonce"])
		}
		nonces[req.Params["SignatureNonce"]] = true
	}
}

func TestAccVerificationStatus_ticketUnknownAtPlan(t *testing.T) {
	server := newMock(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + `
resource "terraform_data" "ticket" {
  input = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}

data "cloudauth_verification_status" "later" {
  biz       = "RPBasic"
  ticket_id = terraform_data.ticket.output
}
`,
			ConfigStateChecks: expectValues("data.cloudauth_verification_status.later",
				map[string]knownvalue.Check{
					"ticket_id":   knownvalue.StringExact(exampleTicket),
					"status_code": knownvalue.Int64Exact(1),
				}),
		}},
	})
}

func TestAccVerificationStatus_missingCredentialsSendsNothing(t *testing.T) {
	server := newMock(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "cloudauth" {
  endpoint = %q
}

data "cloudauth_verification_status" "applicant" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}
`, server.URL),
			ExpectError: diagRegexp("Missing Credentials", "Set access_key and secret_key",
				"ALIBABA_CLOUD_ACCESS_KEY_ID"),
		}},
	})

	if n := len(server.Requests()); n != 0 {
		t.Errorf("the mock received %d requests, want none", n)
	}
}

func TestAccVerificationStatus_emptyArgumentsRejectedAtPlan(t *testing.T) {
	server := newMock(t)

	for _, attr := range []string{"biz", "ticket_id"} {
		values := map[string]string{"biz": "RPBasic", "ticket_id": exampleTicket}
		values[attr] = ""

		t.Run(attr, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: providerBlock(server) + fmt.Sprintf(`
data "cloudauth_verification_status" "empty" {
  biz       = %q
  ticket_id = %q
}
`, values["biz"], values["ticket_id"]),
					PlanOnly: true,
					ExpectError: diagRegexp(
						"Attribute " + attr + " string length must be at least 1"),
				}},
			})
		})
	}

	if n := len(server.Requests()); n != 0 {
		t.Errorf("the mock received %d requests, want none", n)
	}
}
