package cloudauth_test

import (
	"net/url"
	"testing"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

// FuzzSignRPC signs arbitrary biz and ticket values and has the mock's own verifier,
// which shares no code with the client, agree on every signature; the form body must
// carry the values back unchanged.
func FuzzSignRPC(f *testing.F) {
	f.Add("RPBasic", "39ecf51e-2f81-4dc5-90ee-ff86125be683", "testsecret")
	f.Add("RP Basic*~+/=&%", "ticket 1*~+/=&%票据", "s3cr3t&")
	f.Add("场景", "不通过原因\u00a0\u2028😀", "")
	f.Add("a+b", "%2A%20", "x")

	f.Fuzz(func(t *testing.T, biz, ticket, secret string) {
		params := map[string]string{
			"Action": "GetStatus", "Version": cloudauth.APIVersion, "Format": "JSON",
			"RegionId": "cn-hangzhou", "Biz": biz, "TicketId": ticket,
			"AccessKeyId": "LTAI5tFuzz", "SignatureMethod": "HMAC-SHA1",
			"SignatureVersion": "1.0", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
			"Timestamp": "2026-12-04T08:00:00Z",
		}

		signature := cloudauth.SignRPC("POST", params, secret)
		want := mock.Signature(mock.StringToSign("POST", params), secret)
		if signature != want {
			t.Fatalf("biz %q ticket %q: client signs %s, the mock expects %s",
				biz, ticket, signature, want)
		}

		form, err := url.ParseQuery(cloudauth.EncodeForm(params, signature))
		if err != nil {
			t.Fatal(err)
		}
		if form.Get("Biz") != biz || form.Get("TicketId") != ticket ||
			form.Get("Signature") != signature {
			t.Fatalf("the body carries biz %q ticket %q, sent %q %q",
				form.Get("Biz"), form.Get("TicketId"), biz, ticket)
		}
	})
}
