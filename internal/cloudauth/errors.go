package cloudauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APIError is an answer in which the service reported a failure: an error Code, a
// Success other than true, or an HTTP status outside 2xx.
type APIError struct {
	HTTPStatus int
	Code       string
	Message    string
	RequestID  string
}

func (e *APIError) Error() string {
	code := e.Code
	if code == "" {
		code = "no error code"
	}

	msg := fmt.Sprintf("GetStatus failed with %s (HTTP %d", code, e.HTTPStatus)
	if e.RequestID != "" {
		msg += ", request " + e.RequestID
	}
	msg += ")"
	if e.Message != "" {
		msg += ": " + e.Message
	}

	return msg
}

// Retryable reports whether the same request, signed anew, may succeed later: throttling,
// an unavailable service, or a server error other than 501 Not Implemented. Errors in the
// signature, the keys, the clock or the parameters never are.
func (e *APIError) Retryable() bool {
	switch {
	case strings.HasPrefix(e.Code, "Throttling"), e.Code == "ServiceUnavailable":
		return true
	case e.HTTPStatus >= 500 && e.HTTPStatus != http.StatusNotImplemented:
		return !permanentCode(e.Code)
	}

	return false
}

// permanentCode reports codes that no retry can mend, whatever HTTP status carried them.
func permanentCode(code string) bool {
	for _, prefix := range []string{
		"Signature", "InvalidAccessKeyId", "InvalidTimeStamp", "InvalidParam",
		"InvalidSecurityToken", "MissingParameter", "Forbidden", "NoPermission",
		"Error.NoPermissionAccess",
	} {
		if strings.HasPrefix(code, prefix) {
			return true
		}
	}

	return false
}

// MalformedResponseError is an answer that cannot be read as GetStatus's: not JSON or XML,
// a missing or ill-typed field, a value out of range.
type MalformedResponseError struct {
	HTTPStatus  int
	ContentType string
	RequestID   string
	Reason      string

	// body is the start of what was read, for the message.
	body []byte
}

func (e *MalformedResponseError) Error() string {
	msg := fmt.Sprintf("unreadable GetStatus answer (HTTP %d", e.HTTPStatus)
	if e.ContentType != "" {
		msg += ", " + e.ContentType
	}
	if e.RequestID != "" {
		msg += ", request " + e.RequestID
	}
	msg += "): " + e.Reason
	if start := snippet(e.body); start != "" {
		msg += fmt.Sprintf("; the body starts %q", start)
	}

	return msg
}

// Retryable reports whether the answer was a server error page, which a retry may mend.
// A 2xx answer that cannot be read is not retried: the service sent it on purpose.
func (e *MalformedResponseError) Retryable() bool {
	return e.HTTPStatus >= 500 && e.HTTPStatus != http.StatusNotImplemented
}

// TransportError is a request that got no complete answer: the connection failed, was
// reset, timed out, or the body was cut short.
type TransportError struct {
	Err error
	// Timeout is set when the attempt ran past the per-attempt request timeout.
	Timeout time.Duration
}

func (e *TransportError) Error() string {
	if e.Timeout > 0 {
		return fmt.Sprintf("no answer within the request timeout of %s: %v", e.Timeout, e.Err)
	}

	return fmt.Sprintf("no complete answer: %v", e.Err)
}

func (e *TransportError) Unwrap() error {
	return e.Err
}

// CredentialsError is a failure to obtain credentials to sign with. No request is sent.
type CredentialsError struct {
	// Source says where the credentials were sought.
	Source string
	Err    error
}

func (e *CredentialsError) Error() string {
	// The credentials library quotes whole answers and files in its errors.
	cause := shorten(e.Err.Error())
	if e.Source == "" {
		return "no credentials to sign the request with: " + cause
	}

	return fmt.Sprintf("no credentials to sign the request with from %s: %s", e.Source, cause)
}

func (e *CredentialsError) Unwrap() error {
	return e.Err
}

// RetriesExhaustedError wraps the last error of a request that was retried as often as
// allowed.
type RetriesExhaustedError struct {
	Attempts int
	Err      error
}

func (e *RetriesExhaustedError) Error() string {
	return fmt.Sprintf("gave up after %d attempts: %v", e.Attempts, e.Err)
}

func (e *RetriesExhaustedError) Unwrap() error {
	return e.Err
}

// retryable reports whether err from one attempt may be retried.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}

	var apiErr *APIError
	var malformed *MalformedResponseError
	var transport *TransportError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.Retryable()
	case errors.As(err, &malformed):
		return malformed.Retryable()
	case errors.As(err, &transport):
		return true
	}

	return false
}
