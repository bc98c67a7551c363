package cloudauth

import (
	"errors"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// keep is the identity: the reader's tests have no secrets to take out.
func keep(s string) string { return s }

func TestDecodeStatus_answers(t *testing.T) {
	cases := []struct {
		name string
		http int
		body string
		want Status
	}{
		{
			name: "documented example",
			http: 200,
			body: `{"Data":{"SimilarityScore":93.12,"AuthorityComparisonScore":98.13,` +
				`"StatusCode":1,"AuditConclusions":"不通过原因"},"Success":true}`,
			want: Status{StatusCode: 1, SimilarityScore: ptr(Decimal("93.12")),
				AuthorityComparisonScore: ptr(Decimal("98.13")),
				AuditConclusions:         ptr("不通过原因")},
		},
		{
			name: "documented XML example with Code beside Success",
			http: 200,
			body: `<?xml version="1.0" encoding="UTF-8"?><GetStatusResponse><RequestId>R1` +
				`</RequestId><Data><StatusCode>1</StatusCode><SimilarityScore>93.12` +
				`</SimilarityScore><AuthorityComparisonScore>98.13</AuthorityComparisonScore>` +
				`<AuditConclusions>不通过原因</AuditConclusions></Data><Success>true</Success>` +
				`<Code>1</Code></GetStatusResponse>`,
			want: Status{RequestID: "R1", StatusCode: 1, SimilarityScore: ptr(Decimal("93.12")),
				AuthorityComparisonScore: ptr(Decimal("98.13")),
				AuditConclusions:         ptr("不通过原因")},
		},
		{
			name: "integral score and absent fields",
			http: 200,
			body: `{"RequestId":"R2","Data":{"StatusCode":2,"SimilarityScore":100},"Success":true}`,
			want: Status{RequestID: "R2", StatusCode: 2, SimilarityScore: ptr(Decimal("100"))},
		},
		{
			name: "nulls are absent",
			http: 200,
			body: `{"Data":{"StatusCode":-1,"SimilarityScore":null,"AuditConclusions":null},` +
				`"Success":true,"Code":null}`,
			want: Status{StatusCode: -1},
		},
		{
			name: "error-looking Code with Success true",
			http: 200,
			body: `{"Code":"Error.InternalError","Data":{"StatusCode":0},"Success":true}`,
			want: Status{StatusCode: 0},
		},
		{
			name: "byte order mark and whitespace",
			http: 200,
			body: "\xef\xbb\xbf \n{\"Data\":{\"StatusCode\":0},\"Success\":true}\n",
			want: Status{StatusCode: 0},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeStatus(tc.http, "application/json", []byte(tc.body), keep)
			if err != nil {
				t.Fatal(err)
			}
			assertStatus(t, got, &tc.want)
		})
	}
}

func assertStatus(t *testing.T, got, want *Status) {
	t.Helper()

	str := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	dec := func(p *Decimal) string {
		if p == nil {
			return "<nil>"
		}
		return string(*p)
	}
	if got.RequestID != want.RequestID || got.StatusCode != want.StatusCode ||
		dec(got.SimilarityScore) != dec(want.SimilarityScore) ||
		dec(got.AuthorityComparisonScore) != dec(want.AuthorityComparisonScore) ||
		str(got.AuditConclusions) != str(want.AuditConclusions) {
		t.Errorf("got {%s %d sim=%s auth=%s audit=%s}, want {%s %d sim=%s auth=%s audit=%s}",
			got.RequestID, got.StatusCode, dec(got.SimilarityScore),
			dec(got.AuthorityComparisonScore), str(got.AuditConclusions),
			want.RequestID, want.StatusCode, dec(want.SimilarityScore),
			dec(want.AuthorityComparisonScore), str(want.AuditConclusions))
	}
}

func TestDecimal_BigFloatIsExact(t *testing.T) {
	if got := Decimal("93.12").BigFloat().Text('f', -1); got != "93.12" {
		t.Errorf("93.12 reads back as %s", got)
	}
	if f := Decimal("100").BigFloat(); !f.IsInt() || f.Text('f', -1) != "100" {
		t.Errorf("100 reads back as %s", f.Text('f', -1))
	}
}

