package krakensim

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLedgerCSVHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		gen    LedgerCSVGen
		fields int
		has    []string
	}{
		{LedgerCSVGenA, 10, nil},
		{LedgerCSVGenB, 11, []string{"wallet"}},
		{LedgerCSVGenC, 12, []string{"wallet", "subclass"}},
		{LedgerCSVGenD, 16, []string{"wallet", "subclass", "amountusd", "feeusd", "balanceusd", "feecurrency"}},
	}
	for _, tc := range tests {
		h, err := csv.NewReader(strings.NewReader(LedgerCSVHeader(tc.gen))).Read()
		if err != nil || len(h) != tc.fields || h[0] != "txid" || h[1] != "refid" {
			t.Errorf("gen %d: header %v, %v", tc.gen, h, err)
		}
		for _, f := range tc.has {
			if !strings.Contains(LedgerCSVHeader(tc.gen), `"`+f+`"`) {
				t.Errorf("gen %d: no %s", tc.gen, f)
			}
		}
	}
	if LedgerCSVHeader(defaultLedgerCSVGen) != LedgerCSVHeader(LedgerCSVGenD) {
		t.Error("the default generation is not D")
	}
}

// parseFixed parses a decimal string with at most places decimals into
// 10^-places units.
func parseFixed(s string, places int) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > places {
		return 0, errors.New("too many decimals in " + s)
	}
	frac += strings.Repeat("0", places-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if neg {
		v = -v
	}
	return v, err
}

func TestLedgerCSVRoundTrip(t *testing.T) {
	t.Parallel()
	a, m := testHistory(), testMarket()
	tests := []struct {
		name string
		opt  LedgerCSVOptions
	}{
		{"A", LedgerCSVOptions{Gen: LedgerCSVGenA}},
		{"B", LedgerCSVOptions{Gen: LedgerCSVGenB}},
		{"C", LedgerCSVOptions{Gen: LedgerCSVGenC}},
		{"D", LedgerCSVOptions{Gen: LedgerCSVGenD}},
		{"D unquoted trimmed", LedgerCSVOptions{Gen: LedgerCSVGenD, UnquotedNumbers: true, TrimZeros: true}},
	}
	wantPending := 0
	for i := range a.Entries {
		if _, ok := pendingRowType(&a.Entries[i]); ok {
			wantPending++
		}
	}
	if wantPending == 0 {
		t.Fatal("no pending rows expected: no deposits?")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := WriteLedgersCSVOptions(&buf, a, m, tc.opt); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			if tc.opt.UnquotedNumbers != !strings.Contains(text, `","-`) {
				t.Errorf("quoting of numbers wrong (unquoted=%v)", tc.opt.UnquotedNumbers)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := map[string]int{}
			for i, h := range rows[0] {
				col[h] = i
			}
			rows = rows[1:]
			if len(rows) != len(a.Entries)+wantPending {
				t.Fatalf("%d rows, want %d entries + %d pending", len(rows), len(a.Entries), wantPending)
			}
			k, pending := 0, 0
			var prevTime string
			for i, r := range rows {
				if r[col["time"]] < prevTime {
					t.Fatalf("row %d: time %s before %s", i, r[col["time"]], prevTime)
				}
				prevTime = r[col["time"]]
				e := a.Entries[k]
				info, _ := AssetByID(e.Asset)
				amount, err1 := parseFixed(r[col["amount"]], info.Decimals)
				fee, err2 := parseFixed(r[col["fee"]], info.Decimals)
				if err1 != nil || err2 != nil {
					t.Fatalf("row %d: %v %v", i, err1, err2)
				}
				if r[col["txid"]] == "" {
					// The pending row of the entry that follows.
					pending++
					if r[col["refid"]] != e.RefID || amount != e.Amount || fee != e.Fee || r[col["balance"]] != "" {
						t.Fatalf("row %d: pending row %v for entry %+v", i, r, e)
					}
					if typ, ok := pendingRowType(&e); !ok || r[col["type"]] != typ {
						t.Fatalf("row %d: pending row type %s for %+v", i, r[col["type"]], e)
					}
					continue
				}
				balance, err := parseFixed(r[col["balance"]], info.Decimals)
				if err != nil {
					t.Fatal(err)
				}
				if r[col["txid"]] != e.ID || r[col["refid"]] != e.RefID || r[col["type"]] != e.Type ||
					r[col["subtype"]] != e.Subtype || amount != e.Amount || fee != e.Fee || balance != e.Balance ||
					r[col["time"]] != e.Time.Time().Format(time.DateTime) {
					t.Fatalf("row %d: %v, entry %+v", i, r, e)
				}
				wantAsset := e.Asset
				if tc.opt.Gen >= LedgerCSVGenC {
					wantAsset = DisplayCode(e.Asset)
				}
				if r[col["asset"]] != wantAsset {
					t.Fatalf("row %d: asset %s, want %s", i, r[col["asset"]], wantAsset)
				}
				if w, ok := col["wallet"]; ok && r[w] != info.Wallet {
					t.Fatalf("row %d: wallet %s, want %s", i, r[w], info.Wallet)
				}
				if s, ok := col["subclass"]; ok && r[s] != info.Subclass {
					t.Fatalf("row %d: subclass %s", i, r[s])
				}
				if u, ok := col["amountusd"]; ok {
					usd, err := parseFixed(r[u], 4)
					if err != nil || usd != m.USDValue(e.Asset, e.Amount, e.Time.Time()) || r[col["feecurrency"]] != DisplayCode(e.Asset) {
						t.Fatalf("row %d: amountusd %s (%v), feecurrency %s", i, r[u], err, r[col["feecurrency"]])
					}
				}
				k++
			}
			if k != len(a.Entries) || pending != wantPending {
				t.Errorf("read %d entries and %d pending rows", k, pending)
			}
		})
	}
}

