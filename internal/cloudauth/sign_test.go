package cloudauth_test

import (
	"encoding/json"
	"net/url"
	"os"
	"testing"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// rpcVector is a published RPC 1.0 signature example.
type rpcVector struct {
	Source       string            `json:"source"`
	Method       string            `json:"method"`
	Secret       string            `json:"secret"`
	Params       map[string]string `json:"params"`
	StringToSign string            `json:"string_to_sign"`
	Signature    string            `json:"signature"`
}

func loadRPCVectors(t *testing.T) []rpcVector {
	t.Helper()

	raw, err := os.ReadFile("testdata/signature.json")
	if err != nil {
		t.Fatal(err)
	}

	var vectors struct {
		RPC []rpcVector `json:"rpc_v1"`
	}
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors.RPC) == 0 {
		t.Fatal("no rpc_v1 vectors in testdata/signature.json")
	}

	return vectors.RPC
}

func TestSignRPC_publishedVectors(t *testing.T) {
	for _, v := range loadRPCVectors(t) {
		t.Run(v.Method, func(t *testing.T) {
			if got := cloudauth.SignRPC(v.Method, v.Params, v.Secret); got != v.Signature {
				t.Errorf("%s: signature %q, want %q", v.Source, got, v.Signature)
			}
		})
	}
}

func TestPercentEncode_reservedCharacters(t *testing.T) {
	cases := map[string]string{
		"a b":         "a%20b",
		"*":           "%2A",
		"~":           "~",
		"+":           "%2B",
		"/":           "%2F",
		"=&%":         "%3D%26%25",
		"AZaz09-_.":   "AZaz09-_.",
		"2016-02-23T": "2016-02-23T",
		"12:46:24":    "12%3A46%3A24",
		"不通过":         "%E4%B8%8D%E9%80%9A%E8%BF%87",
	}
	for in, want := range cases {
		if got := cloudauth.PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEncodeForm_roundTrips(t *testing.T) {
	params := map[string]string{
		"TicketId": "a b*~+/=&%中文",
		"Biz":      "RPBasic",
	}

	body := cloudauth.EncodeForm(params, "ab+/c=")
	want := "Biz=RPBasic&TicketId=a%20b%2A~%2B%2F%3D%26%25%E4%B8%AD%E6%96%87&Signature=ab%2B%2Fc%3D"
	if body != want {
		t.Fatalf("EncodeForm = %q, want %q", body, want)
	}

	decoded, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	if decoded.Get("TicketId") != params["TicketId"] || decoded.Get("Signature") != "ab+/c=" {
		t.Errorf("decoded %v", decoded)
	}
}
