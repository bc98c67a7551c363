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
	"unicode"
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
// *MalformedResponseError for one that cannot be trusted. clean is applied to every text
// taken from the answer, whole and decoded, before it is bounded; the client passes one
// that removes echoed secrets.
func decodeStatus(httpStatus int, contentType string, body []byte,
	clean func(string) string) (*Status, error) {
	text := func(s string) string { return shorten(clean(s)) }

	env, err := decodeEnvelope(body)
	if err != nil {
		return nil, &MalformedResponseError{
			HTTPStatus:  httpStatus,
			ContentType: text(contentType),
			Reason:      text(err.Error()),
			body:        bodyStart([]byte(clean(string(body)))),
		}
	}

	// Only a plain 200 carries an answer: a partial or odd 2xx is not trusted either.
	succeeded := env.success != nil && *env.success
	if !succeeded || httpStatus != 200 {
		return nil, &APIError{
			HTTPStatus: httpStatus,
			Code:       text(env.code),
			Message:    text(env.message),
			RequestID:  text(env.requestID),
		}
	}

	malformed := func(reason string) error {
		return &MalformedResponseError{
			HTTPStatus:  httpStatus,
			ContentType: text(contentType),
			RequestID:   text(env.requestID),
			Reason:      text(reason),
			body:        bodyStart([]byte(clean(string(body)))),
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
		RequestID:  text(env.requestID),
		StatusCode: code,
	}
	if env.data.audit != nil {
		audit := clean(*env.data.audit)
		status.AuditConclusions = &audit
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

// scoreNumber is the form a score may take: a JSON number of a few digits with at most a
// two-digit exponent. Longer forms are no score the service writes, and converting them
// exactly can take unbounded time.
var scoreNumber = regexp.MustCompile(`^-?(0|[1-9]\d{0,3})(\.\d{1,20})?([eE][+-]?\d{1,2})?$`)

// parseScore accepts a decimal from 0 to 100.
func parseScore(text string) (Decimal, error) {
	if !scoreNumber.MatchString(text) {
		return "", fmt.Errorf("%q is not a score: a number from 0 to 100 is expected", text)
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
	seen := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}

		// Inside an object, the decoder only returns a key where a key stands.
		name, _ := tok.(string)
		// Keys that differ only in case are refused too: which one a reader honors
		// depends on the reader.
		if first, dup := seen[strings.ToLower(name)]; dup {
			return nil, fmt.Errorf("key %q appears twice (as %q and %q)", name, first, name)
		}
		seen[strings.ToLower(name)] = name

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

// decodeXMLEnvelope reads the XML form of a response as strictly as the JSON one: the
// root is GetStatusResponse for an answer or Error for a gateway error; each element
// appears at most once and holds text only, except Data; nothing follows the root.
func decodeXMLEnvelope(body []byte) (*envelope, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	root, err := xmlRoot(dec)
	if err != nil {
		return nil, err
	}

	top, data, err := xmlChildren(dec, root, "Data")
	if err != nil {
		return nil, err
	}
	if err := xmlEnd(dec); err != nil {
		return nil, err
	}

	env := &envelope{
		requestID: deref(top["RequestId"]),
		code:      deref(top["Code"]),
		message:   deref(top["Message"]),
	}
	if text, ok := top["Success"]; ok {
		switch strings.Trim(*text, xmlSpace) {
		case "true":
			env.success = ptrTo(true)
		case "false":
			env.success = ptrTo(false)
		default:
			return nil, fmt.Errorf("Success is %q, not true or false", *text)
		}
	}
	if root.Name.Local == "Error" {
		// A gateway error is a failure, whatever else it holds.
		env.success = ptrTo(false)
	}

	if data == nil {
		return env, nil
	}

	env.data = &statusData{audit: data["AuditConclusions"]}
	numbers := []struct {
		name string
		dest **string
	}{
		{"StatusCode", &env.data.statusCode},
		{"AuthorityComparisonScore", &env.data.authority},
		{"SimilarityScore", &env.data.similarity},
	}
	for _, number := range numbers {
		text, ok := data[number.name]
		if !ok {
			continue
		}

		trimmed := strings.Trim(*text, xmlSpace)
		if !jsonNumber.MatchString(trimmed) {
			return nil, fmt.Errorf("Data.%s is %q, not a number", number.name, trimmed)
		}
		*number.dest = &trimmed
	}

	return env, nil
}

// xmlRoot returns the root element, refusing a DOCTYPE and any other root than the two a
// response has.
func xmlRoot(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, fmt.Errorf("the body is not XML: %w", err)
		}

		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != "" ||
				t.Name.Local != "GetStatusResponse" && t.Name.Local != "Error" {
				return t, fmt.Errorf("the XML root is <%s>, not <GetStatusResponse> or <Error>",
					t.Name.Local)
			}
			return t, nil
		case xml.Directive:
			return xml.StartElement{}, errors.New("the XML body has a DOCTYPE or other directive")
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return xml.StartElement{}, errors.New("the XML body has text before its root")
			}
		}
	}
}

