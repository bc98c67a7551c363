package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// ephemeralVersion skips where the CLI has no ephemeral resources: Terraform before 1.10,
// OpenTofu before 1.11 (which reports itself by the Terraform version it matches).
var ephemeralVersion = []tfversion.TerraformVersionCheck{
	tfversion.SkipBelow(tfversion.Version1_10_0),
}

// ephemeralProviders adds the echo provider, which copies an ephemeral value into state
// so that a test can look at it.
var ephemeralProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"cloudauth": testAccProviders["cloudauth"],
	"echo":      echoprovider.NewProviderServer(),
}

func TestAccVerificationStatusEphemeral_readsTheTicket(t *testing.T) {
	server := newMock(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: ephemeralProviders,
		TerraformVersionChecks:   ephemeralVersion,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + `
ephemeral "cloudauth_verification_status" "applicant" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}

provider "echo" {
  data = ephemeral.cloudauth_verification_status.applicant
}

resource "echo" "copy" {}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.copy", tfjsonpath.New("data"),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"biz":                        knownvalue.StringExact(exampleBiz),
						"ticket_id":                  knownvalue.StringExact(exampleTicket),
						"status_code":                knownvalue.Int64Exact(1),
						"status":                     knownvalue.StringExact("passed"),
						"passed":                     knownvalue.Bool(true),
						"similarity_score":           number("93.12"),
						"authority_comparison_score": number("98.13"),
						"audit_conclusions":          knownvalue.StringExact("不通过原因"),
					})),
			},
		}},
	})
}

// stateLacks fails when the state, as JSON, holds any of the given strings.
type stateLacks []string

func (s stateLacks) CheckState(_ context.Context, req statecheck.CheckStateRequest,
	resp *statecheck.CheckStateResponse) {
	raw, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	for _, text := range s {
		if strings.Contains(string(raw), text) {
			resp.Error = fmt.Errorf("the state holds %q: %s", text, raw)
			return
		}
	}
}

func TestAccVerificationStatusEphemeral_nothingReachesState(t *testing.T) {
	server := newMock(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   ephemeralVersion,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + `
ephemeral "cloudauth_verification_status" "applicant" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}

resource "terraform_data" "gate" {
  lifecycle {
    precondition {
      condition     = ephemeral.cloudauth_verification_status.applicant.passed
      error_message = "The applicant has not passed verification."
    }
  }
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				stateLacks{exampleTicket, "93.12", "98.13", "不通过原因", "request_id",
					`"type":"cloudauth_verification_status"`},
			},
		}},
	})

	if len(requestsFor(server, exampleTicket)) == 0 {
		t.Error("the ephemeral resource never read the ticket")
	}
}
