package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// Provider-defined functions arrived in Terraform 1.8 (OpenTofu 1.7).
var functionsVersion = []tfversion.TerraformVersionCheck{
	tfversion.SkipBelow(tfversion.Version1_8_0),
}

func TestAccFunctions_farThreshold(t *testing.T) {
	config := ""
	checks := []statecheck.StateCheck{}
	for _, tc := range []struct {
		rate      string
		threshold int64
	}{{"0.001%", 95}, {"0.01%", 90}, {"0.1%", 80}, {"1%", 60}} {
		name := fmt.Sprintf("threshold_%d", tc.threshold)
		config += fmt.Sprintf("output %q {\n  value = provider::cloudauth::far_threshold(%q)\n}\n",
			name, tc.rate)
		checks = append(checks,
			statecheck.ExpectKnownOutputValue(name, knownvalue.Int64Exact(tc.threshold)))
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   functionsVersion,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: checks},
			{
				Config: `output "bad" { value = provider::cloudauth::far_threshold("0.05%") }`,
				ExpectError: diagRegexp(`"0.05%" is not a false-accept rate with a reference`,
					`threshold; use one of "0.001%", "0.01%", "0.1%", "1%".`),
			},
		},
	})
}

func TestAccFunctions_statusName(t *testing.T) {
	config := ""
	checks := []statecheck.StateCheck{}
	for code, name := range map[int]string{
		-1: "not_submitted", 0: "in_review", 1: "passed", 2: "failed",
	} {
		output := fmt.Sprintf("code_%d", code+1)
		config += fmt.Sprintf("output %q {\n  value = provider::cloudauth::status_name(%d)\n}\n",
			output, code)
		checks = append(checks,
			statecheck.ExpectKnownOutputValue(output, knownvalue.StringExact(name)))
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   functionsVersion,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: checks},
			{
				Config: `output "bad" { value = provider::cloudauth::status_name(3) }`,
				ExpectError: diagRegexp(
					"3 is not a status code; the service defines -1, 0, 1 and 2."),
			},
		},
	})
}
