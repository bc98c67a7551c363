package cloudauth

import (
	"net/url"
	"sort"
	"strings"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
)

// timestampLayout is the UTC form the RPC gateway expects in the Timestamp parameter.
const timestampLayout = "2006-01-02T15:04:05Z"

// rfc3986 turns Go's form encoding into the percent-encoding the RPC gateway canonicalizes
// with: a space is %20, never "+", "*" is escaped and "~" is left alone.
var rfc3986 = strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~")

// PercentEncode encodes s as UTF-8 with only A-Z a-z 0-9 - _ . ~ left unescaped.
func PercentEncode(s string) string {
	return rfc3986.Replace(url.QueryEscape(s))
}

// SignRPC returns the RPC 1.0 (HMAC-SHA1) signature of params sent with the given HTTP
// method, using Alibaba Cloud's own signing code. params must not hold Signature.
func SignRPC(method string, params map[string]string, secret string) string {
	signed := make(map[string]*string, len(params))
	for name, value := range params {
		signed[name] = &value
	}

	return *openapiutil.GetRPCSignature(signed, &method, &secret)
}

// EncodeForm returns params and their signature as an application/x-www-form-urlencoded
// body, names sorted and encoded exactly as they were canonicalized for signing.
func EncodeForm(params map[string]string, signature string) string {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)

	var b strings.Builder
	for _, name := range names {
		b.WriteString(PercentEncode(name))
		b.WriteByte('=')
		b.WriteString(PercentEncode(params[name]))
		b.WriteByte('&')
	}
	b.WriteString("Signature=")
	b.WriteString(PercentEncode(signature))

	return b.String()
}
