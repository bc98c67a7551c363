package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// verificationStatusEphemeralResource reads one ticket's status without keeping it in
// state or plan files.
type verificationStatusEphemeralResource struct {
	data *providerData
}

var (
	_ ephemeral.EphemeralResource              = (*verificationStatusEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*verificationStatusEphemeralResource)(nil)
)

// NewVerificationStatusEphemeralResource returns the cloudauth_verification_status
// ephemeral resource.
func NewVerificationStatusEphemeralResource() ephemeral.EphemeralResource {
	return &verificationStatusEphemeralResource{}
}

// verificationStatusEphemeralModel is the ephemeral resource's arguments and results.
type verificationStatusEphemeralModel struct {
	Biz      types.String `tfsdk:"biz"`
	TicketID types.String `tfsdk:"ticket_id"`
	statusResult
}

// Metadata names the ephemeral resource.
func (r *verificationStatusEphemeralResource) Metadata(
	_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse,
) {
	resp.TypeName = req.ProviderTypeName + "_verification_status"
}

// Schema describes the ephemeral resource.
func (r *verificationStatusEphemeralResource) Schema(
	_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse,
) {
	attrs := ephemeralResultAttributes()
	attrs["biz"] = schema.StringAttribute{
		Required:    true,
		Description: bizDescription,
		Validators:  notBlank,
	}
	attrs["ticket_id"] = schema.StringAttribute{
		Required:    true,
		Description: ticketIDDescription,
		Validators:  notBlank,
	}

	resp.Schema = schema.Schema{
		Description: "Reads where one real-person verification ticket stands, like the " +
			"data source of the same name, without keeping the result in state or plan " +
			"files. Needs Terraform 1.10 or later, or OpenTofu 1.11 or later.",
		Attributes: attrs,
	}
}

// Configure takes the client the provider configured.
func (r *verificationStatusEphemeralResource) Configure(
	_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse,
) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Open reads the ticket's status.
func (r *verificationStatusEphemeralResource) Open(
	ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse,
) {
	var model verificationStatusEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client, diag := r.data.readyClient()
	if diag != nil {
		resp.Diagnostics.Append(diag)
		return
	}

	status, diag := readStatus(ctx, client, model.Biz.ValueString(),
		model.TicketID.ValueString())
	if diag != nil {
		resp.Diagnostics.Append(diag)
		return
	}

	model.statusResult = *status
	resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
}
