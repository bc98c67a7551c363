package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// codeAdvice tells the user what to do about each error code the service documents.
var codeAdvice = []struct {
	prefix, summary, advice string
}{
	{"InvalidParam.InvalidBiz", "Unknown Verification Scene",
		"biz must name a verification scene created in the cloudauth console. Check its " +
			"spelling and case, and that the scene belongs to this account."},
	{"InvalidParam.Param", "Missing Request Parameter",
		"The service found a required parameter empty. Check that biz and ticket_id are " +
			"set, and that region is not empty."},
	{"Error.NoPermissionAccess", "Cloudauth Not Activated",
		"The real-person verification service is not activated for this account. " +
			"Activate it in the Alibaba Cloud console, then run again."},
	{"NoPermission", "Permission Denied",
		"The RAM user or role behind the access key may not call cloudauth GetStatus. " +
			"Grant it that permission in RAM, then run again."},
	{"SignatureDoesNotMatch", "Request Signature Rejected",
		"The secret key does not belong to the access key id. Check secret_key (or " +
			envList(envSecretKey) + ") for a typo or a rotated key."},
	{"InvalidAccessKeyId", "Access Key Rejected",
		"The service does not know this access key id, or it is disabled. Check " +
			"access_key (or " + envList(envAccessKey) + ")."},
	{"InvalidTimeStamp", "Request Timestamp Rejected",
		"The request's time is more than 15 minutes away from the service's clock. " +
			"Synchronize this machine's clock (NTP), then run again."},
	{"SignatureNonceUsed", "Request Nonce Rejected",
		"The service has seen this request's nonce before. Every attempt uses a fresh " +
			"random nonce, so run again; if it recurs, something is replaying requests."},
	{"InvalidSecurityToken", "Security Token Rejected",
		"The security token is missing, expired or does not belong to the access key. " +
			"Obtain fresh temporary credentials and set security_token (or " +
			envList(envSecurityToken) + ") with the access key they came with."},
	{"Throttling", "Request Throttled",
		"The service throttled every attempt. Read fewer tickets at once, or raise " +
			"max_retries, then run again."},
	{"ServiceUnavailable", "Cloudauth Service Unavailable",
		"The service was unavailable on every attempt. Run again later."},
	{"Error.InternalError", "Cloudauth Internal Error",
		"The service failed with an unknown error. Run again later; if it persists, " +
			"contact Alibaba Cloud support with the request id."},
}

// readDiagnostic explains a failed GetStatus call: what failed, the service's own words,
// and what to do. An unknown scene is reported on the biz argument.
func readDiagnostic(err error, biz, ticketID string) diag.Diagnostic {
	what := fmt.Sprintf("Reading the status of ticket %q in scene %q failed.", ticketID, biz)

	var apiErr *cloudauth.APIError
	var malformed *cloudauth.MalformedResponseError
	var transport *cloudauth.TransportError
	var credsErr *cloudauth.CredentialsError
	var exhausted *cloudauth.RetriesExhaustedError
	attempts := ""
	if errors.As(err, &exhausted) {
		attempts = fmt.Sprintf("\nAttempts: %d", exhausted.Attempts)
	}

	switch {
	case errors.Is(err, context.Canceled):
		return diag.NewErrorDiagnostic("Read Canceled", what+" The run was canceled.")
	case errors.As(err, &apiErr):
		summary, advice := "Cloudauth Request Failed",
			"Check the code and message above; retry later if the service is at fault."
		for _, entry := range codeAdvice {
			if strings.HasPrefix(apiErr.Code, entry.prefix) {
				summary, advice = entry.summary, entry.advice
				break
			}
		}
		if apiErr.Code == "" && apiErr.HTTPStatus >= 200 && apiErr.HTTPStatus <= 299 {
			summary, advice = "Cloudauth Request Failed", "The service answered without "+
				"Success true and without an error code, so the status cannot be trusted. "+
				"Run again; if it recurs, contact Alibaba Cloud support with the request id."
		}

		detail := fmt.Sprintf("%s\n\nCode: %s\nMessage: %s\nRequestId: %s\nHTTP status: %d%s"+
			"\n\n%s", what, orNone(apiErr.Code), orNone(apiErr.Message),
			orNone(apiErr.RequestID), apiErr.HTTPStatus, attempts, advice)
		if strings.HasPrefix(apiErr.Code, "InvalidParam.InvalidBiz") {
			return diag.NewAttributeErrorDiagnostic(path.Root("biz"), summary, detail)
		}

		return diag.NewErrorDiagnostic(summary, detail)
	case errors.As(err, &malformed):
		return diag.NewErrorDiagnostic("Unreadable Cloudauth Response", fmt.Sprintf(
			"%s\n\nThe answer, HTTP status %d (Content-Type %s), cannot be read as a "+
				"GetStatus answer: %s.\nRequestId: %s%s\n\nA proxy or gateway between this "+
				"machine and the endpoint may have answered instead of the service. Check "+
				"the endpoint and proxy settings.",
			what, malformed.HTTPStatus, orNone(malformed.ContentType), malformed.Reason,
			orNone(malformed.RequestID), attempts))
	case errors.As(err, &transport):
		return diag.NewErrorDiagnostic("Cloudauth Unreachable", fmt.Sprintf(
			"%s\n\n%s%s\n\nCheck the endpoint, the network and any proxy "+
				"(HTTPS_PROXY, NO_PROXY), then run again.", what, transport.Error(), attempts))
	case errors.As(err, &credsErr):
		return diag.NewErrorDiagnostic("Credentials Unavailable", fmt.Sprintf(
			"%s No request was sent.\n\n%s", what, scrubCredentials(credsErr.Error())))
	}

	return diag.NewErrorDiagnostic("Cloudauth Request Failed", what+"\n\n"+err.Error())
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}

	return s
}
