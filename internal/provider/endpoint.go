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

// stringCheck validates a string argument at plan time, on the argument at fault, with a
// check that returns why a value is unusable, or "" when it is fine.
type stringCheck struct {
	description string
	summary     string
	check       func(string) string
}

var _ validator.String = stringCheck{}

// Description says what the validator accepts.
func (v stringCheck) Description(context.Context) string {
	return v.description
}

// MarkdownDescription says what the validator accepts.
func (v stringCheck) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

// ValidateString runs the check on a known value.
func (v stringCheck) ValidateString(
	_ context.Context, req validator.StringRequest, resp *validator.StringResponse,
) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}

	if problem := v.check(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, problem)
	}
}

// The checks of the arguments that name a place to connect to.
var (
	endpointCheck = stringCheck{
		description: "value must be an https URL, or http to a loopback host",
		summary:     "Invalid Endpoint",
		check: func(raw string) string {
			if problem := checkEndpoint(raw); problem != "" {
				return "The endpoint " + problem + "."
			}
			return ""
		},
	}
	stsEndpointCheck = stringCheck{
		description: "value must be a host name, optionally with a port, reached over https",
		summary:     "Invalid STS Endpoint",
		check: func(raw string) string {
			if _, err := stsHost(raw); err != nil {
				return fmt.Sprintf("The STS endpoint %q is not usable: %v.", raw, err)
			}
			return ""
		},
	}
	// Temporary credentials travel in the answer of a credentials URI, so plain http is
	// allowed only to a loopback host.
	credentialsURICheck = stringCheck{
		description: "value must be an https URL, or http to a loopback host",
		summary:     "Invalid Credentials URI",
		check:       checkCredentialsURI,
	}
)

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
