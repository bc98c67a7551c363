package provider

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// checkEndpoint returns why raw is not a usable endpoint, or "" when it is: an absolute
// http or https URL with a host and nothing after the path. Plain http is allowed only to
// a loopback host, since a security token travels in every request.
func checkEndpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("%q is not a URL: %v", raw, err)
	}

	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Sprintf("%q must start with https:// (a full URL with its scheme)", raw)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Sprintf("%q has no host", raw)
	case u.User != nil:
		return fmt.Sprintf("%q must not carry user information", raw)
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "?"):
		return fmt.Sprintf("%q must not have a query or fragment", raw)
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		return fmt.Sprintf("%q uses plain http to a host that is not loopback; "+
			"use https, since credentials travel in every request", raw)
	}

	return ""
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}

	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// endpointValidator checks an endpoint attribute at plan time.
type endpointValidator struct{}

var _ validator.String = endpointValidator{}

// Description says what the validator accepts.
func (endpointValidator) Description(context.Context) string {
	return "value must be an https URL, or http to a loopback host"
}

// MarkdownDescription says what the validator accepts.
func (v endpointValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateString checks the endpoint.
func (endpointValidator) ValidateString(
	_ context.Context, req validator.StringRequest, resp *validator.StringResponse,
) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}

	if problem := checkEndpoint(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Endpoint",
			"The endpoint "+problem+".")
	}
}

// credentialsURIValidator checks credentials_uri at plan time: temporary credentials
// travel in its answer, so plain http is allowed only to a loopback host.
type credentialsURIValidator struct{}

var _ validator.String = credentialsURIValidator{}

// Description says what the validator accepts.
func (credentialsURIValidator) Description(context.Context) string {
	return "value must be an https URL, or http to a loopback host"
}

// MarkdownDescription says what the validator accepts.
func (v credentialsURIValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateString checks the credentials URI.
func (credentialsURIValidator) ValidateString(
	_ context.Context, req validator.StringRequest, resp *validator.StringResponse,
) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}

	if problem := checkCredentialsURI(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Credentials URI", problem)
	}
}

// checkCredentialsURI returns why raw is not a usable credentials URI, or "".
func checkCredentialsURI(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Sprintf("%q must be an https:// URL with a host.", raw)
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		return fmt.Sprintf("%q uses plain http to a host that is not loopback; use https, "+
			"since temporary credentials travel in its answer.", raw)
	}

	return ""
}

// stsEndpointValidator checks sts_endpoint at plan time.
type stsEndpointValidator struct{}

var _ validator.String = stsEndpointValidator{}

// Description says what the validator accepts.
func (stsEndpointValidator) Description(context.Context) string {
	return "value must be a host name, optionally with a port, reached over https"
}

// MarkdownDescription says what the validator accepts.
func (v stsEndpointValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateString checks the STS endpoint.
func (stsEndpointValidator) ValidateString(
	_ context.Context, req validator.StringRequest, resp *validator.StringResponse,
) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}

	if _, err := stsHost(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid STS Endpoint",
			fmt.Sprintf("The STS endpoint %q is not usable: %v.",
				req.ConfigValue.ValueString(), err))
	}
}

// durationValidator checks a Go duration string at plan time: positive, and at least min
// when min is set.
type durationValidator struct {
	min, max time.Duration
}

var _ validator.String = durationValidator{}

// Description says what the validator accepts.
func (v durationValidator) Description(context.Context) string {
	if v.min > 0 {
		return "value must be a duration of at least " + v.min.String()
	}

	return "value must be a positive duration such as 30s or 1m"
}

// MarkdownDescription says what the validator accepts.
func (v durationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateString checks the duration.
func (v durationValidator) ValidateString(
	_ context.Context, req validator.StringRequest, resp *validator.StringResponse,
) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}

	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	switch {
	case err != nil || d <= 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration", fmt.Sprintf(
			"%q is not a positive duration: write a number with a unit, such as 30s, "+
				"1m or 1m30s.", req.ConfigValue.ValueString()))
	case d < v.min:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration", fmt.Sprintf(
			"%q is shorter than the least allowed, %s.", req.ConfigValue.ValueString(), v.min))
	case v.max > 0 && d > v.max:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration", fmt.Sprintf(
			"%q is longer than the most allowed, %s.", req.ConfigValue.ValueString(), v.max))
	}
}