// TestDecodeStatus_failures checks that every answer that is not a clean success is an
// error of the right kind, carrying what the user needs to see.
func TestDecodeStatus_failures(t *testing.T) {
	cases := []struct {
		name      string
		http      int
		body      string
		apiCode   string // a *APIError with this code, or "" for a *MalformedResponseError
		retryable bool
		contains  string
	}{
		{"Success false with HTTP 200", 200,
			`{"RequestId":"R","Success":false,"Code":"NoPermission","Message":"denied"}`,
			"NoPermission", false, "NoPermission"},
		{"error code without Success", 200, `{"RequestId":"R","Code":"Throttling"}`,
			"Throttling", true, "Throttling"},
		{"gateway error 404", 404,
			`{"RequestId":"R","Code":"InvalidAccessKeyId.NotFound","Message":"no"}`,
			"InvalidAccessKeyId.NotFound", false, "HTTP 404"},
		{"XML error body", 400, `<?xml version="1.0"?><Error><RequestId>R</RequestId>` +
			`<Code>SignatureDoesNotMatch</Code><Message>m</Message></Error>`,
			"SignatureDoesNotMatch", false, "SignatureDoesNotMatch"},
		{"503 without code", 503, `{"Message":"busy"}`, "", true, "HTTP 503"},
		{"internal error 500", 500, `{"Code":"Error.InternalError"}`, "Error.InternalError",
			true, "Error.InternalError"},
		{"501 not retried", 501, `{"Code":"NotImplemented"}`, "NotImplemented", false,
			"HTTP 501"},
		{"Success true but HTTP 500", 500, `{"Data":{"StatusCode":1},"Success":true}`, "",
			true, "HTTP 500"},
		{"no Success at all", 200, `{"Data":{"StatusCode":1}}`, "", false, "HTTP 200"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeStatus(tc.http, "application/json", []byte(tc.body), keep)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if apiErr.Code != tc.apiCode || apiErr.HTTPStatus != tc.http {
				t.Errorf("code %q HTTP %d, want %q HTTP %d", apiErr.Code, apiErr.HTTPStatus,
					tc.apiCode, tc.http)
			}
			if apiErr.Retryable() != tc.retryable {
				t.Errorf("Retryable() = %v, want %v", apiErr.Retryable(), tc.retryable)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not mention %q", err, tc.contains)
			}
		})
	}
}

func TestDecodeStatus_malformed(t *testing.T) {
	cases := []struct {
		name      string
		http      int
		body      string
		retryable bool
		reason    string
	}{
		{"empty body", 200, "", false, "the body is empty"},
		{"HTML error page", 502, "<!DOCTYPE html><html><body>Bad Gateway</body></html>", true,
			"an HTML page"},
		{"HTML page with 200", 200, "<HTML><body>login</body></HTML>", false, "an HTML page"},
		{"other XML", 200, "<?xml version=\"1.0\"?><Other/>", false,
			"XML root is <Other>"},
		{"plain text", 200, "upstream connect error", false, "neither JSON nor XML"},
		{"truncated JSON", 200, `{"Data":{"StatusCode":1,"Simil`, false, "not a JSON object"},
		{"no Data", 200, `{"Success":true}`, false, "no Data.StatusCode"},
		{"no StatusCode", 200, `{"Data":{"SimilarityScore":1},"Success":true}`, false,
			"no Data.StatusCode"},
		{"StatusCode as string", 200, `{"Data":{"StatusCode":"1"},"Success":true}`, false,
			`Data.StatusCode is "1", not a number`},
		{"StatusCode fractional", 200, `{"Data":{"StatusCode":1.0},"Success":true}`, false,
			"Data.StatusCode 1.0 is not an integer"},
		{"StatusCode out of range", 200, `{"Data":{"StatusCode":3},"Success":true}`, false,
			"Data.StatusCode 3 is not one of -1, 0, 1, 2"},
		{"score as string", 200, `{"Data":{"StatusCode":1,"SimilarityScore":"93.12"},` +
			`"Success":true}`, false, `Data.SimilarityScore is "93.12", not a number`},
		{"negative score", 200, `{"Data":{"StatusCode":1,"SimilarityScore":-0.5},` +
			`"Success":true}`, false, "Data.SimilarityScore -0.5 is outside 0 to 100"},
		{"score above 100", 200, `{"Data":{"StatusCode":1,"AuthorityComparisonScore":100.01},` +
			`"Success":true}`, false, "Data.AuthorityComparisonScore 100.01 is outside 0 to 100"},
		{"NaN score", 200, `{"Data":{"StatusCode":1,"SimilarityScore":NaN},"Success":true}`,
			false, "not a JSON object"},
		{"XML NaN score", 200, `<GetStatusResponse><Data><StatusCode>1</StatusCode>` +
			`<SimilarityScore>NaN</SimilarityScore></Data><Success>true</Success>` +
			`</GetStatusResponse>`, false, `Data.SimilarityScore is "NaN", not a number`},
		{"duplicate key", 200, `{"Data":{"StatusCode":2,"StatusCode":1},"Success":true}`,
			false, `key "StatusCode" appears twice`},
		{"duplicate Success", 200, `{"Success":false,"Data":{"StatusCode":1},"Success":true}`,
			false, `key "Success" appears twice`},
		{"trailing data", 200, `{"Data":{"StatusCode":1},"Success":true}{"x":1}`, false,
			"data follows the object"},
		{"Success as string", 200, `{"Data":{"StatusCode":1},"Success":"true"}`, false,
			"Success is \"true\", not true or false"},
		{"Data as array", 200, `{"Data":[1],"Success":true}`, false, "Data is not a JSON object"},
		{"audit as number", 200, `{"Data":{"StatusCode":1,"AuditConclusions":5},"Success":true}`,
			false, "Data.AuditConclusions is 5, not a string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeStatus(tc.http, "text/plain", []byte(tc.body), keep)
			var malformed *MalformedResponseError
			if !errors.As(err, &malformed) {
				t.Fatalf("err = %v (%T), want *MalformedResponseError", err, err)
			}
			if malformed.HTTPStatus != tc.http {
				t.Errorf("HTTP status %d, want %d", malformed.HTTPStatus, tc.http)
			}
			if malformed.Retryable() != tc.retryable {
				t.Errorf("Retryable() = %v, want %v", malformed.Retryable(), tc.retryable)
			}
			if !strings.Contains(malformed.Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", malformed.Reason, tc.reason)
			}
			if !strings.Contains(err.Error(), "HTTP") {
				t.Errorf("error %q does not name the HTTP status", err)
			}
		})
	}
}

