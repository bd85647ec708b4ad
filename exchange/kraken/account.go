package kraken

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/cointally/cointally/money"
)

// balances decodes {asset: "amount"}; a missing or null result (seen for
// empty accounts) is an empty map.
type balances map[string]money.Amount

func (b *balances) decodeResult(endpoint string, raw []byte) error {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "[]" {
		*b = balances{}
		return nil
	}
	m := map[string]money.Amount{}
	if err := decodeJSON(endpoint, raw, &m); err != nil {
		return err
	}
	*b = m
	return nil
}

// Balance returns all cash balances, net of pending withdrawals, keyed by
// asset ID (including read-only ones such as "ETH2.S" or "USD.M"). Needs
// "Query Funds".
func (c *Client) Balance(ctx context.Context) (map[string]money.Amount, error) {
	var b balances
	if err := c.do(ctx, "POST", "/0/private/Balance", nil, &b); err != nil {
		return nil, err
	}
	return b, nil
}

// ExtendedBalance is one asset's entry in BalanceEx. Kraken's example sends
// JSON numbers, the live API strings; both are read exactly.
type ExtendedBalance struct {
	Balance    money.Amount `json:"balance"`
	Credit     money.Amount `json:"credit"`
	CreditUsed money.Amount `json:"credit_used"`
	HoldTrade  money.Amount `json:"hold_trade"`
}

// Available returns balance + credit − credit used − held for trades.
func (b ExtendedBalance) Available() money.Amount {
	return b.Balance.Add(b.Credit).Sub(b.CreditUsed).Sub(b.HoldTrade)
}

// BalanceEx returns balances with credit and amounts held for open orders.
// Needs "Query Funds".
func (c *Client) BalanceEx(ctx context.Context) (map[string]ExtendedBalance, error) {
	var r map[string]ExtendedBalance
	if err := c.do(ctx, "POST", "/0/private/BalanceEx", nil, &r); err != nil {
		return nil, err
	}
	return r, nil
}

// TradeBalance summarises margin trading balances, valued in one asset.
type TradeBalance struct {
	EquivalentBalance money.Amount  `json:"eb"`
	TradeBalance      money.Amount  `json:"tb"`
	MarginUsed        money.Amount  `json:"m"`
	UnrealizedPnL     money.Amount  `json:"n"`
	CostBasis         money.Amount  `json:"c"`
	FloatingValuation money.Amount  `json:"v"`
	Equity            money.Amount  `json:"e"`
	FreeMargin        money.Amount  `json:"mf"`
	MarginLevel       *money.Amount `json:"ml"` // nil without open positions
	UnexecutedValue   *money.Amount `json:"uv"`
}

// TradeBalance returns the trade balance valued in asset ("" for Kraken's
// default, ZUSD). Needs "Query Open Orders & Trades".
func (c *Client) TradeBalance(ctx context.Context, asset string) (*TradeBalance, error) {
	v := url.Values{}
	setIf(v, "asset", asset)
	var r TradeBalance
	if err := c.do(ctx, "POST", "/0/private/TradeBalance", v, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// FeeInfo is the fee for one pair in TradeVolume. NextFee and NextVolume
// are nil at the top tier.
type FeeInfo struct {
	Fee        money.Amount
	MinFee     money.Amount
	MaxFee     money.Amount
	NextFee    *money.Amount
	NextVolume *money.Amount
	TierVolume *money.Amount
}

// UnmarshalJSON accepts both the live API's names (minfee, nextvolume) and
// the schema's (min_fee, next_volume).
func (f *FeeInfo) UnmarshalJSON(b []byte) error {
	var v struct {
		Fee         money.Amount  `json:"fee"`
		MinFee      *money.Amount `json:"minfee"`
		MaxFee      *money.Amount `json:"maxfee"`
		NextFee     *money.Amount `json:"nextfee"`
		NextVolume  *money.Amount `json:"nextvolume"`
		TierVolume  *money.Amount `json:"tiervolume"`
		MinFee2     *money.Amount `json:"min_fee"`
		MaxFee2     *money.Amount `json:"max_fee"`
		NextFee2    *money.Amount `json:"next_fee"`
		NextVolume2 *money.Amount `json:"next_volume"`
		TierVolume2 *money.Amount `json:"tier_volume"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	pick := func(a, b *money.Amount) *money.Amount {
		if a != nil {
			return a
		}
		return b
	}
	f.Fee = v.Fee
	if p := pick(v.MinFee, v.MinFee2); p != nil {
		f.MinFee = *p
	}
	if p := pick(v.MaxFee, v.MaxFee2); p != nil {
		f.MaxFee = *p
	}
	f.NextFee = pick(v.NextFee, v.NextFee2)
	f.NextVolume = pick(v.NextVolume, v.NextVolume2)
	f.TierVolume = pick(v.TierVolume, v.TierVolume2)
	return nil
}

// TradeVolume is the account's 30-day volume and its fees.
type TradeVolume struct {
	Currency  string             `json:"currency"` // always "ZUSD"
	Volume    money.Amount       `json:"volume"`
	Fees      map[string]FeeInfo `json:"fees"`       // taker fees by pair
	FeesMaker map[string]FeeInfo `json:"fees_maker"` // maker fees by pair
}

// TradeVolume returns the 30-day volume and the fees for pairs. Needs
// "Query Funds".
func (c *Client) TradeVolume(ctx context.Context, pairs ...string) (*TradeVolume, error) {
	v := url.Values{}
	if len(pairs) > 0 {
		v.Set("pair", strings.Join(pairs, ","))
	}
	var r TradeVolume
	if err := c.do(ctx, "POST", "/0/private/TradeVolume", v, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