func TestLedgerCSVWindow(t *testing.T) {
	t.Parallel()
	a := testHistory()
	from, to := date(2021, 1, 1), date(2021, 12, 31)
	var buf bytes.Buffer
	if err := WriteLedgersCSV(&buf, a, nil, LedgerCSVGenA, from, to); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range a.Entries {
		e := &a.Entries[i]
		if e.Time >= StampOf(from) && e.Time <= StampOf(to) {
			want++
			if _, ok := pendingRowType(e); ok {
				want++
			}
		}
	}
	if len(rows)-1 != want || want == 0 {
		t.Errorf("%d rows in 2021, want %d", len(rows)-1, want)
	}
}

var reTradeTime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{4}$`)

func TestTradesCSV(t *testing.T) {
	t.Parallel()
	a := testHistory()
	for _, gen := range []TradesCSVGen{TradesCSVClassic, TradesCSVNew} {
		var buf bytes.Buffer
		if err := WriteTradesCSV(&buf, a, gen, time.Time{}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(buf.String(), TradesCSVHeader(gen)+"\n") {
			t.Errorf("gen %d: header", gen)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		rows = rows[1:]
		if len(rows) != len(a.Trades) {
			t.Fatalf("gen %d: %d rows, %d trades", gen, len(rows), len(a.Trades))
		}
		for i, r := range rows {
			tr := a.Trades[i]
			p, _ := PairByName(tr.Pair)
			q, _ := AssetByID(p.Quote)
			cost, _ := parseFixed(r[col["cost"]], q.Decimals)
			fee, _ := parseFixed(r[col["fee"]], q.Decimals)
			vol, _ := parseFixed(r[col["vol"]], p.LotDecimals)
			price, _ := parseFixed(r[col["price"]], p.PairDecimals)
			wantPair := p.ID
			if gen == TradesCSVNew {
				wantPair = DisplayCode(p.Base) + "/" + DisplayCode(p.Quote)
			}
			if r[col["txid"]] != tr.ID || r[col["ordertxid"]] != tr.OrderID || r[col["pair"]] != wantPair ||
				cost != tr.Cost || fee != tr.Fee || vol != tr.Vol || price != tr.Price ||
				r[col["ledgers"]] != strings.Join(tr.Ledgers, ",") || !reTradeTime.MatchString(r[col["time"]]) {
				t.Fatalf("gen %d row %d: %v, trade %+v", gen, i, r, tr)
			}
		}
	}
}

func TestExportZIP(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteLedgersCSV(&buf, testHistory(), nil, LedgerCSVGenB, time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	z, err := ExportZIP("ledgers.csv", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "ledgers.csv" {
		t.Fatalf("zip holds %v", zr.File)
	}
	f, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("zip content differs (%d vs %d bytes, %v)", len(got), buf.Len(), err)
	}
}

func BenchmarkWriteLedgersCSV(b *testing.B) {
	m := NewMarket(1)
	a := Generate(m, 1, "bench", DefaultHistorySpec(100_000))
	var size int64
	{
		var buf bytes.Buffer
		if err := WriteLedgersCSV(&buf, a, m, LedgerCSVGenD, time.Time{}, time.Time{}); err != nil {
			b.Fatal(err)
		}
		size = int64(buf.Len())
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteLedgersCSV(io.Discard, a, m, LedgerCSVGenD, time.Time{}, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(a.Entries)), "entries/op")
}

func TestAppendCSVDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v      int64
		places int
		want   string
		trim   string
	}{
		{0, 4, "0.0000", "0"},
		{-245000, 4, "-24.5000", "-24.5"},
		{5, 4, "0.0005", "0.0005"},
		{-5, 10, "-0.0000000005", "-0.0000000005"},
		{123, 0, "123", "123"},
		{0, 0, "0", "0"},
		{-1_0000, 4, "-1.0000", "-1"},
		{9_223_372_036_854_775_807, 10, "922337203.6854775807", "922337203.6854775807"},
		{-9_223_372_036_854_775_807, 2, "-92233720368547758.07", "-92233720368547758.07"},
	}
	for _, tc := range tests {
		if got := string(appendCSVDecimal(nil, tc.v, tc.places, false)); got != tc.want || got != FormatFixed(tc.v, tc.places) {
			t.Errorf("appendCSVDecimal(%d, %d) = %q, want %q (FormatFixed %q)", tc.v, tc.places, got, tc.want, FormatFixed(tc.v, tc.places))
		}
		if got := string(appendCSVDecimal(nil, tc.v, tc.places, true)); got != tc.trim {
			t.Errorf("appendCSVDecimal(%d, %d, trim) = %q, want %q", tc.v, tc.places, got, tc.trim)
		}
	}
}
