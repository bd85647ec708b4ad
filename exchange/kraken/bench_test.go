package kraken

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// roundTripFunc is an in-process transport: no network, no server.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// ledgerPage50 is a realistic 50-entry Ledgers page.
func ledgerPage50() []byte {
	var b strings.Builder
	b.WriteString(`{"error":[],"result":{"ledger":{`)
	for i := range 50 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"L%05d-KG3EQ-UFO4T5":{"refid":"TJKLXF-PGMUI-%05d","time":%d.%04d,"type":"trade","subtype":"tradespot","aclass":"currency","asset":"ZGBP","amount":"-24.%04d","fee":"0.0490","balance":"459567.%04d"}`,
			i, i, 1688464484-i*60, i*37%10000, i, i*13)
	}
	b.WriteString(`},"count":5000}}`)
	return []byte(b.String())
}

// BenchmarkPrivateCallOverhead measures one private Ledgers call without
// network cost: nonce, signing, request building, envelope check and
// decoding a 50-entry page into exact decimals.
func BenchmarkPrivateCallOverhead(b *testing.B) {
	page := ledgerPage50()
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(page)), Request: r}, nil
	})}
	clk := newFakeClock()
	c, err := NewClient(WithHTTPClient(hc), WithCredentials(testAPIKey, testPrivateKey),
		WithClock(clk.Now), WithSleep(clk.Sleep), WithTier(Tier{Name: "custom", Max: 1e12, Decay: 1e12}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		p, err := c.Ledgers(ctx, &LedgersOptions{Offset: 50})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Entries) != 50 {
			b.Fatalf("%d entries", len(p.Entries))
		}
	}
}

// BenchmarkSign measures the signature alone.
func BenchmarkSign(b *testing.B) {
	secret, err := ParsePrivateKey(testPrivateKey)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte("nonce=1616492376594&ofs=50")
	b.ReportAllocs()
	for b.Loop() {
		_ = Sign(secret, "/0/private/Ledgers", 1616492376594, body)
	}
}

// BenchmarkDecodeLedgerPage measures decoding alone.
func BenchmarkDecodeLedgerPage(b *testing.B) {
	page := ledgerPage50()
	c, _ := NewClient()
	b.ReportAllocs()
	for b.Loop() {
		var p LedgersPage
		if err := c.interpret("Ledgers", 200, page, &p); err != nil {
			b.Fatal(err)
		}
	}
}
