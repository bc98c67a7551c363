package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// The gating guide's examples, run as they are written against the mock.

// gatingExample returns an example of examples/gating.
func gatingExample(t *testing.T, name string) string {
	t.Helper()

	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", "gating", name))
	if err != nil {
		t.Fatal(err)
	}

	return string(raw)
}

const secondTicket = "5b7e0c42-9a1d-4f3e-8c6b-2d9f1a7e4c30"

// checkStatus expects the check block named address to have ended with status.
type checkStatus struct {
	address string
	status  tfjson.CheckStatus
}

func (c checkStatus) CheckState(_ context.Context, req statecheck.CheckStateRequest,
	resp *statecheck.CheckStateResponse) {
	for i := range req.State.Checks {
		check := &req.State.Checks[i]
		if check.Address.ToDisplay == c.address {
			if check.Status != c.status {
				resp.Error = fmt.Errorf("%s ended %s, want %s", c.address, check.Status,
					c.status)
			}
			return
		}
	}

	resp.Error = fmt.Errorf("the state records no check %s", c.address)
}

func TestAccGating_checkBlock(t *testing.T) {
	passed := newMock(t)
	failed := newMock(t, fixture(exampleBiz, exampleTicket, `{"StatusCode":2}`))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(passed) + gatingExample(t, "check.tf"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.cloudauth_verification_status.applicant",
						tfjsonpath.New("passed"), knownvalue.Bool(true)),
					checkStatus{"check.applicant_verified", tfjson.CheckStatusPass},
				},
			},
			{
				// A failed assertion is a warning: the run goes on and records it.
				Config: providerBlock(failed) + gatingExample(t, "check.tf"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.cloudauth_verification_status.applicant",
						tfjsonpath.New("passed"), knownvalue.Bool(false)),
					checkStatus{"check.applicant_verified", tfjson.CheckStatusFail},
				},
			},
		},
	})
}

func TestAccGating_preconditionPasses(t *testing.T) {
	server := newMock(t)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   functionsVersion,
		Steps: []resource.TestStep{{
			Config: providerBlock(server) + gatingExample(t, "precondition.tf"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("terraform_data.onboarding",
					tfjsonpath.New("output"), knownvalue.StringExact(exampleTicket)),
			},
		}},
	})
}

func TestAccGating_preconditionStopsTheApply(t *testing.T) {
	cases := []struct {
		name, data, expect string
	}{
		{"not passed", `{"StatusCode":2,"AuthorityComparisonScore":97}`,
			"The applicant has not passed real-person verification."},
		{"score below the 0.01% threshold", `{"StatusCode":1,"AuthorityComparisonScore":89.99}`,
			"The face does not match the authoritative records at a 0.01% false-accept rate."},
		{"no score", `{"StatusCode":1}`,
			"The face does not match the authoritative records at a 0.01% false-accept rate."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server, err := mock.New(mock.Config{
				Credentials: []mock.Credential{
					{AccessKeyID: testKeyID, AccessKeySecret: testSecret},
				},
				Fixtures: []mock.Fixture{fixture(exampleBiz, exampleTicket, tc.data)},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(server.Close)

			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				TerraformVersionChecks:   functionsVersion,
				Steps: []resource.TestStep{{
					Config:      providerBlock(server) + gatingExample(t, "precondition.tf"),
					ExpectError: diagRegexp("Resource precondition failed", tc.expect),
				}},
			})
		})
	}
}

func TestAccGating_bulk(t *testing.T) {
	passed := newMock(t, fixture(exampleBiz, secondTicket, `{"StatusCode":1}`))
	pending := newMock(t, fixture(exampleBiz, secondTicket, `{"StatusCode":0}`))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(passed) + gatingExample(t, "bulk.tf"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("terraform_data.batch_onboarding",
						tfjsonpath.New("output"), knownvalue.ListExact([]knownvalue.Check{
							knownvalue.StringExact(exampleTicket),
							knownvalue.StringExact(secondTicket),
						})),
				},
			},
			{
				Config: providerBlock(pending) + gatingExample(t, "bulk.tf"),
				ExpectError: diagRegexp("Resource precondition failed",
					"Not yet passed: "+secondTicket+"."),
			},
		},
	})
}

func TestAccGating_ephemeral(t *testing.T) {
	server := newMock(t)
	failed := newMock(t, fixture(exampleBiz, exampleTicket, `{"StatusCode":2}`))

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   ephemeralVersion,
		Steps: []resource.TestStep{
			{
				Config:            providerBlock(server) + gatingExample(t, "ephemeral.tf"),
				ConfigStateChecks: []statecheck.StateCheck{stateLacks{"93.12", "98.13"}},
			},
			{
				Config: providerBlock(failed) + gatingExample(t, "ephemeral.tf"),
				ExpectError: diagRegexp("Resource precondition failed",
					"The applicant has not passed"),
			},
		},
	})
}
