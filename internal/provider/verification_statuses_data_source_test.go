package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

func TestAccVerificationStatuses_readsEveryTicket(t *testing.T) {
	server := newMock(t,
		fixture(exampleBiz, "t-review", `{"StatusCode":0}`),
		fixture(exampleBiz, "t-failed", `{"StatusCode":2,"SimilarityScore":40.5,`+
			`"AuditConclusions":"非身份证照片"}`),
	)
	if err := server.Inject(mock.Fault{Kind: mock.FaultThrottle, Times: 1,
		TicketID: "t-failed"}); err != nil {
		t.Fatal(err)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server, "max_concurrency = 2", "requests_per_second = 20") + `
data "cloudauth_verification_statuses" "batch" {
  biz        = "RPBasic"
  ticket_ids = ["39ecf51e-2f81-4dc5-90ee-ff86125be683", "t-review", "t-failed", "t-none"]
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.cloudauth_verification_statuses.batch",
					tfjsonpath.New("id"), knownvalue.StringExact("RPBasic/4")),
				statecheck.ExpectKnownValue("data.cloudauth_verification_statuses.batch",
					tfjsonpath.New("statuses"), knownvalue.MapExact(map[string]knownvalue.Check{
						exampleTicket: knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"status_code":                knownvalue.Int64Exact(1),
							"passed":                     knownvalue.Bool(true),
							"similarity_score":           number("93.12"),
							"authority_comparison_score": number("98.13"),
						}),
						"t-review": knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"status_code":      knownvalue.Int64Exact(0),
							"status":           knownvalue.StringExact("in_review"),
							"passed":           knownvalue.Bool(false),
							"similarity_score": knownvalue.Null(),
						}),
						"t-failed": knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"status_code":       knownvalue.Int64Exact(2),
							"similarity_score":  number("40.5"),
							"audit_conclusions": knownvalue.StringExact("非身份证照片"),
						}),
						"t-none": knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"status_code": knownvalue.Int64Exact(-1),
							"status":      knownvalue.StringExact("not_submitted"),
						}),
					})),
			},
		}},
	})

	if reqs := requestsFor(server, "t-failed"); len(reqs) < 2 || reqs[0].Code != "Throttling.User" {
		t.Errorf("t-failed was not retried after throttling: %d requests", len(reqs))
	}
}

func TestAccVerificationStatuses_failsNamingEveryFailedTicket(t *testing.T) {
	server := newMock(t, fixture(exampleBiz, "t-ok", `{"StatusCode":1}`))
	if err := server.Inject(
		mock.Fault{Kind: mock.FaultError, Code: "Error.InternalError", TicketID: "t-broken"},
		mock.Fault{Kind: mock.FaultSuccessFalse, Code: "NoPermission", TicketID: "t-denied"},
	); err != nil {
		t.Fatal(err)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server, "max_retries = 0") + `
data "cloudauth_verification_statuses" "batch" {
  biz        = "RPBasic"
  ticket_ids = ["t-ok", "t-broken", "t-denied"]
}
`,
			ExpectError: diagRegexp("Verification Statuses Unreadable",
				`2 of 3 tickets in scene "RPBasic" could not be read, so no status is reported`,
				`- "t-broken": Cloudauth Internal Error. Code: Error.InternalError`,
				`- "t-denied": Permission Denied. Code: NoPermission`),
		}},
	})
}

func TestAccVerificationStatuses_ticketCountBounded(t *testing.T) {
	ids := make([]string, maxBulkTickets+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("%q", fmt.Sprintf("t-%d", i))
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "cloudauth_verification_statuses" "batch" {
  biz        = "RPBasic"
  ticket_ids = [%s]
}
`, strings.Join(ids, ", ")),
			PlanOnly: true,
			ExpectError: diagRegexp("Attribute ticket_ids set must contain at least 1 elements",
				"and at most 1000 elements, got: 1001"),
		}},
	})
}
