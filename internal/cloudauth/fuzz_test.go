package cloudauth

import (
	"errors"
	"math/big"
	"testing"
)

// FuzzDecodeStatus feeds the reader arbitrary bodies. Whatever it gets, it must not panic,
// and a body it accepts must be a successful answer with a defined status code and scores
// within 0 to 100: nothing malformed may read as a status.
func FuzzDecodeStatus(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{200, `{"Data":{"SimilarityScore":93.12,"AuthorityComparisonScore":98.13,` +
			`"StatusCode":1,"AuditConclusions":"不通过原因"},"Success":true}`},
		{200, `<GetStatusResponse><Data><StatusCode>1</StatusCode></Data><Success>true` +
			`</Success><Code>1</Code></GetStatusResponse>`},
		{200, `{"Data":{"StatusCode":1,"Simil`},
		{200, ``},
		{502, `<!DOCTYPE html><html><body>Bad Gateway</body></html>`},
		{200, `upstream connect error or disconnect/reset before headers`},
		{400, `<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code></Error>`},
		{200, `{"Data":{"StatusCode":"1"},"Success":true}`},
		{200, `{"Data":{"StatusCode":7},"Success":true}`},
		{200, `{"Data":{"StatusCode":1,"SimilarityScore":"93.12"},"Success":true}`},
		{200, `{"Data":{"StatusCode":1,"SimilarityScore":-1},"Success":true}`},
		{200, `{"Data":{"StatusCode":1,"SimilarityScore":100.5},"Success":true}`},
		{200, `{"Data":{"StatusCode":1,"SimilarityScore":NaN},"Success":true}`},
		{200, `{"Data":{"StatusCode":2,"StatusCode":1},"Success":true}`},
		{200, `{"Success":false,"Code":"NoPermission","Data":{"StatusCode":1}}`},
		{200, `{"Success":true,"Code":"Error.InternalError","Data":{"StatusCode":1}}`},
		{200, `{"Data":{"StatusCode":1e0},"Success":true}`},
		{200, `{"Data":{"StatusCode":1},"Success":true} trailing`},
		{200, `{"Success":true,"Data":{"StatusCode":2,"SimilarityScore":1e999999999999}}`},
		{200, `{"Success":true,"Data":{"StatusCode":2,"SimilarityScore":1e-300000}}`},
		{200, `<Error><Success>false</Success><Data><StatusCode>2</StatusCode></Data>` +
			`<Success>1</Success><Data><StatusCode>1</StatusCode></Data></Error>`},
		{200, `<GetStatusResponse><Data><StatusCode>1<x>2</x></StatusCode></Data>` +
			`<Success>true</Success></GetStatusResponse>trailing`},
		{206, `{"Data":{"StatusCode":1},"Success":true}`},
	}
	for _, seed := range seeds {
		f.Add(seed.status, []byte(seed.body))
	}

	hundred := big.NewFloat(100)
	f.Fuzz(func(t *testing.T, httpStatus int, body []byte) {
		status, err := decodeStatus(httpStatus, "application/json", body, keep)
		if err != nil {
			var apiErr *APIError
			var malformed *MalformedResponseError
			if !errors.As(err, &apiErr) && !errors.As(err, &malformed) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if status != nil {
				t.Fatalf("a status beside an error: %+v", status)
			}
			return
		}

		if httpStatus != 200 {
			t.Fatalf("HTTP %d accepted", httpStatus)
		}
		if _, ok := StatusName(status.StatusCode); !ok {
			t.Fatalf("status code %d accepted", status.StatusCode)
		}
		if status.Passed() != (status.StatusCode == StatusPassed) {
			t.Fatalf("Passed() = %v for status code %d", status.Passed(), status.StatusCode)
		}
		for _, score := range []*Decimal{status.SimilarityScore, status.AuthorityComparisonScore} {
			if score == nil {
				continue
			}
			if f := score.BigFloat(); f.Sign() < 0 || f.Cmp(hundred) > 0 {
				t.Fatalf("score %s accepted", *score)
			}
		}
	})
}
