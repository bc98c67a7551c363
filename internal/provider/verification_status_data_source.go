package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Defaults of the wait block.
const (
	defaultWaitTimeout      = 10 * time.Minute
	defaultWaitPollInterval = 10 * time.Second
	minWaitPollInterval     = 100 * time.Millisecond
	maxWaitTimeout          = 24 * time.Hour
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
	Biz      types.String `tfsdk:"biz"`
	TicketID types.String `tfsdk:"ticket_id"`
	Wait     *waitModel   `tfsdk:"wait"`
	ID       types.String `tfsdk:"id"`
	statusResult
}

// waitModel is the wait block.
type waitModel struct {
	Timeout      types.String `tfsdk:"timeout"`
	PollInterval types.String `tfsdk:"poll_interval"`
}

// Metadata names the data source.
func (d *verificationStatusDataSource) Metadata(
	_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse,
) {
	resp.TypeName = req.ProviderTypeName + "_verification_status"
}

// Schema describes the data source.
func (d *verificationStatusDataSource) Schema(
	_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse,
) {
	attrs := dataSourceResultAttributes()
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
	attrs["id"] = schema.StringAttribute{
		Computed:    true,
		Description: "Identifier of this read: the scene and ticket, as `biz/ticket_id`.",
	}

	resp.Schema = schema.Schema{
		Description: "Reads where one real-person verification ticket stands: its status " +
			"code, whether it passed, its scores and the audit conclusions, from the " +
			"cloudauth GetStatus API.",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"wait": schema.SingleNestedBlock{
				Description: "Poll until the status is final (passed or failed) instead of " +
					"reading it once. Without this block the status is read once.",
				Attributes: map[string]schema.Attribute{
					"timeout": schema.StringAttribute{
						Optional: true,
						Description: "How long to wait for a final status, as a duration " +
							"string, reads in flight included. Defaults to `" +
							shortDuration(defaultWaitTimeout) + "`. On timeout the read fails " +
							"with the last status seen.",
						Validators: []validator.String{
							durationValidator{max: maxWaitTimeout},
						},
					},
					"poll_interval": schema.StringAttribute{
						Optional: true,
						Description: "Time between two reads while waiting, as a duration " +
							"string, at least `" + minWaitPollInterval.String() + "`. Defaults " +
							"to `" + shortDuration(defaultWaitPollInterval) + "`.",
						Validators: []validator.String{
							durationValidator{min: minWaitPollInterval},
						},
					},
				},
			},
		},
	}
}

// Configure takes the client the provider configured.
func (d *verificationStatusDataSource) Configure(
	_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse,
) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read reads the ticket's status, waiting for a final one when asked to.
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
	var status *statusResult
	if model.Wait != nil {
		status, diag = waitForFinalStatus(ctx, client, biz, ticketID, model.Wait.settings())
	} else {
		status, diag = readStatus(ctx, client, biz, ticketID)
	}
	if diag != nil {
		resp.Diagnostics.Append(diag)
		return
	}

	model.ID = types.StringValue(biz + "/" + ticketID)
	model.statusResult = *status
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// waitSettings are the wait block's durations with defaults applied; the schema has
// validated them.
type waitSettings struct {
	timeout, pollInterval time.Duration
}

func (w *waitModel) settings() waitSettings {
	s := waitSettings{timeout: defaultWaitTimeout, pollInterval: defaultWaitPollInterval}
	if d, err := time.ParseDuration(w.Timeout.ValueString()); err == nil {
		s.timeout = d
	}
	if d, err := time.ParseDuration(w.PollInterval.ValueString()); err == nil {
		s.pollInterval = d
	}

	return s
}

// shortDuration writes d as a user would: 10m rather than 10m0s.
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}

	return d.String()
}
