package kraken

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/cointally/cointally/money"
)

// DepositMethod is one way to deposit an asset.
type DepositMethod struct {
	Method          string
	Limit           *money.Amount // nil: no limit (Kraken sends false)
	Fee             money.Amount
	AddressSetupFee money.Amount
	GenAddress      bool // whether new addresses can be generated
	Minimum         money.Amount
}

// UnmarshalJSON reads a method whose "limit" is a decimal or false.
func (d *DepositMethod) UnmarshalJSON(b []byte) error {
	var v struct {
		Method          string          `json:"method"`
		Limit           json.RawMessage `json:"limit"`
		Fee             *money.Amount   `json:"fee"`
		AddressSetupFee *money.Amount   `json:"address-setup-fee"`
		GenAddress      bool            `json:"gen-address"`
		Minimum         *money.Amount   `json:"minimum"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*d = DepositMethod{Method: v.Method, GenAddress: v.GenAddress}
	for _, p := range []struct {
		dst *money.Amount
		src *money.Amount
	}{{&d.Fee, v.Fee}, {&d.AddressSetupFee, v.AddressSetupFee}, {&d.Minimum, v.Minimum}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	switch s := string(v.Limit); s {
	case "", "null", "false":
	default:
		var a money.Amount
		if err := a.UnmarshalJSON(v.Limit); err != nil {
			return fmt.Errorf("limit: %w", err)
		}
		d.Limit = &a
	}
	return nil
}

// DepositMethods returns the ways asset can be deposited. Needs "Query
// Funds" and "Deposit Funds".
func (c *Client) DepositMethods(ctx context.Context, asset string) ([]DepositMethod, error) {
	var r []DepositMethod
	if err := c.do(ctx, "POST", "/0/private/DepositMethods", url.Values{"asset": {asset}}, &r); err != nil {
		return nil, err
	}
	return r, nil
}

// FundingTransaction is a deposit or withdrawal from DepositStatus or
// WithdrawStatus. The ledger is the complete history; these add the
// on-chain txid, the address (Info) and the network.
type FundingTransaction struct {
	Method      string       `json:"method"`
	Network     string       `json:"network"`
	AClass      string       `json:"aclass"`
	Asset       string       `json:"asset"`
	RefID       string       `json:"refid"`
	TxID        string       `json:"txid"`
	Info        string       `json:"info"`
	Amount      money.Amount `json:"amount"`
	Fee         money.Amount `json:"fee"`
	Time        Timestamp    `json:"time"`
	Status      string       `json:"status"`      // "Initial", "Pending", "Settled", "Success", "Failure"
	StatusProp  string       `json:"status-prop"` // "return", "onhold", "cancel-pending", ...
	Key         string       `json:"key"`         // withdrawal address name
	Originators []string     `json:"originators"`
}

// FundingStatus is a page of DepositStatus or WithdrawStatus, newest first.
type FundingStatus struct {
	Transactions []FundingTransaction
	NextCursor   string // "" on the last page or without cursor paging
}

// decodeResult accepts a plain list or, with cursor paging, an object
// holding the list and next_cursor.
func (s *FundingStatus) decodeResult(endpoint string, raw []byte) error {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '[':
		return decodeJSON(endpoint, raw, &s.Transactions)
	case len(raw) > 0 && raw[0] == '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return &DecodeError{Endpoint: endpoint, Err: err}
		}
		if c, ok := m["next_cursor"]; ok && string(c) != "null" && string(c) != "false" {
			if err := json.Unmarshal(c, &s.NextCursor); err != nil {
				return &DecodeError{Endpoint: endpoint, Field: "next_cursor", Err: err}
			}
		}
		for _, k := range sortedKeys(m) {
			if v := bytes.TrimSpace(m[k]); len(v) > 0 && v[0] == '[' {
				var list []FundingTransaction
				if err := decodeJSON(endpoint, v, &list); err != nil {
					return err
				}
				s.Transactions = list
				return nil
			}
		}
		return nil
	}
	return &DecodeError{Endpoint: endpoint, Err: errors.New("want a list of transactions, got " + jsonKind(raw))}
}

// FundingStatusOptions are the parameters of DepositStatus and
// WithdrawStatus.
type FundingStatusOptions struct {
	Asset  string
	AClass string
	Method string
	Start  Bound // exclusive; Unix time
	End    Bound // inclusive
	// Cursor enables cursor paging: "true" for the first page, then the
	// previous page's NextCursor.
	Cursor string
	Limit  int
}

func (o *FundingStatusOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	setIf(v, "asset", o.Asset)
	setIf(v, "aclass", o.AClass)
	setIf(v, "method", o.Method)
	setIf(v, "start", o.Start.String())
	setIf(v, "end", o.End.String())
	setIf(v, "cursor", o.Cursor)
	if o.Limit > 0 {
		v.Set("limit", strconv.Itoa(o.Limit))
	}
	return v
}

// DepositStatus returns recent deposits. Needs "Query Funds".
func (c *Client) DepositStatus(ctx context.Context, opts *FundingStatusOptions) (*FundingStatus, error) {
	var r FundingStatus
	if err := c.do(ctx, "POST", "/0/private/DepositStatus", opts.values(), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// WithdrawStatus returns recent withdrawals. Needs "Query Ledger Entries"
// (or "Withdraw Funds").
func (c *Client) WithdrawStatus(ctx context.Context, opts *FundingStatusOptions) (*FundingStatus, error) {
	var r FundingStatus
	if err := c.do(ctx, "POST", "/0/private/WithdrawStatus", opts.values(), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// WithdrawMethod is one way to withdraw an asset.
type WithdrawMethod struct {
	Asset   string       `json:"asset"`
	Method  string       `json:"method"`
	Network string       `json:"network"`
	Minimum money.Amount `json:"minimum"`
}

// WithdrawOptions filter WithdrawMethods and WithdrawAddresses.
type WithdrawOptions struct {
	Asset   string
	AClass  string
	Network string // WithdrawMethods only
	Method  string // WithdrawAddresses only
	Key     string // WithdrawAddresses only
	// Verified filters WithdrawAddresses by verification (nil: all).
	Verified *bool
}

// WithdrawMethods returns the ways assets can be withdrawn. It needs
// "Query Funds" and "Withdraw Funds", so success shows that the key can
// withdraw, which a read-only tracker should warn about.
func (c *Client) WithdrawMethods(ctx context.Context, opts *WithdrawOptions) ([]WithdrawMethod, error) {
	v := url.Values{}
	if opts != nil {
		setIf(v, "asset", opts.Asset)
		setIf(v, "aclass", opts.AClass)
		setIf(v, "network", opts.Network)
	}
	var r []WithdrawMethod
	if err := c.do(ctx, "POST", "/0/private/WithdrawMethods", v, &r); err != nil {
		return nil, err
	}
	return r, nil
}

// WithdrawAddress is a saved withdrawal address.
type WithdrawAddress struct {
	Address  string `json:"address"`
	Asset    string `json:"asset"`
	Method   string `json:"method"`
	Key      string `json:"key"`
	Tag      string `json:"tag"`
	Memo     string `json:"memo"`
	Verified bool   `json:"verified"`
}

// WithdrawAddresses returns saved withdrawal addresses. Needs "Query
// Funds" and "Withdraw Funds".
func (c *Client) WithdrawAddresses(ctx context.Context, opts *WithdrawOptions) ([]WithdrawAddress, error) {
	v := url.Values{}
	if opts != nil {
		setIf(v, "asset", opts.Asset)
		setIf(v, "aclass", opts.AClass)
		setIf(v, "method", opts.Method)
		setIf(v, "key", opts.Key)
		if opts.Verified != nil {
			v.Set("verified", strconv.FormatBool(*opts.Verified))
		}
	}
	var r []WithdrawAddress
	if err := c.do(ctx, "POST", "/0/private/WithdrawAddresses", v, &r); err != nil {
		return nil, err
	}
	return r, nil
}
