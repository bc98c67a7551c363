package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// FaultKind names a fault the mock can inject into an answer.
type FaultKind string

// The faults the mock injects.
const (
	// FaultThrottle answers HTTP 400 Throttling.User.
	FaultThrottle FaultKind = "throttle"
	// FaultUnavailable answers HTTP 503 ServiceUnavailable.
	FaultUnavailable FaultKind = "unavailable"
	// FaultError answers with Code, and HTTPStatus or the code's usual status.
	FaultError FaultKind = "error"
	// FaultSuccessFalse answers HTTP 200 with Success false and Code.
	FaultSuccessFalse FaultKind = "success_false"
	// FaultHTML answers with an HTML error page, as a proxy in front of the service does,
	// with HTTPStatus or 502.
	FaultHTML FaultKind = "html"
	// FaultBody answers with Body verbatim, with HTTPStatus or 200 and ContentType.
	FaultBody FaultKind = "body"
	// FaultDelay waits Delay, then answers normally.
	FaultDelay FaultKind = "delay"
	// FaultReset closes the connection without an answer.
	FaultReset FaultKind = "reset"
	// FaultTruncate sends the headers of the answer the request would have got and half
	// of its body, then closes the connection.
	FaultTruncate FaultKind = "truncate"
)

// Fault is an injected misbehavior for the next Times requests that pass the gateway's
// checks and match TicketID (any ticket when empty). Times zero means every such request.
type Fault struct {
	Kind        FaultKind `json:"kind"`
	Times       int       `json:"times,omitempty"`
	TicketID    string    `json:"ticket_id,omitempty"`
	Code        string    `json:"code,omitempty"`
	Message     string    `json:"message,omitempty"`
	HTTPStatus  int       `json:"http_status,omitempty"`
	Body        string    `json:"body,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Delay       Duration  `json:"delay,omitempty"`

	used int
}

// Duration is a time.Duration written as a Go duration string in JSON ("1.5s").
type Duration time.Duration

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return fmt.Errorf("a duration is a string such as \"1.5s\": %w", err)
	}

	parsed, err := time.ParseDuration(text)
	*d = Duration(parsed)

	return err
}

// MarshalJSON writes a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// errorStatus is the HTTP status each error code comes with.
var errorStatus = map[string]int{
	"Throttling":                   http.StatusBadRequest,
	"Throttling.User":              http.StatusBadRequest,
	"ServiceUnavailable":           http.StatusServiceUnavailable,
	"Error.InternalError":          http.StatusInternalServerError,
	"InvalidParam.ParamMissing":    http.StatusBadRequest,
	"InvalidParam.InvalidBiz":      http.StatusBadRequest,
	"Error.NoPermissionAccess":     http.StatusForbidden,
	"NoPermission":                 http.StatusForbidden,
	"SignatureDoesNotMatch":        http.StatusBadRequest,
	"SignatureNonceUsed":           http.StatusBadRequest,
	"InvalidAccessKeyId.NotFound":  http.StatusNotFound,
	"InvalidTimeStamp.Expired":     http.StatusBadRequest,
	"InvalidSecurityToken.Expired": http.StatusBadRequest,
}

var errorMessage = map[string]string{
	"Throttling":               "Request was denied due to request throttling.",
	"Throttling.User":          "Request was denied due to user flow control.",
	"ServiceUnavailable":       "The request has failed due to a temporary failure of the server.",
	"Error.InternalError":      "The request processing has failed due to some unknown error.",
	"Error.NoPermissionAccess": "The cloudauth service is not activated for this account.",
	"NoPermission":             "You are not authorized to perform this operation.",
}

func (f *Fault) validate() error {
	switch f.Kind {
	case FaultThrottle, FaultUnavailable, FaultHTML, FaultReset, FaultTruncate:
	case FaultError, FaultSuccessFalse:
		if f.Code == "" {
			return fmt.Errorf("fault %s needs a code", f.Kind)
		}
		if f.Kind == FaultError && f.HTTPStatus == 0 && !knownCode(f.Code) {
			return fmt.Errorf("fault error: code %s needs an http_status", f.Code)
		}
	case FaultBody:
		if f.Body == "" && f.HTTPStatus == 0 {
			return fmt.Errorf("fault body needs a body or an http_status")
		}
	case FaultDelay:
		if f.Delay <= 0 {
			return fmt.Errorf("fault delay needs a positive delay")
		}
	default:
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	if f.Times < 0 {
		return fmt.Errorf("fault %s: times is negative", f.Kind)
	}
	// net/http panics on a status outside 100-999, which would turn a typo into a reset.
	if f.HTTPStatus != 0 && (f.HTTPStatus < 200 || f.HTTPStatus > 599) {
		return fmt.Errorf("fault %s: http_status %d is not between 200 and 599",
			f.Kind, f.HTTPStatus)
	}

	return nil
}

// takeFault returns the first queued fault that matches ticketID and uses it up once.
// The caller holds s.mu.
func (s *Server) takeFault(ticketID string) *Fault {
	for i, f := range s.faults {
		if f.TicketID != "" && f.TicketID != ticketID {
			continue
		}

		f.used++
		if f.Times > 0 && f.used >= f.Times {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}

		return f
	}

	return nil
}

// code returns the error code the fault answers with, empty when it sends none.
func (f *Fault) code() string {
	switch f.Kind {
	case FaultThrottle:
		return "Throttling.User"
	case FaultUnavailable:
		return "ServiceUnavailable"
	case FaultError, FaultSuccessFalse:
		return f.Code
	}

	return ""
}

// serve writes the fault's answer; answer returns the normal one's content type and body.
// It returns false when the normal answer should follow, as after a delay.
func (f *Fault) serve(w http.ResponseWriter, r *http.Request, format, requestID string,
	answer func() (string, []byte),
) bool {
	switch f.Kind {
	case FaultThrottle, FaultUnavailable, FaultError:
		code := f.code()
		status := f.HTTPStatus
		if status == 0 {
			status = statusOf(code)
		}
		writeError(w, format, requestID, &apiError{status, code, f.messageOr(code)})
	case FaultSuccessFalse:
		body, _ := json.Marshal(map[string]any{
			"RequestId": requestID, "Success": false, "Code": f.Code,
			"Message": f.messageOr(f.Code),
		})
		writeBody(w, http.StatusOK, "application/json;charset=utf-8", body)
	case FaultHTML:
		status := f.HTTPStatus
		if status == 0 {
			status = http.StatusBadGateway
		}
		page := fmt.Sprintf("<!DOCTYPE html>\n<html><head><title>%d %s</title></head>"+
			"<body><h1>%s</h1><hr><center>gateway</center></body></html>\n",
			status, http.StatusText(status), http.StatusText(status))
		writeBody(w, status, "text/html", []byte(page))
	case FaultBody:
		status := f.HTTPStatus
		if status == 0 {
			status = http.StatusOK
		}
		writeBody(w, status, f.ContentType, []byte(f.Body))
	case FaultDelay:
		select {
		case <-time.After(time.Duration(f.Delay)):
		case <-r.Context().Done():
		}
		return false
	case FaultReset:
		hijackAndClose(w, "")
	case FaultTruncate:
		contentType, body := answer()
		hijackAndClose(w, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"+
			"Content-Length: %d\r\n\r\n%s", contentType, len(body), body[:len(body)/2]))
	}

	return true
}

func (f *Fault) messageOr(code string) string {
	if f.Message != "" {
		return f.Message
	}
	if msg, ok := errorMessage[code]; ok {
		return msg
	}

	return "Injected error " + code + "."
}

// statusOf returns the HTTP status code comes with; most gateway errors are 400.
func statusOf(code string) int {
	if status, ok := errorStatus[code]; ok {
		return status
	}

	return http.StatusBadRequest
}

// hijackAndClose writes raw bytes straight to the connection, if any, and closes it, so
// the client sees a reset or a cut-short body rather than a well-formed answer.
func hijackAndClose(w http.ResponseWriter, raw string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()

	if raw != "" {
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
	}
}
