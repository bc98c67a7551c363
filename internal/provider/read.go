package provider

import (
	"context"
	"fmt"
	"strings"
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

// readyClient returns the configured client, or a diagnostic saying why there is none.
func (d *providerData) readyClient() (*cloudauth.Client, diag.Diagnostic) {
	switch {
	case d == nil:
		return nil, diag.NewErrorDiagnostic("Provider Not Configured",
			"The cloudauth provider was not configured before the read. This is a bug in "+
				"the provider or in Terraform; please report it.")
	case len(d.unknown) > 0:
		return nil, diag.NewErrorDiagnostic("Provider Configuration Unknown",
			fmt.Sprintf("The provider arguments %s are unknown until apply, so the "+
				"verification status cannot be read yet. Set them to values known at plan "+
				"time, or apply the resources they come from first (terraform apply "+
				"-target=...).", strings.Join(d.unknown, ", ")))
	}

	return d.client, nil
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
// failed. The timeout bounds the whole wait, reads in flight included; when it runs out
// the read fails with the last status seen.
func waitForFinalStatus(ctx context.Context, client *cloudauth.Client, biz, ticketID string,
	wait waitSettings) (*statusResult, diag.Diagnostic) {
	waitCtx, cancel := context.WithTimeout(ctx, wait.timeout)
	defer cancel()
	deadline, _ := waitCtx.Deadline()

	var last *cloudauth.Status
	for reads := 0; ; {
		status, err := client.GetStatus(waitCtx, biz, ticketID)
		if err != nil {
			if ctx.Err() == nil && waitCtx.Err() != nil {
				return nil, notFinalInTime(biz, ticketID, wait, last, reads)
			}
			return nil, readDiagnostic(err, biz, ticketID)
		}
		reads++
		last = status

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
		if time.Now().Add(wait.pollInterval).After(deadline) {
			return nil, notFinalInTime(biz, ticketID, wait, last, reads)
		}

		timer := time.NewTimer(wait.pollInterval)
		select {
		case <-waitCtx.Done():
			timer.Stop()
			if ctx.Err() == nil {
				return nil, notFinalInTime(biz, ticketID, wait, last, reads)
			}
			name, _ := cloudauth.StatusName(status.StatusCode)
			return nil, diag.NewErrorDiagnostic("Read Canceled", fmt.Sprintf("Waiting for "+
				"ticket %q in scene %q stopped: %v. Last status: %s.", ticketID, biz,
				context.Cause(ctx), name))
		case <-timer.C:
		}
	}
}

// notFinalInTime reports a wait that ran out, with the last status seen, if any.
func notFinalInTime(biz, ticketID string, wait waitSettings, last *cloudauth.Status,
	reads int) diag.Diagnostic {
	seen := "none: no read answered within the timeout"
	if last != nil {
		name, _ := cloudauth.StatusName(last.StatusCode)
		seen = fmt.Sprintf("%s (status code %d), after %d reads; request id %s", name,
			last.StatusCode, reads, orNone(last.RequestID))
	}

	return diag.NewErrorDiagnostic("Verification Not Final In Time", fmt.Sprintf(
		"Ticket %q in scene %q did not reach a final status (passed or failed) within the "+
			"wait timeout of %s.\n\nLast status: %s.\n\nRaise wait.timeout, or read again "+
			"later.", ticketID, biz, wait.timeout, seen))
}
