package mock

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"sort"
	"strings"
)

// This file is the mock's own reading of RPC signature 1.0, written from the published
// algorithm and sharing no code with the client, so that a test passing against the mock
// shows the client signs as the service expects.

// percentEncode escapes every byte of s except A-Z a-z 0-9 - _ . ~ as %XY, upper-case.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"

	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0x0F])
		}
	}

	return b.String()
}

// StringToSign returns the RPC 1.0 string to sign for params (Signature excluded) sent
// with method.
func StringToSign(method string, params map[string]string) string {
	encoded := make(map[string]string, len(params))
	names := make([]string, 0, len(params))
	for name, value := range params {
		if name == "Signature" {
			continue
		}
		n := percentEncode(name)
		encoded[n] = percentEncode(value)
		names = append(names, n)
	}
	sort.Strings(names)

	pairs := make([]string, len(names))
	for i, name := range names {
		pairs[i] = name + "=" + encoded[name]
	}

	return method + "&" + percentEncode("/") + "&" + percentEncode(strings.Join(pairs, "&"))
}

// Signature returns the RPC 1.0 signature of stringToSign under secret.
func Signature(stringToSign, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(stringToSign))

	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signatureMatches reports whether got is the signature of stringToSign under secret,
// comparing in constant time.
func signatureMatches(got, stringToSign, secret string) bool {
	return hmac.Equal([]byte(got), []byte(Signature(stringToSign, secret)))
}
