package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// maxBulkTickets bounds the tickets one bulk read may name.
const maxBulkTickets = 1000

// verificationStatusesDataSource reads many tickets of one scene at once.
type verificationStatusesDataSource struct {
	data *providerData
}

var (
	_ datasource.DataSource              = (*verificationStatusesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*verificationStatusesDataSource)(nil)
)

// NewVerificationStatusesDataSource returns the cloudauth_verification_statuses data
// source.
func NewVerificationStatusesDataSource() datasource.DataSource {
	return &verificationStatusesDataSource{}
}

// verificationStatusesModel is the bulk data source's arguments and results.
type verificationStatusesModel struct {
	Biz       types.String            `tfsdk:"biz"`
	TicketIDs []string                `tfsdk:"ticket_ids"`
	ID        types.String            `tfsdk:"id"`
	Statuses  map[string]statusResult `tfsdk:"statuses"`
}

// Metadata names the data source.
func (d *verificationStatusesDataSource) Metadata(
	_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse,
) {
	resp.TypeName = req.ProviderTypeName + "_verification_statuses"
}

// Schema describes the data source.
func (d *verificationStatusesDataSource) Schema(
	_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse,
) {
	resp.Schema = schema.Schema{
		Description: fmt.Sprintf("Reads where many real-person verification tickets of "+
			"one scene stand, up to %d at once. The reads run concurrently within the "+
			"provider's max_concurrency and requests_per_second. If any ticket cannot be "+
			"read, the whole read fails naming every such ticket: there is no partial "+
			"result.", maxBulkTickets),
		Attributes: map[string]schema.Attribute{
			"biz": schema.StringAttribute{
				Required:    true,
				Description: bizDescription,
				Validators:  notBlank,
			},
			"ticket_ids": schema.SetAttribute{
				Required:    true,
				ElementType: types.StringType,
				Description: fmt.Sprintf("Tickets to read, 1 to %d.", maxBulkTickets),
				Validators: []validator.Set{
					setvalidator.SizeBetween(1, maxBulkTickets),
					setvalidator.ValueStringsAre(notBlank...),
				},
			},
			"id": schema.StringAttribute{
				Computed:    true,
				Description: "Identifier of this read: the scene and the number of tickets.",
			},
			"statuses": schema.MapNestedAttribute{
				Computed: true,
				Description: "Status of each ticket, keyed by ticket id, with the same " +
					"results as the cloudauth_verification_status data source.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: dataSourceResultAttributes(),
				},
			},
		},
	}
}

// Configure takes the client the provider configured.
func (d *verificationStatusesDataSource) Configure(
	_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse,
) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// Read reads every ticket concurrently and fails as a whole if any read fails.
func (d *verificationStatusesDataSource) Read(
	ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse,
) {
	var model verificationStatusesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client, problem := d.data.readyClient()
	if problem != nil {
		resp.Diagnostics.Append(problem)
		return
	}

	biz := model.Biz.ValueString()
	results := make([]*statusResult, len(model.TicketIDs))
	failures := make([]diag.Diagnostic, len(model.TicketIDs))

	// The client bounds concurrency and rate; a goroutine per ticket only queues on it.
	var wg sync.WaitGroup
	for i, ticketID := range model.TicketIDs {
		wg.Go(func() {
			results[i], failures[i] = readStatus(ctx, client, biz, ticketID)
		})
	}
	wg.Wait()

	var failed []string
	for i, failure := range failures {
		if failure != nil {
			failed = append(failed, fmt.Sprintf("- %q: %s. %s", model.TicketIDs[i],
				failure.Summary(), firstLine(failure.Detail())))
		}
	}
	if len(failed) > 0 {
		slices.Sort(failed)
		resp.Diagnostics.AddError("Verification Statuses Unreadable", fmt.Sprintf(
			"%d of %d tickets in scene %q could not be read, so no status is reported:\n%s",
			len(failed), len(model.TicketIDs), biz, strings.Join(failed, "\n")))
		return
	}

	model.ID = types.StringValue(fmt.Sprintf("%s/%d", biz, len(model.TicketIDs)))
	model.Statuses = make(map[string]statusResult, len(results))
	for i, result := range results {
		model.Statuses[model.TicketIDs[i]] = *result
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// maxFailureRunes bounds each failed ticket's line, so that a thousand failures with
// long messages still fit in one diagnostic.
const maxFailureRunes = 300

// firstLine returns the first paragraph of a diagnostic detail after its opening
// sentence, which repeats the ticket, joined on one line and bounded in length.
func firstLine(detail string) string {
	paragraphs := strings.Split(detail, "\n\n")
	if len(paragraphs) > 1 {
		paragraphs = paragraphs[1:]
	}

	line := []rune(strings.Join(strings.Fields(paragraphs[0]), " "))
	if len(line) > maxFailureRunes {
		return string(line[:maxFailureRunes]) + "…"
	}

	return string(line)
}
