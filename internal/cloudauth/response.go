package cloudauth

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// MaxResponseBytes is the most of a response body the client reads. A GetStatus answer is
// a few hundred bytes; anything past this is not one and is refused unread.
const MaxResponseBytes = 1 << 20

// Status codes GetStatus reports for a ticket.
const (
	StatusNotSubmitted int64 = -1
	StatusInReview     int64 = 0
	StatusPassed       int64 = 1
	StatusFailed       int64 = 2
)

// Status is where one verification ticket stands, as GetStatus reported it. Optional
// fields the service left out are nil.
type Status struct {
	RequestID                string
	StatusCode               int64
	AuthorityComparisonScore *Decimal
	SimilarityScore          *Decimal
	AuditConclusions         *string
}

// Passed reports whether the ticket completed verification. Only status code 1 passes.
func (s *Status) Passed() bool {
	return s.StatusCode == StatusPassed
}

// StatusName returns the name of a status code: not_submitted, in_review, passed or
// failed. ok is false for a code the service does not define.
func StatusName(code int64) (name string, ok bool) {
	switch code {
	case StatusNotSubmitted:
		return "not_submitted", true
	case StatusInReview:
		return "in_review", true
	case StatusPassed:
		return "passed", true
	case StatusFailed:
		return "failed", true
	}

	return "", false
}

// Decimal is a number exactly as the service wrote it, so that 93.12 stays 93.12.
type Decimal string

// BigFloat returns d at the 512-bit precision Terraform uses for numbers.
func (d Decimal) BigFloat() *big.Float {
	f, _, err := big.ParseFloat(string(d), 10, 512, big.ToNearestEven)
	if err != nil {
		// Unreachable: a Decimal is only made from text that matched jsonNumber.
		panic(fmt.Sprintf("cloudauth: invalid decimal %q", string(d)))
	}

	return f
}

// jsonNumber is the JSON number grammar; XML text must match it too, which keeps out
// NaN, Inf, hexadecimal and other forms strconv would accept.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$`)

// envelope is a response body with its fields checked for type but not yet judged.
type envelope struct {
	requestID string
	success   *bool
	code      string
	message   string
	data      *statusData
}

type statusData struct {
	statusCode *string
	authority  *string
	similarity *string
	audit      *string
}

// decodeStatus judges a whole response body read with the given HTTP status. Every way it
// can go wrong is an error: a *APIError for an answer the service gave, a
// *MalformedResponseError for one that cannot be trusted.
func decodeStatus(httpStatus int, contentType string, body []byte) (*Status, error) {
	env, err := decodeEnvelope(body)
	if err != nil {
		return nil, &MalformedResponseError{
			HTTPStatus:  httpStatus,
			ContentType: contentType,
			Reason:      err.Error(),
			Snippet:     snippet(body),
		}
	}

	succeeded := env.success != nil && *env.success
	if !succeeded || httpStatus < 200 || httpStatus > 299 {
		return nil, &APIError{
			HTTPStatus: httpStatus,
			Code:       env.code,
			Message:    env.message,
			RequestID:  env.requestID,
		}
	}

	malformed := func(reason string) error {
		return &MalformedResponseError{
			HTTPStatus:  httpStatus,
			ContentType: contentType,
			RequestID:   env.requestID,
			Reason:      reason,
			Snippet:     snippet(body),
		}
	}

	if env.data == nil || env.data.statusCode == nil {
		return nil, malformed("the answer has no Data.StatusCode")
	}

	code, err := strconv.ParseInt(*env.data.statusCode, 10, 64)
	if err != nil {
		return nil, malformed(fmt.Sprintf("Data.StatusCode %s is not an integer",
			*env.data.statusCode))
	}
	if _, ok := StatusName(code); !ok {
		return nil, malformed(fmt.Sprintf("Data.StatusCode %d is not one of -1, 0, 1, 2", code))
	}

	status := &Status{
		RequestID:        env.requestID,
		StatusCode:       code,
		AuditConclusions: env.data.audit,
	}
	scores := []struct {
		name string
		text *string
		dest **Decimal
	}{
		{"AuthorityComparisonScore", env.data.authority, &status.AuthorityComparisonScore},
		{"SimilarityScore", env.data.similarity, &status.SimilarityScore},
	}
	for _, score := range scores {
		if score.text == nil {
			continue
		}

		d, err := parseScore(*score.text)
		if err != nil {
			return nil, malformed(fmt.Sprintf("Data.%s %s", score.name, err))
		}
		*score.dest = &d
	}

	return status, nil
}