// TestDecodeStatus_hostileAnswers covers answers built to make a failure read as a pass,
// or to make reading them crash or hang.
func TestDecodeStatus_hostileAnswers(t *testing.T) {
	cases := []struct {
		name string
		http int
		body string
		// apiError is set when a *APIError is due, else a *MalformedResponseError.
		apiError bool
		contains string
	}{
		{"XML duplicate Success", 200, `<GetStatusResponse><Success>false</Success><Data>` +
			`<StatusCode>1</StatusCode></Data><Success>true</Success></GetStatusResponse>`,
			false, "element <Success> appears twice in <GetStatusResponse>"},
		{"XML duplicate Data", 200, `<GetStatusResponse><Data><StatusCode>2</StatusCode>` +
			`</Data><Data><StatusCode>1</StatusCode></Data><Success>true</Success>` +
			`</GetStatusResponse>`, false, "element <Data> appears twice"},
		{"XML duplicate StatusCode", 200, `<GetStatusResponse><Data><StatusCode>2` +
			`</StatusCode><StatusCode>1</StatusCode></Data><Success>true</Success>` +
			`</GetStatusResponse>`, false, "element <StatusCode> appears twice in <Data>"},
		{"XML Error root claiming success", 200, `<Error><RequestId>gw</RequestId>` +
			`<Code>Forbidden.RAM</Code><Data><StatusCode>1</StatusCode></Data>` +
			`<Success>true</Success></Error>`, true, "Forbidden.RAM"},
		{"XML Success 1", 200, `<GetStatusResponse><Data><StatusCode>1</StatusCode></Data>` +
			`<Success>1</Success></GetStatusResponse>`, false, `Success is "1"`},
		{"XML second root", 200, `<GetStatusResponse><Data><StatusCode>1</StatusCode></Data>` +
			`<Success>true</Success></GetStatusResponse><GetStatusResponse/>`, false,
			"data follows the XML root element"},
		{"XML trailing text", 200, `<GetStatusResponse><Data><StatusCode>1</StatusCode>` +
			`</Data><Success>true</Success></GetStatusResponse>garbage`, false,
			"data follows the XML root element"},
		{"XML element inside a value", 200, `<GetStatusResponse><Data><StatusCode>1<x>2</x>` +
			`</StatusCode></Data><Success>true</Success></GetStatusResponse>`, false,
			"element <StatusCode> holds an element, not text"},
		{"XML DOCTYPE", 200, `<?xml version="1.0"?><!DOCTYPE GetStatusResponse [` +
			`<!ENTITY s "1">]><GetStatusResponse><Data><StatusCode>&s;</StatusCode></Data>` +
			`<Success>true</Success></GetStatusResponse>`, false, "DOCTYPE"},
		{"huge score exponent", 200, `{"Success":true,"Data":{"StatusCode":2,` +
			`"SimilarityScore":1e999999999999}}`, false, "is not a score"},
		{"tiny score exponent", 200, `{"Success":true,"Data":{"StatusCode":2,` +
			`"SimilarityScore":1e-300000}}`, false, "is not a score"},
		{"XML huge score exponent", 200, `<GetStatusResponse><Data><StatusCode>1</StatusCode>` +
			`<AuthorityComparisonScore>1e99999999999</AuthorityComparisonScore></Data>` +
			`<Success>true</Success></GetStatusResponse>`, false, "is not a score"},
		{"206 Partial Content", 206, `{"Success":true,"Data":{"StatusCode":1}}`, true,
			"HTTP 206"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, err := decodeStatus(tc.http, "text/xml", []byte(tc.body), keep)

			if status != nil {
				t.Fatalf("read as status %d", status.StatusCode)
			}
			var apiErr *APIError
			var malformed *MalformedResponseError
			if tc.apiError && !errors.As(err, &apiErr) ||
				!tc.apiError && !errors.As(err, &malformed) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not contain %q", err, tc.contains)
			}
		})
	}
}

func TestDecodeStatus_boundsWhatItRepeats(t *testing.T) {
	huge := strings.Repeat("1234567,", 100000)
	cases := map[string]string{
		"ill-typed Code": `{"Code":[` + huge + `1]}`,
		"long Message":   `{"Success":false,"Code":"X","Message":"` + huge + `"}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := decodeStatus(200, "application/json", []byte(body), keep)
			if err == nil || len(err.Error()) > 2000 {
				t.Errorf("error of %d bytes: want an error under 2000 bytes", len(err.Error()))
			}
		})
	}
}
