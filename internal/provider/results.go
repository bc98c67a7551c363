package provider

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	ephschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// statusResult is what every reader of a ticket's status returns: the single and bulk
// data sources and the ephemeral resource.
type statusResult struct {
	StatusCode               types.Int64  `tfsdk:"status_code"`
	Status                   types.String `tfsdk:"status"`
	Passed                   types.Bool   `tfsdk:"passed"`
	AuthorityComparisonScore types.Number `tfsdk:"authority_comparison_score"`
	SimilarityScore          types.Number `tfsdk:"similarity_score"`
	AuditConclusions         types.String `tfsdk:"audit_conclusions"`
	RequestID                types.String `tfsdk:"request_id"`
}

// newStatusResult converts status, leaving null what the service left out.
func newStatusResult(status *cloudauth.Status) statusResult {
	name, _ := cloudauth.StatusName(status.StatusCode)
	requestID := types.StringNull()
	if status.RequestID != "" {
		requestID = types.StringValue(status.RequestID)
	}

	return statusResult{
		StatusCode:               types.Int64Value(status.StatusCode),
		Status:                   types.StringValue(name),
		Passed:                   types.BoolValue(status.Passed()),
		AuthorityComparisonScore: decimalValue(status.AuthorityComparisonScore),
		SimilarityScore:          decimalValue(status.SimilarityScore),
		AuditConclusions:         types.StringPointerValue(status.AuditConclusions),
		RequestID:                requestID,
	}
}

func decimalValue(d *cloudauth.Decimal) types.Number {
	if d == nil {
		return types.NumberNull()
	}

	return types.NumberValue(d.BigFloat())
}

// notBlank refuses a biz or ticket id of white space alone, which no scene or ticket is.
var notBlank = []validator.String{
	stringvalidator.LengthAtLeast(1),
	stringvalidator.RegexMatches(regexp.MustCompile(`\S`), "must not be blank"),
}

// Descriptions of the arguments every reader of one ticket takes.
const (
	bizDescription = "Verification scene, as created in the cloudauth console (for " +
		"example `RPBasic`)."
	ticketIDDescription = "Ticket the verification was started with. Free text, often a " +
		"UUID; any Unicode character is allowed."
)

// resultField describes one result attribute once, for every schema that has it.
type resultField struct {
	name        string
	kind        attr.Type
	description string
}

var resultFields = []resultField{
	{"status_code", types.Int64Type, "Status code the service reported: -1 not submitted, " +
		"0 in review, 1 passed, 2 failed (the ticket may be submitted again)."},
	{"status", types.StringType, "Name of the status code: `not_submitted`, `in_review`, " +
		"`passed` or `failed`."},
	{"passed", types.BoolType, "Whether the verification passed: true only when the " +
		"service answered successfully with status code 1."},
	{"authority_comparison_score", types.NumberType, "Score from 0 to 100 comparing the " +
		"face photo with authoritative records, exactly as the service wrote it. Null when " +
		"the service did not report one. A reference only: the verdict is `status_code`."},
	{"similarity_score", types.NumberType, "Score from 0 to 100 comparing the face photo " +
		"with the ID card portrait, exactly as the service wrote it. Null when the service " +
		"did not report one."},
	{"audit_conclusions", types.StringType, "Why a failed verification failed, as the " +
		"service wrote it (often in Chinese). Null when the service did not report any."},
	{"request_id", types.StringType, "Id the service gave the request that answered, " +
		"for support."},
}

// dataSourceResultAttributes returns the result attributes for a data source schema.
func dataSourceResultAttributes() map[string]dsschema.Attribute {
	attrs := map[string]dsschema.Attribute{}
	for _, f := range resultFields {
		switch f.kind {
		case types.Int64Type:
			attrs[f.name] = dsschema.Int64Attribute{Computed: true, Description: f.description}
		case types.BoolType:
			attrs[f.name] = dsschema.BoolAttribute{Computed: true, Description: f.description}
		case types.NumberType:
			attrs[f.name] = dsschema.NumberAttribute{Computed: true, Description: f.description}
		default:
			attrs[f.name] = dsschema.StringAttribute{Computed: true, Description: f.description}
		}
	}

	return attrs
}

// ephemeralResultAttributes returns the result attributes for an ephemeral resource.
func ephemeralResultAttributes() map[string]ephschema.Attribute {
	attrs := map[string]ephschema.Attribute{}
	for _, f := range resultFields {
		switch f.kind {
		case types.Int64Type:
			attrs[f.name] = ephschema.Int64Attribute{Computed: true, Description: f.description}
		case types.BoolType:
			attrs[f.name] = ephschema.BoolAttribute{Computed: true, Description: f.description}
		case types.NumberType:
			attrs[f.name] = ephschema.NumberAttribute{Computed: true,
				Description: f.description}
		default:
			attrs[f.name] = ephschema.StringAttribute{Computed: true,
				Description: f.description}
		}
	}

	return attrs
}