// xmlChildren reads the children of parent up to its end: text elements into fields, and
// the one element named nested into a map of its own text children.
func xmlChildren(dec *xml.Decoder, parent xml.StartElement, nested string) (
	fields, nestedFields map[string]*string, err error) {
	fields = map[string]*string{}
	seen := map[string]string{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("the body is not XML: %w", err)
		}

		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if t.Name.Space != "" {
				return nil, nil, fmt.Errorf("element <%s> is in a namespace", name)
			}
			if first, dup := seen[strings.ToLower(name)]; dup {
				return nil, nil, fmt.Errorf("element <%s> appears twice in <%s> (as <%s> "+
					"and <%s>)", name, parent.Name.Local, first, name)
			}
			seen[strings.ToLower(name)] = name
			if name == nested {
				if nestedFields, _, err = xmlChildren(dec, t, ""); err != nil {
					return nil, nil, err
				}
				continue
			}

			text, err := xmlText(dec, t)
			if err != nil {
				return nil, nil, err
			}
			fields[name] = &text
		case xml.EndElement:
			return fields, nestedFields, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, nil, fmt.Errorf("<%s> holds text beside its elements",
					parent.Name.Local)
			}
		case xml.Directive:
			return nil, nil, errors.New("the XML body has a directive inside it")
		}
	}
}

// xmlText reads the text of a leaf element up to its end.
func xmlText(dec *xml.Decoder, el xml.StartElement) (string, error) {
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("the body is not XML: %w", err)
		}

		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			return text.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("element <%s> holds an element, not text",
				el.Name.Local)
		}
	}
}

// xmlEnd refuses anything but white space, comments and processing instructions after
// the root element.
func xmlEnd(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("the body is not XML after its root: %w", err)
		}

		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errors.New("data follows the XML root element")
			}
		default:
			return errors.New("data follows the XML root element")
		}
	}
}

// xmlSpace is the white space XML itself defines; other Unicode spaces are not trimmed.
const xmlSpace = " \t\r\n"

func ptrTo[T any](v T) *T {
	return &v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}

	return *s
}

// bodyStartBytes is how much of a body an error keeps: enough to redact a whole echoed
// security token before the message shows the first snippetRunes characters.
const (
	bodyStartBytes = 8 << 10
	snippetRunes   = 120
	shortenRunes   = 512
)

// bodyStart copies the start of a body for an error message.
func bodyStart(body []byte) []byte {
	return bytes.Clone(body[:min(len(body), bodyStartBytes)])
}

// snippet returns the start of a body for an error message, on one line.
func snippet(body []byte) string {
	text := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	return truncate(text, snippetRunes)
}

// shorten bounds text the service sent before it goes into a message, so that a hostile
// answer cannot bloat a diagnostic past what Terraform accepts, and replaces control
// characters, so that it cannot move the cursor or recolour a terminal either.
func shorten(text string) string {
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, "?"))

	return truncate(text, shortenRunes)
}

// truncate cuts text to at most n runes, marking the cut.
func truncate(text string, n int) string {
	runes := 0
	for i := range text {
		if runes == n {
			return text[:i] + "…"
		}
		runes++
	}

	return text
}
