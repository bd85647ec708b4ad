package kraken

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"strconv"
)

// Sign returns the API-Sign header value for a private request, exactly as
// Kraken specifies it:
//
//	API-Sign = base64(HMAC-SHA512(key = secret, uriPath || SHA256(nonce || body)))
//
// uriPath is the request path as sent ("/0/private/Ledgers", including a
// "?query" if the request has one), nonce the decimal nonce that also appears
// in the body, and body the exact bytes sent (a form-encoded string or JSON
// text). secret is the decoded private key.
func Sign(secret *Secret, uriPath string, nonce uint64, body []byte) string {
	var nbuf [20]byte
	inner := sha256.New()
	inner.Write(strconv.AppendUint(nbuf[:0], nonce, 10))
	inner.Write(body)
	var sum [sha256.Size]byte

	mac := hmac.New(sha512.New, secret.bytes())
	mac.Write([]byte(uriPath))
	mac.Write(inner.Sum(sum[:0]))
	var sig [sha512.Size]byte
	return base64.StdEncoding.EncodeToString(mac.Sum(sig[:0]))
}
