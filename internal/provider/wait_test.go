package provider

import (
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// inReview answers a ticket as still in review, ahead of its fixture.
func inReview(ticket string, times int) mock.Fault {
	return mock.Fault{Kind: mock.FaultBody, TicketID: ticket, Times: times,
		ContentType: "application/json",
		Body:        `{"RequestId":"R-review","Data":{"StatusCode":0},"Success":true}`}
}

func TestAccVerificationStatus_waitsForFinalStatus(t *testing.T) {
	const ticket = "reviewed-soon"
	server := newMock(t, fixture(exampleBiz, ticket, `{"StatusCode":1,"SimilarityScore":91}`))
	if err := server.Inject(inReview(ticket, 2)); err != nil {
		t.Fatal(err)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + `
data "cloudauth_verification_status" "waited" {
  biz       = "RPBasic"
  ticket_id = "reviewed-soon"

  wait {
    timeout       = "30s"
    poll_interval = "100ms"
  }
}
`,
			ConfigStateChecks: expectValues("data.cloudauth_verification_status.waited",
				map[string]knownvalue.Check{
					"status_code":      knownvalue.Int64Exact(1),
					"passed":           knownvalue.Bool(true),
					"similarity_score": number("91"),
				}),
		}},
	})

	reqs := requestsFor(server, ticket)
	if len(reqs) < 3 || reqs[0].Fault != mock.FaultBody || reqs[1].Fault != mock.FaultBody ||
		reqs[2].Fault != "" {
		t.Errorf("want two in-review answers, then the final one; got %d requests", len(reqs))
	}
}

func TestAccVerificationStatus_waitTimesOutWithLastStatus(t *testing.T) {
	server := newMock(t, fixture(exampleBiz, "stuck", `{"StatusCode":0}`))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + `
data "cloudauth_verification_status" "waited" {
  biz       = "RPBasic"
  ticket_id = "stuck"

  wait {
    timeout       = "1s"
    poll_interval = "200ms"
  }
}
`,
			ExpectError: diagRegexp("Verification Not Final In Time",
				`Ticket "stuck" in scene "RPBasic" did not reach a final status`,
				"within the wait timeout of 1s", "Last status: in_review (status code 0)"),
		}},
	})

	if n := len(requestsFor(server, "stuck")); n < 3 || n > 7 {
		t.Errorf("%d reads within a 1s timeout at 200ms intervals, want 3 to 7", n)
	}
}

func TestAccVerificationStatus_waitRejectsBadDurations(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: `
data "cloudauth_verification_status" "waited" {
  biz       = "RPBasic"
  ticket_id = "t"

  wait {
    poll_interval = "often"
  }
}
`,
			PlanOnly:    true,
			ExpectError: diagRegexp("Invalid Duration", `"often" is not a positive duration`),
		}},
	})
}

func TestAccVerificationStatus_waitTimeoutBoundsAHangingRead(t *testing.T) {
	server := newMock(t)
	if err := server.Inject(mock.Fault{Kind: mock.FaultDelay,
		Delay: mock.Duration(30 * time.Second)}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server, `request_timeout = "20s"`) + `
data "cloudauth_verification_status" "waited" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"

  wait {
    timeout       = "1s"
    poll_interval = "200ms"
  }
}
`,
			ExpectError: diagRegexp("Verification Not Final In Time",
				"within the wait timeout of 1s",
				"Last status: none: no read answered within the timeout"),
		}},
	})

	if elapsed := time.Since(start); elapsed > 15*time.Second {
		t.Errorf("the run took %s: the wait timeout did not cut the hanging read", elapsed)
	}
}

func TestAccVerificationStatus_waitPollIntervalHasAFloor(t *testing.T) {
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: `
data "cloudauth_verification_status" "waited" {
  biz       = "RPBasic"
  ticket_id = "t"

  wait {
    poll_interval = "1ns"
  }
}
`,
			PlanOnly: true,
			ExpectError: diagRegexp("Invalid Duration",
				`"1ns" is shorter than the least allowed, 100ms.`),
		}},
	})
}
