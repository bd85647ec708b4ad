package kraken

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"testing"
	"time"
)

// TestRequestParametersMatchKrakenExamples sends each call with the options
// Kraken's request example uses and checks that the parameter names match
// the example's keys.
func TestRequestParametersMatchKrakenExamples(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	yes := true
	tests := []struct {
		file        string
		call        func(c *Client) error
		unsupported []string // example keys the client deliberately does not send
	}{
		{"ledgers.request.json", func(c *Client) error {
			_, err := c.Ledgers(ctx, &LedgersOptions{Type: "trade", Start: BoundTime(time.Unix(1695728276, 0)), End: BoundTime(time.Unix(1695828276, 0))})
			return err
		}, nil},
		{"query-ledgers.request.json", func(c *Client) error { _, err := c.QueryLedgers(ctx, "LUI2RA-CJFLB-EN5I4P"); return err },
			[]string{"trade"}}, // the docs' example misspells "trades"
		{"trades-history.request.json", func(c *Client) error {
			_, err := c.TradesHistory(ctx, &TradesHistoryOptions{Type: "all", Trades: true, ConsolidateTaker: &yes})
			return err
		}, nil},
		{"query-trades.request.json", func(c *Client) error { _, err := c.QueryTrades(ctx, true, "T1"); return err }, nil},
		{"open-orders.request.json", func(c *Client) error {
			_, err := c.OpenOrders(ctx, &OpenOrdersOptions{Trades: true, ClOrdID: "9cc788d8"})
			return err
		}, nil},
		{"closed-orders.request.json", func(c *Client) error {
			_, err := c.ClosedOrders(ctx, &ClosedOrdersOptions{Trades: true, ClOrdID: "x", Start: BoundTime(time.Unix(1695728276, 0)),
				End: BoundTime(time.Unix(1695828276, 0)), CloseTime: "open"})
			return err
		}, nil},
		{"query-orders.request.json", func(c *Client) error { _, err := c.QueryOrders(ctx, true, "O1"); return err },
			[]string{"userref"}},
		{"trade-balance.request.json", func(c *Client) error { _, err := c.TradeBalance(ctx, "ZUSD"); return err }, nil},
		{"trade-volume.request.json", func(c *Client) error { _, err := c.TradeVolume(ctx, "XXBTZUSD"); return err }, nil},
		{"add-export.request.json", func(c *Client) error {
			_, err := c.AddExport(ctx, ExportRequest{Report: "trades", Description: "yearly report", Format: "CSV",
				Start: time.Unix(1695728276, 0), End: time.Unix(1695828276, 0)})
			return err
		}, nil},
		{"export-status.request.json", func(c *Client) error { _, err := c.ExportStatus(ctx, "trades"); return err }, nil},
		{"remove-export.request.json", func(c *Client) error { _, err := c.RemoveExport(ctx, "1234556", "cancel"); return err }, nil},
		{"deposit-methods.request.json", func(c *Client) error { _, err := c.DepositMethods(ctx, "XBT"); return err }, nil},
		{"deposit-status.request.json", func(c *Client) error {
			_, err := c.DepositStatus(ctx, &FundingStatusOptions{Asset: "XBT", Method: "Bitcoin"})
			return err
		}, nil},
		{"withdraw-status.request.json", func(c *Client) error {
			_, err := c.WithdrawStatus(ctx, &FundingStatusOptions{Asset: "XBT", Method: "bitcoin"})
			return err
		}, nil},
		{"earn-allocations.request.json", func(c *Client) error {
			_, err := c.EarnAllocations(ctx, &EarnAllocationsOptions{ConvertedAsset: "EUR", HideZeroAllocations: true})
			return err
		}, nil},
		{"add-order.request.json", func(c *Client) error {
			_, err := c.AddOrder(ctx, OrderRequest{Pair: "XBTUSD", Type: "buy", OrderType: "limit", Volume: amt("1.25"),
				Price: "27500", ClOrdID: "6d1b345e", Validate: true})
			return err
		}, []string{"validate"}}, // sent by us, absent from the example
		{"get-api-key-info.request.json", func(c *Client) error { _, err := c.APIKeyInfo(ctx); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			var exampleKeys map[string]json.RawMessage
			if err := json.Unmarshal(example(t, "requests/"+tt.file), &exampleKeys); err != nil {
				t.Fatal(err)
			}
			var sent url.Values
			c, _ := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sent = verifySignature(t, r, readBody(t, r))
				_, _ = w.Write([]byte(errBody("EGeneral:Permission denied"))) // the result does not matter here
			}), WithOTP("123456"))
			if err := tt.call(c); !errors.Is(err, ErrPermissionDenied) {
				t.Fatalf("call: %v", err)
			}
			ignore := append([]string{"otp"}, tt.unsupported...) // otp: only with 2FA keys
			want := keys(exampleKeys, ignore)
			got := keys(sent, ignore)
			if !slices.Equal(got, want) {
				t.Errorf("sent parameters %v, Kraken's example has %v", got, want)
			}
		})
	}
}

func keys[V any](m map[string]V, ignore []string) []string {
	var out []string
	for k := range m {
		if !slices.Contains(ignore, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func TestErrorEnvelopeExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file  string
		class Class
		extra string
	}{
		{"error-invalid-arguments-ordertype.json", ClassInvalidArguments, "ordertype"},
		{"error-unknown-asset-pair.json", ClassInvalidArguments, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, serveJSON(t, example(t, tt.file)))
			_, err := c.Ticker(context.Background(), "XBTUSD")
			var ae *APIError
			if !errors.As(err, &ae) || ae.Class != tt.class || ae.Extra != tt.extra || !errors.Is(err, ErrInvalidArguments) {
				t.Errorf("err = %v (%+v)", err, ae)
			}
		})
	}
}
