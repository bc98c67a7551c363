package mock

import (
	"encoding/json"
	"os"
	"testing"
)

// rpcVector is one RPC signature 1.0 test vector of the shared signature.json.
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

	raw, err := os.ReadFile("../cloudauth/testdata/signature.json")
	if err != nil {
		t.Fatalf("reading the signature vectors: %v", err)
	}

	var file struct {
		RPCV1 []rpcVector `json:"rpc_v1"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("decoding the signature vectors: %v", err)
	}
	if len(file.RPCV1) == 0 {
		t.Fatal("signature.json holds no rpc_v1 vector")
	}

	return file.RPCV1
}

func TestStringToSign_vectors(t *testing.T) {
	vectors := loadRPCVectors(t)

	checked := 0
	for _, v := range vectors {
		if v.StringToSign == "" {
			continue
		}

		got := StringToSign(v.Method, v.Params)
		if got != v.StringToSign {
			t.Errorf("%s:\nStringToSign = %q\nwant           %q", v.Source, got, v.StringToSign)
		}
		checked++
	}

	if checked == 0 {
		t.Fatal("no rpc_v1 vector gives a string_to_sign")
	}
}

func TestSignature_vectors(t *testing.T) {
	for _, v := range loadRPCVectors(t) {
		got := Signature(StringToSign(v.Method, v.Params), v.Secret)

		if got != v.Signature {
			t.Errorf("%s: Signature = %q, want %q", v.Source, got, v.Signature)
		}
	}
}

func TestSignature_vectorsIgnoreSignatureParam(t *testing.T) {
	for _, v := range loadRPCVectors(t) {
		params := map[string]string{"Signature": "ignored"}
		for name, value := range v.Params {
			params[name] = value
		}

		got := Signature(StringToSign(v.Method, params), v.Secret)

		if got != v.Signature {
			t.Errorf("%s: Signature with a Signature parameter = %q, want %q",
				v.Source, got, v.Signature)
		}
	}
}

func TestPercentEncode_characters(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unreserved", "AZaz09-_.~", "AZaz09-_.~"},
		{"space", " ", "%20"},
		{"asterisk", "*", "%2A"},
		{"tilde", "~", "~"},
		{"plus", "+", "%2B"},
		{"slash", "/", "%2F"},
		{"equals", "=", "%3D"},
		{"ampersand", "&", "%26"},
		{"percent", "%", "%25"},
		{"colon", "2016-02-23T12:46:24Z", "2016-02-23T12%3A46%3A24Z"},
		{"chinese", "不通过原因", "%E4%B8%8D%E9%80%9A%E8%BF%87%E5%8E%9F%E5%9B%A0"},
		{"control and high bytes", "\x00\n\x7f\xff", "%00%0A%7F%FF"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := percentEncode(tt.in)

			if got != tt.want {
				t.Errorf("percentEncode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStringToSign_encodesSpecialCharacters(t *testing.T) {
	params := map[string]string{"TicketId": "a b*c~d+e/f=g&h%i不"}

	got := StringToSign("GET", params)

	want := "GET&%2F&TicketId%3Da%2520b%252Ac~d%252Be%252Ff%253Dg%2526h%2525i%25E4%25B8%258D"
	if got != want {
		t.Errorf("StringToSign = %q, want %q", got, want)
	}
}

func TestStringToSign_encodesNames(t *testing.T) {
	params := map[string]string{"a b": "1", "c*": "2"}

	got := StringToSign("POST", params)

	want := "POST&%2F&a%2520b%3D1%26c%252A%3D2"
	if got != want {
		t.Errorf("StringToSign = %q, want %q", got, want)
	}
}

func TestStringToSign_sortsByEncodedName(t *testing.T) {
	// Raw, "xa" sorts before "x{" (0x61 < 0x7B); encoded, "x%7B" sorts before "xa".
	params := map[string]string{"xa": "1", "x{": "2", "x~": "3", "alpha": "4", "Zeta": "5"}

	got := StringToSign("GET", params)

	want := "GET&%2F&Zeta%3D5%26alpha%3D4%26x%257B%3D2%26xa%3D1%26x~%3D3"
	if got != want {
		t.Errorf("StringToSign = %q, want %q", got, want)
	}
}

func TestStringToSign_emptyValue(t *testing.T) {
	params := map[string]string{"A": "", "B": "b"}

	got := StringToSign("GET", params)

	want := "GET&%2F&A%3D%26B%3Db"
	if got != want {
		t.Errorf("StringToSign = %q, want %q", got, want)
	}
}

func TestStringToSign_noParams(t *testing.T) {
	got := StringToSign("GET", map[string]string{"Signature": "x"})

	if got != "GET&%2F&" {
		t.Errorf("StringToSign = %q, want %q", got, "GET&%2F&")
	}
}

func TestSignature_knownValues(t *testing.T) {
	tests := []struct {
		name, stringToSign, secret, want string
	}{
		{"empty", "", "", "5CoEcoq7XoKFjwYCieQvuzadeUA="},
		{
			"sorted names", "GET&%2F&x%257B%3D2%26xa%3D1%26x~%3D3", "k",
			"m9PTLNVZ8Jsr1QyewGxQZwGvrFM=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Signature(tt.stringToSign, tt.secret)

			if got != tt.want {
				t.Errorf("Signature = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSignatureMatches_cases(t *testing.T) {
	const stringToSign = "GET&%2F&A%3D1"
	const good = "F6Jxc74t5qRqjH4geYYztNzuPTQ="

	tests := []struct {
		name, got, secret string
		want              bool
	}{
		{"same", good, "secret", true},
		{"other secret", good, "Secret", false},
		{"empty", "", "secret", false},
		{"truncated", good[:len(good)-1], "secret", false},
		{"one char changed", "G" + good[1:], "secret", false},
		{"lower case", "f6Jxc74t5qRqjH4geYYztNzuPTQ=", "secret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := signatureMatches(tt.got, stringToSign, tt.secret)

			if got != tt.want {
				t.Errorf("signatureMatches(%q) = %v, want %v", tt.got, got, tt.want)
			}
		})
	}
}