// parseScore accepts a decimal from 0 to 100.
func parseScore(text string) (Decimal, error) {
	if !jsonNumber.MatchString(text) {
		return "", fmt.Errorf("%q is not a number", text)
	}

	d := Decimal(text)
	f := d.BigFloat()
	if f.Sign() < 0 || f.Cmp(big.NewFloat(100)) > 0 {
		return "", fmt.Errorf("%s is outside 0 to 100", text)
	}

	return d, nil
}

// decodeEnvelope reads a JSON or XML body, telling them apart by the body itself: gateways
// and proxies do not always label what they send.
func decodeEnvelope(body []byte) (*envelope, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("the body is empty")
	case trimmed[0] == '{':
		return decodeJSONEnvelope(trimmed)
	case isHTML(trimmed):
		return nil, errors.New("the body is an HTML page, not a GetStatus answer")
	case trimmed[0] == '<':
		return decodeXMLEnvelope(trimmed)
	}

	return nil, errors.New("the body is neither JSON nor XML")
}

// isHTML reports whether body starts like an HTML page, as proxies and gateways send.
func isHTML(body []byte) bool {
	head := strings.ToLower(string(body[:min(len(body), 64)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}

func decodeJSONEnvelope(body []byte) (*envelope, error) {
	top, err := jsonObject(body)
	if err != nil {
		return nil, fmt.Errorf("the body is not a JSON object: %w", err)
	}

	env := &envelope{}
	for name, dest := range map[string]*string{
		"RequestId": &env.requestID, "Code": &env.code, "Message": &env.message,
	} {
		text, err := jsonText(top[name], name == "Code")
		if err != nil {
			return nil, fmt.Errorf("%s %w", name, err)
		}
		if text != nil {
			*dest = *text
		}
	}

	if raw, ok := top["Success"]; ok && !isJSONNull(raw) {
		var success bool
		if err := json.Unmarshal(raw, &success); err != nil {
			return nil, fmt.Errorf("Success is %s, not true or false", raw)
		}
		env.success = &success
	}

	raw, ok := top["Data"]
	if !ok || isJSONNull(raw) {
		return env, nil
	}

	data, err := jsonObject(raw)
	if err != nil {
		return nil, fmt.Errorf("Data is not a JSON object: %w", err)
	}

	env.data = &statusData{}
	fields := []struct {
		name    string
		dest    **string
		numeric bool
	}{
		{"StatusCode", &env.data.statusCode, true},
		{"AuthorityComparisonScore", &env.data.authority, true},
		{"SimilarityScore", &env.data.similarity, true},
		{"AuditConclusions", &env.data.audit, false},
	}
	for _, field := range fields {
		var text *string
		var err error
		if field.numeric {
			text, err = jsonNumberText(data[field.name])
		} else {
			text, err = jsonText(data[field.name], false)
		}
		if err != nil {
			return nil, fmt.Errorf("Data.%s %w", field.name, err)
		}
		*field.dest = text
	}

	return env, nil
}

// jsonObject decodes one JSON object and nothing after it, refusing duplicate keys: two
// values for one field leave no way to know which the service meant.
func jsonObject(raw []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil {
		return nil, err
	} else if tok != json.Delim('{') {
		return nil, fmt.Errorf("found %v", tok)
	}

	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}

		// Inside an object, the decoder only returns a key where a key stands.
		name, _ := tok.(string)
		if _, dup := fields[name]; dup {
			return nil, fmt.Errorf("key %q appears twice", name)
		}

		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		fields[name] = value
	}

	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data follows the object")
	}

	return fields, nil
}

