package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// providerDataFrom takes what the provider's Configure handed a data source or an
// ephemeral resource; nil before the provider is configured.
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}

	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data", fmt.Sprintf("Expected *providerData, "+
			"got %T. This is a bug in the provider; please report it.", data))
		return nil
	}

	return pd
}

// readStatus reads one ticket's status once.
func readStatus(ctx context.Context, client *cloudauth.Client, biz, ticketID string) (
	*statusResult, diag.Diagnostic) {
	status, err := client.GetStatus(ctx, biz, ticketID)
	if err != nil {
		return nil, readDiagnostic(err, biz, ticketID)
	}

	result := newStatusResult(status)
	return &result, nil
}

// waitForFinalStatus reads a ticket's status every poll interval until it is passed or
// failed, failing with the last status seen when the timeout runs out first.
func waitForFinalStatus(ctx context.Context, client *cloudauth.Client, biz, ticketID string,
	wait waitSettings) (*statusResult, diag.Diagnostic) {
	deadline := time.Now().Add(wait.timeout)

	for reads := 1; ; reads++ {
		status, err := client.GetStatus(ctx, biz, ticketID)
		if err != nil {
			return nil, readDiagnostic(err, biz, ticketID)
		}

		final := status.StatusCode == cloudauth.StatusPassed ||
			status.StatusCode == cloudauth.StatusFailed
		tflog.Debug(ctx, "polled verification status", map[string]any{
			"biz": biz, "ticket_id": ticketID, "status_code": status.StatusCode,
			"reads": reads, "final": final,
		})
		if final {
			result := newStatusResult(status)
			return &result, nil
		}

		name, _ := cloudauth.StatusName(status.StatusCode)
		if time.Now().Add(wait.pollInterval).After(deadline) {
			return nil, diag.NewErrorDiagnostic("Verification Not Final In Time", fmt.Sprintf(
				"Ticket %q in scene %q did not reach a final status (passed or failed) "+
					"within the wait timeout of %s.\n\nLast status: %s (status code %d), "+
					"after %d reads; request id %s.\n\nRaise wait.timeout, or read again "+
					"later.", ticketID, biz, wait.timeout, name, status.StatusCode, reads,
				orNone(status.RequestID)))
		}

		timer := time.NewTimer(wait.pollInterval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, diag.NewErrorDiagnostic("Read Canceled", fmt.Sprintf("Waiting for "+
				"ticket %q in scene %q stopped: %v. Last status: %s.", ticketID, biz,
				context.Cause(ctx), name))
		case <-timer.C:
		}
	}
}
