package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// farThresholds are the service's reference thresholds of authority_comparison_score for
// each false-accept rate, strictest first.
var farThresholds = []struct {
	rate      string
	threshold int64
}{
	{"0.001%", 95}, {"0.01%", 90}, {"0.1%", 80}, {"1%", 60},
}

// farThresholdFunction maps a false-accept rate to its reference score threshold.
type farThresholdFunction struct{}

var _ function.Function = farThresholdFunction{}

// NewFarThresholdFunction returns the far_threshold function.
func NewFarThresholdFunction() function.Function {
	return farThresholdFunction{}
}

// Metadata names the function.
func (farThresholdFunction) Metadata(
	_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse,
) {
	resp.Name = "far_threshold"
}

// Definition describes the function.
func (farThresholdFunction) Definition(
	_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse,
) {
	resp.Definition = function.Definition{
		Summary: "Reference score threshold for a false-accept rate",
		Description: "Returns the authority_comparison_score at or above which a face " +
			"matches with the given false-accept rate, by the service's reference table: " +
			farTable() + ". A reference for gating: the verdict is still status_code.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:        "rate",
				Description: "False-accept rate, written as in the table: " + farRates() + ".",
			},
		},
		Return: function.Int64Return{},
	}
}

// Run returns the threshold, or an error listing the accepted rates.
func (farThresholdFunction) Run(
	ctx context.Context, req function.RunRequest, resp *function.RunResponse,
) {
	var rate string
	resp.Error = req.Arguments.Get(ctx, &rate)
	if resp.Error != nil {
		return
	}

	for _, entry := range farThresholds {
		if entry.rate == rate {
			resp.Error = resp.Result.Set(ctx, entry.threshold)
			return
		}
	}

	resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("%q is not a false-accept "+
		"rate with a reference threshold; use one of %s", rate, farRates()))
}

func farRates() string {
	rates := make([]string, len(farThresholds))
	for i, entry := range farThresholds {
		rates[i] = `"` + entry.rate + `"`
	}

	return strings.Join(rates, ", ")
}

func farTable() string {
	pairs := make([]string, len(farThresholds))
	for i, entry := range farThresholds {
		pairs[i] = fmt.Sprintf("%s → %d", entry.rate, entry.threshold)
	}

	return strings.Join(pairs, ", ")
}

// statusNameFunction maps a status code to its name.
type statusNameFunction struct{}

var _ function.Function = statusNameFunction{}

// NewStatusNameFunction returns the status_name function.
func NewStatusNameFunction() function.Function {
	return statusNameFunction{}
}

// Metadata names the function.
func (statusNameFunction) Metadata(
	_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse,
) {
	resp.Name = "status_name"
}

// Definition describes the function.
func (statusNameFunction) Definition(
	_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse,
) {
	resp.Definition = function.Definition{
		Summary: "Name of a verification status code",
		Description: "Returns the name of a GetStatus status code, as the `status` " +
			"attribute has it: -1 → `not_submitted`, 0 → `in_review`, 1 → `passed`, " +
			"2 → `failed`.",
		Parameters: []function.Parameter{
			function.Int64Parameter{
				Name:        "code",
				Description: "Status code: -1, 0, 1 or 2.",
			},
		},
		Return: function.StringReturn{},
	}
}

// Run returns the name, or an error for a code the service does not define.
func (statusNameFunction) Run(
	ctx context.Context, req function.RunRequest, resp *function.RunResponse,
) {
	var code int64
	resp.Error = req.Arguments.Get(ctx, &code)
	if resp.Error != nil {
		return
	}

	name, ok := cloudauth.StatusName(code)
	if !ok {
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("%d is not a status "+
			"code; the service defines -1, 0, 1 and 2", code))
		return
	}

	resp.Error = resp.Result.Set(ctx, name)
}