func isJSONNull(raw json.RawMessage) bool {
	return string(raw) == "null"
}

// jsonText returns a string field, nil when absent or null. allowNumber accepts a number
// too, as error codes are sometimes numeric.
func jsonText(raw json.RawMessage, allowNumber bool) (*string, error) {
	if raw == nil || isJSONNull(raw) {
		return nil, nil
	}

	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		return &text, nil
	}
	if allowNumber && jsonNumber.Match(raw) {
		text = string(raw)
		return &text, nil
	}

	return nil, fmt.Errorf("is %s, not a string", raw)
}

// jsonNumberText returns a number field's exact text, nil when absent or null.
func jsonNumberText(raw json.RawMessage) (*string, error) {
	if raw == nil || isJSONNull(raw) {
		return nil, nil
	}
	if !jsonNumber.Match(raw) {
		return nil, fmt.Errorf("is %s, not a number", raw)
	}

	text := string(raw)
	return &text, nil
}

// xmlEnvelope is the XML form of a response; the root element is GetStatusResponse for an
// answer and Error for a gateway error.
type xmlEnvelope struct {
	XMLName   xml.Name
	RequestID *string `xml:"RequestId"`
	Success   *string `xml:"Success"`
	Code      *string `xml:"Code"`
	Message   *string `xml:"Message"`
	Data      *struct {
		StatusCode               *string `xml:"StatusCode"`
		AuthorityComparisonScore *string `xml:"AuthorityComparisonScore"`
		SimilarityScore          *string `xml:"SimilarityScore"`
		AuditConclusions         *string `xml:"AuditConclusions"`
	} `xml:"Data"`
}

func decodeXMLEnvelope(body []byte) (*envelope, error) {
	var doc xmlEnvelope
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("the body is not XML: %w", err)
	}

	switch doc.XMLName.Local {
	case "GetStatusResponse", "Error":
	default:
		return nil, fmt.Errorf("the XML root is <%s>, not <GetStatusResponse> or <Error>",
			doc.XMLName.Local)
	}

	env := &envelope{
		requestID: deref(doc.RequestID),
		code:      deref(doc.Code),
		message:   deref(doc.Message),
	}

	if doc.Success != nil {
		success, err := strconv.ParseBool(strings.TrimSpace(*doc.Success))
		if err != nil {
			return nil, fmt.Errorf("Success is %q, not true or false", *doc.Success)
		}
		env.success = &success
	}

	if doc.Data == nil {
		return env, nil
	}

	env.data = &statusData{audit: doc.Data.AuditConclusions}
	numbers := []struct {
		name string
		text *string
		dest **string
	}{
		{"StatusCode", doc.Data.StatusCode, &env.data.statusCode},
		{"AuthorityComparisonScore", doc.Data.AuthorityComparisonScore, &env.data.authority},
		{"SimilarityScore", doc.Data.SimilarityScore, &env.data.similarity},
	}
	for _, number := range numbers {
		if number.text == nil {
			continue
		}

		text := strings.TrimSpace(*number.text)
		if !jsonNumber.MatchString(text) {
			return nil, fmt.Errorf("Data.%s is %q, not a number", number.name, text)
		}
		*number.dest = &text
	}

	return env, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}

	return *s
}

// snippet returns the start of a body for an error message, on one line.
func snippet(body []byte) string {
	const most = 120

	text := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	if len(text) > most {
		cut := most
		for cut > 0 && !utf8RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}

	return text
}

func utf8RuneStart(b byte) bool {
	return b&0xC0 != 0x80
}
