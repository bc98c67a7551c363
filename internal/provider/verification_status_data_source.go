package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// verificationStatusDataSource reads one verification ticket's status.
type verificationStatusDataSource struct {
	data *providerData
}

var (
	_ datasource.DataSource              = (*verificationStatusDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*verificationStatusDataSource)(nil)
)

// NewVerificationStatusDataSource returns the cloudauth_verification_status data source.
func NewVerificationStatusDataSource() datasource.DataSource {
	return &verificationStatusDataSource{}
}

// verificationStatusModel is the data source's arguments and results.
type verificationStatusModel struct {
	Biz                      types.String `tfsdk:"biz"`
	TicketID                 types.String `tfsdk:"ticket_id"`
	ID                       types.String `tfsdk:"id"`
	StatusCode               types.Int64  `tfsdk:"status_code"`
	Status                   types.String `tfsdk:"status"`
	Passed                   types.Bool   `tfsdk:"passed"`
	AuthorityComparisonScore types.Number `tfsdk:"authority_comparison_score"`
	SimilarityScore          types.Number `tfsdk:"similarity_score"`
	AuditConclusions         types.String `tfsdk:"audit_conclusions"`
	RequestID                types.String `tfsdk:"request_id"`
}

func (d *verificationStatusDataSource) Metadata(
	_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse,
) {
	resp.TypeName = req.ProviderTypeName + "_verification_status"
}

func (d *verificationStatusDataSource) Schema(
	_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse,
) {
	resp.Schema = schema.Schema{
		Description: "Reads where one real-person verification ticket stands: its status " +
			"code, whether it passed, its scores and the audit conclusions, from the " +
			"cloudauth GetStatus API.",
		Attributes: map[string]schema.Attribute{
			"biz": schema.StringAttribute{
				Required: true,
				Description: "Verification scene, as created in the cloudauth console " +
					"(for example `RPBasic`).",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"ticket_id": schema.StringAttribute{
				Required: true,
				Description: "Ticket the verification was started with. Free text, often " +
					"a UUID; any Unicode character is allowed.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"id": schema.StringAttribute{
				Computed:    true,
				Description: "Identifier of this read: the scene and ticket, as `biz/ticket_id`.",
			},
			"status_code": schema.Int64Attribute{
				Computed: true,
				Description: "Status code the service reported: -1 not submitted, 0 in " +
					"review, 1 passed, 2 failed (the ticket may be submitted again).",
			},
			"status": schema.StringAttribute{
				Computed: true,
				Description: "Name of the status code: `not_submitted`, `in_review`, " +
					"`passed` or `failed`.",
			},
			"passed": schema.BoolAttribute{
				Computed: true,
				Description: "Whether the verification passed: true only when the " +
					"service answered successfully with status code 1.",
			},
			"authority_comparison_score": schema.NumberAttribute{
				Computed: true,
				Description: "Score from 0 to 100 comparing the face photo with " +
					"authoritative records, exactly as the service wrote it. Null when " +
					"the service did not report one. A reference only: the verdict is " +
					"`status_code`.",
			},
			"similarity_score": schema.NumberAttribute{
				Computed: true,
				Description: "Score from 0 to 100 comparing the face photo with the ID " +
					"card portrait, exactly as the service wrote it. Null when the " +
					"service did not report one.",
			},
			"audit_conclusions": schema.StringAttribute{
				Computed: true,
				Description: "Why a failed verification failed, as the service wrote it " +
					"(often in Chinese). Null when the service did not report any.",
			},
			"request_id": schema.StringAttribute{
				Computed:    true,
				Description: "Id the service gave the request that answered, for support.",
			},
		},
	}
}

func (d *verificationStatusDataSource) Configure(
	_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse,
) {
	if req.ProviderData == nil {
		return
	}

	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider.",
				req.ProviderData))
		return
	}
	d.data = data
}

func (d *verificationStatusDataSource) Read(
	ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse,
) {
	var model verificationStatusModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client, diag := d.data.readyClient()
	if diag != nil {
		resp.Diagnostics.Append(diag)
		return
	}

	biz, ticketID := model.Biz.ValueString(), model.TicketID.ValueString()
	status, err := client.GetStatus(ctx, biz, ticketID)
	if err != nil {
		resp.Diagnostics.Append(readDiagnostic(err, biz, ticketID))
		return
	}

	model.fill(status)
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// fill sets the results from status, leaving null what the service left out.
func (m *verificationStatusModel) fill(status *cloudauth.Status) {
	name, _ := cloudauth.StatusName(status.StatusCode)

	m.ID = types.StringValue(m.Biz.ValueString() + "/" + m.TicketID.ValueString())
	m.StatusCode = types.Int64Value(status.StatusCode)
	m.Status = types.StringValue(name)
	m.Passed = types.BoolValue(status.Passed())
	m.AuthorityComparisonScore = decimalValue(status.AuthorityComparisonScore)
	m.SimilarityScore = decimalValue(status.SimilarityScore)
	m.AuditConclusions = types.StringPointerValue(status.AuditConclusions)
	m.RequestID = types.StringNull()
	if status.RequestID != "" {
		m.RequestID = types.StringValue(status.RequestID)
	}
}

func decimalValue(d *cloudauth.Decimal) types.Number {
	if d == nil {
		return types.NumberNull()
	}

	return types.NumberValue(d.BigFloat())
}
