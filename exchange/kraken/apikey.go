package kraken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// APIKeyInfo describes the API key used for the call (GetApiKeyInfo,
// documented in 2026). Times are zero when unset ("0").
type APIKeyInfo struct {
	Name        string
	Key         string // the public API key
	Nonce       uint64 // highest nonce Kraken has accepted
	NonceWindow int64  // 0 if not configured
	Permissions []string
	IBAN        string
	ValidUntil  Timestamp // key expiry
	QueryFrom   Timestamp // the key may only read history from here...
	QueryTo     Timestamp // ...to here
	Created     Timestamp
	Modified    Timestamp
	IPAllowlist []string
	LastUsed    Timestamp
}

// Permission tokens as GetApiKeyInfo reports them (REFERENCE §3.1).
const (
	TokenQueryFunds            = "query-funds"
	TokenAddFunds              = "add-funds"
	TokenWithdrawFunds         = "withdraw-funds"
	TokenEarnFunds             = "earn-funds"
	TokenQueryOpenTrades       = "query-open-trades"
	TokenQueryClosedTrades     = "query-closed-trades"
	TokenModifyTrades          = "modify-trades"
	TokenCloseTrades           = "close-trades"
	TokenQueryLedger           = "query-ledger"
	TokenExportData            = "export-data"
	TokenCreateWSToken         = "create-ws-token"
	TokenAddWithdrawAddress    = "add-withdraw-address"
	TokenUpdateWithdrawAddress = "update-withdraw-address"
)

// HasPermission reports whether the key has the permission token.
func (k *APIKeyInfo) HasPermission(token string) bool { return slices.Contains(k.Permissions, token) }

// UnmarshalJSON reads the documented fields leniently: Kraken documents
// times and the nonce as strings, so strings and numbers are both accepted.
func (k *APIKeyInfo) UnmarshalJSON(b []byte) error {
	var v struct {
		Name        string          `json:"apiKeyName"`
		Key         string          `json:"apiKey"`
		Nonce       json.RawMessage `json:"nonce"`
		NonceWindow json.RawMessage `json:"nonceWindow"`
		Permissions []string        `json:"permissions"`
		IBAN        string          `json:"iban"`
		ValidUntil  json.RawMessage `json:"validUntil"`
		QueryFrom   json.RawMessage `json:"queryFrom"`
		QueryTo     json.RawMessage `json:"queryTo"`
		Created     json.RawMessage `json:"createdTime"`
		Modified    json.RawMessage `json:"modifiedTime"`
		IPAllowlist []string        `json:"ipAllowlist"`
		LastUsed    json.RawMessage `json:"lastUsed"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*k = APIKeyInfo{Name: v.Name, Key: v.Key, Permissions: v.Permissions, IBAN: v.IBAN, IPAllowlist: v.IPAllowlist}
	if n, err := textInt(v.Nonce); err != nil {
		return fmt.Errorf("nonce: %w", err)
	} else {
		k.Nonce = uint64(max(n, 0))
	}
	if n, err := textInt(v.NonceWindow); err != nil {
		return fmt.Errorf("nonceWindow: %w", err)
	} else {
		k.NonceWindow = n
	}
	return parseTextTimestamps([]namedTimestamp{
		{"validUntil", v.ValidUntil, &k.ValidUntil}, {"queryFrom", v.QueryFrom, &k.QueryFrom},
		{"queryTo", v.QueryTo, &k.QueryTo}, {"createdTime", v.Created, &k.Created},
		{"modifiedTime", v.Modified, &k.Modified}, {"lastUsed", v.LastUsed, &k.LastUsed},
	})
}

// namedTimestamp is a timestamp field sent as text: its JSON name, its raw
// value (empty when absent) and where to store it.
type namedTimestamp struct {
	name string
	raw  json.RawMessage
	dst  *Timestamp
}

// parseTextTimestamps parses each present field; the error names the field.
func parseTextTimestamps(fields []namedTimestamp) error {
	for _, t := range fields {
		if len(t.raw) == 0 {
			continue
		}
		ts, err := parseTextTimestamp(t.raw)
		if err != nil {
			return errors.New(t.name + ": " + err.Error())
		}
		*t.dst = ts
	}
	return nil
}

// textInt reads an integer sent as a number or a string; absent is 0.
func textInt(raw json.RawMessage) (int64, error) {
	s := string(raw)
	if s == "" || s == "null" || s == `""` {
		return 0, nil
	}
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("want an integer, got " + jsonKind(raw))
	}
	return n, nil
}

// APIKeyInfo returns the key's name, permissions and restrictions
// (GetApiKeyInfo). It needs no permission. Where Kraken does not offer it,
// the error matches ErrUnknownMethod; probe permissions instead.
func (c *Client) APIKeyInfo(ctx context.Context) (*APIKeyInfo, error) {
	var r APIKeyInfo
	if err := c.do(ctx, "POST", "/0/private/GetApiKeyInfo", nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// WebSocketsToken is a token for Kraken's authenticated WebSocket feeds.
type WebSocketsToken struct {
	Token   *Secret       // use Token.Reveal() when subscribing
	Expires time.Duration // validity if unused
}

// GetWebSocketsToken returns a WebSocket authentication token. Needs
// "Access WebSockets API".
func (c *Client) GetWebSocketsToken(ctx context.Context) (*WebSocketsToken, error) {
	var r struct {
		Token   string `json:"token"`
		Expires int64  `json:"expires"`
	}
	if err := c.do(ctx, "POST", "/0/private/GetWebSocketsToken", nil, &r); err != nil {
		return nil, err
	}
	if r.Token == "" {
		return nil, &DecodeError{Endpoint: "GetWebSocketsToken", Field: "token", Err: errMissing}
	}
	return &WebSocketsToken{Token: NewSecret(r.Token), Expires: time.Duration(r.Expires) * time.Second}, nil
}
