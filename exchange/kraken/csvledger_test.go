package kraken_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/money"
)

// readAll reads every entry of a ledgers CSV.
func readAll(t *testing.T, data []byte, opts kraken.LedgerCSVOptions) ([]cointally.Entry, *kraken.LedgerCSVReader) {
	t.Helper()
	lr, err := kraken.NewLedgerCSVReaderOptions(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []cointally.Entry
	for {
		e, err := lr.Read()
		if errors.Is(err, io.EOF) {
			return out, lr
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
}

// TestLedgerCSVGenerations writes the ledger of a krakensim account in each
// header generation (and the number styles of real exports), reads it back
// and checks it against the same account's Ledgers walk.
func TestLedgerCSVGenerations(t *testing.T) {
	t.Parallel()
	env := newSimEnv(t, 600)
	api := apiLedger(t, env.client(t, "ro", secretB))
	acct := env.sim.Account("alice")
	tests := []struct {
		gen     krakensim.LedgerCSVGen
		want    kraken.LedgerCSVGeneration
		opts    krakensim.LedgerCSVOptions
		display bool // asset codes written as display codes
	}{
		{krakensim.LedgerCSVGenA, kraken.LedgerCSVGenA, krakensim.LedgerCSVOptions{}, false},
		{krakensim.LedgerCSVGenB, kraken.LedgerCSVGenB, krakensim.LedgerCSVOptions{UnquotedNumbers: true}, false},
		{krakensim.LedgerCSVGenC, kraken.LedgerCSVGenC, krakensim.LedgerCSVOptions{TrimZeros: true}, true},
		{krakensim.LedgerCSVGenD, kraken.LedgerCSVGenD, krakensim.LedgerCSVOptions{UnquotedNumbers: true, TrimZeros: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.want.String(), func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			o := tt.opts
			o.Gen = tt.gen
			acct.Mu.RLock()
			err := krakensim.WriteLedgersCSVOptions(&buf, acct, env.sim.Market(), o)
			acct.Mu.RUnlock()
			if err != nil {
				t.Fatal(err)
			}
			got, lr := readAll(t, buf.Bytes(), kraken.LedgerCSVOptions{})
			if lr.Generation() != tt.want {
				t.Errorf("generation %v, want %v", lr.Generation(), tt.want)
			}
			if len(got) != len(api) {
				t.Errorf("read %d entries (%d pending rows skipped), API has %d", len(got), lr.Skipped(), len(api))
			}
			if lr.Skipped() == 0 {
				t.Error("no pending deposit row was skipped")
			}
			compareWithAPI(t, got, api, cointally.SourceCSV)
			for _, e := range got {
				if (e.Wallet != "") != (tt.want >= kraken.LedgerCSVGenB) {
					t.Fatalf("entry %s wallet %q in generation %v", e.ID, e.Wallet, tt.want)
				}
				if !bytes.HasPrefix(e.Raw, []byte(`{"txid":"`+e.ID+`"`)) {
					t.Fatalf("raw %s", e.Raw)
				}
			}
			// Keeping the file's codes shows what it wrote.
			kept, _ := readAll(t, buf.Bytes(), kraken.LedgerCSVOptions{KeepAssetCodes: true})
			display := false
			for _, e := range kept {
				if e.Asset == "BTC" || e.Asset == "EUR" {
					display = true
				}
			}
			if display != tt.display {
				t.Errorf("display codes written: %v, want %v", display, tt.display)
			}
		})
	}
}

func TestLedgerCSVRows(t *testing.T) {
	t.Parallel()
	const head = `"txid","refid","time","type","subtype","aclass","asset","wallet","amount","fee","balance"` + "\n"
	data := head +
		`"","FTabc","2024-03-19 19:40:00","deposit","","currency","BTC","spot / main","0.5","0",""` + "\n" +
		`"LAAAAA-BBBBB-CCCCCC","FTabc","2024-03-19 19:43:31.6798","deposit","","currency","BTC","spot / main",0.5,0.0001,0.4999` + "\n" +
		`"LDDDDD-EEEEE-FFFFFF","TXYZ","2024-03-19 19:45:00","hybridearnwithdrawal","","currency","XTZ","earn / flexible","-1","0","2"` + "\n"
	got, lr := readAll(t, []byte(data), kraken.LedgerCSVOptions{})
	if len(got) != 2 || lr.Skipped() != 1 || lr.Generation() != kraken.LedgerCSVGenB {
		t.Fatalf("got %d entries, %d skipped, generation %v", len(got), lr.Skipped(), lr.Generation())
	}
	e := got[0]
	want := time.Date(2024, 3, 19, 19, 43, 31, 679800000, time.UTC)
	if e.Asset != "XXBT" || !e.Time.Equal(want) || !e.Fee.Equal(money.MustParse("0.0001")) ||
		!e.Balance.Equal(money.MustParse("0.4999")) || e.Unknown || e.Source != cointally.SourceCSV {
		t.Errorf("deposit: %+v", e)
	}
	if u := got[1]; !u.Unknown || u.Asset != "XTZ" || u.Wallet != "earn / flexible" {
		t.Errorf("unknown type row: %+v", u)
	}
}

func TestLedgerCSVErrors(t *testing.T) {
	t.Parallel()
	const head = "txid,refid,time,type,subtype,aclass,asset,amount,fee,balance\n"
	const row = "L1,R1,2024-03-19 19:43:31,trade,,currency,XXBT,1,0,1\n"
	const qhead = `"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"` + "\n"
	tests := []struct {
		name   string
		data   string
		line   int
		column string
		text   string
	}{
		{"empty file", "", 1, "", "empty"},
		{"not a ledger", "txid,ordertxid,pair,time\n", 1, "", `lacks "refid"`},
		{"duplicate column", "txid,refid,time,type,asset,amount,fee,balance,fee\n", 1, "fee", "twice"},
		{"spreadsheet date", head + "L1,R1,03/19/2024 19:43,trade,,currency,XXBT,1,0,1\n", 2, "time", "spreadsheet"},
		{"day first date", head + "L1,R1,30/06/2024 14:03,trade,,currency,XXBT,1,0,1\n", 2, "time", "download the export from Kraken again"},
		{"12-hour clock", head + "L1,R1,6/30/24 2:03 PM,trade,,currency,XXBT,1,0,1\n", 2, "time", "spreadsheet"},
		{"dotted date", head + "L1,R1,30.06.2024 14:03:00,trade,,currency,XXBT,1,0,1\n", 2, "time", "spreadsheet"},
		{"no seconds", head + "L1,R1,2024-06-30 14:03,trade,,currency,XXBT,1,0,1\n", 2, "time", "no seconds"},
		{"serial number date", head + "L1,R1,45473.585,trade,,currency,XXBT,1,0,1\n", 2, "time", "spreadsheet"},
		{"bad zone", head + "L1,R1,2024-06-30 14:03:00 CEST,trade,,currency,XXBT,1,0,1\n", 2, "time", "YYYY-MM-DD HH:MM:SS"},
		{"empty time", head + "L1,R1,,trade,,currency,XXBT,1,0,1\n", 2, "time", "empty"},
		{"no such day", head + "L1,R1,2024-02-30 19:43:31,trade,,currency,XXBT,1,0,1\n", 2, "time", "no such day"},
		{"decimal comma", head + row + "L2,R1,2024-03-19 19:43:31,trade,,currency,XXBT,\"1,5\",0,1\n", 3, "amount", "decimal comma"},
		{"quoted thousands", head + "L1,R1,2024-03-19 19:43:31,trade,,currency,ZEUR,\"1,234.50\",0,\"1,234.50\"\n", 2, "amount", "thousands separator"},
		{"unquoted thousands", head + row + "L2,R2,2024-03-19 19:43:31,trade,,currency,ZEUR,1,234.50,0,1234.50\n", 3, "amount", "thousands separator"},
		{"unquoted decimal comma", head + "L2,R2,2024-03-19 19:43:31,trade,,currency,ZEUR,0,5,0,1\n", 2, "amount", "decimal comma"},
		{"exponent", head + "L1,R1,2024-03-19 19:43:31,trade,,currency,XXBT,1,1e-4,1\n", 2, "fee", "exponent"},
		{"field count", head + row + "L1,R1,2024-03-19 19:43:31,trade\n" + row, 3, "", "number of fields"},
		{"balance without id", head + row + ",R2,2024-03-19 19:43:31,trade,,currency,XXBT,1,0,2\n", 3, "txid", "ledger ID"},
		{"control character", head + "L1,R\x01,2024-03-19 19:43:31,trade,,currency,XXBT,1,0,1\n", 2, "refid", "control character"},
		{"empty asset", head + "L1,R1,2024-03-19 19:43:31,trade,,currency,,1,0,1\n", 2, "asset", "empty"},
		{"truncated in a field", qhead + `"L1","R1","2024-03-19 19:43:31","trade","","currency","XXBT","1","0","1"` + "\n" +
			`"L2","R2","2024-03-19 19:45:00","trade","","curr`, 3, "", "truncated"},
		{"truncated after a field", qhead + `"L1","R1","2024-03-19 19:43:31","trade","","currency","XXBT","1","0","1"` + "\n" +
			`"L2","R2","2024-03-19 19:45:00","trade","",`, 3, "", "truncated"},
		{"bare quote", head + "L1,R\"1,2024-03-19 19:43:31,trade,,currency,XXBT,1,0,1\n", 2, "", "bare"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lr, err := kraken.NewLedgerCSVReader(strings.NewReader(tt.data))
			for err == nil {
				_, err = lr.Read()
			}
			var ce *kraken.CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *CSVError", err)
			}
			if ce.Line != tt.line || ce.Column != tt.column || !strings.Contains(ce.Error(), tt.text) {
				t.Errorf("got line %d column %q: %v; want line %d column %q containing %q",
					ce.Line, ce.Column, ce, tt.line, tt.column, tt.text)
			}
			if !strings.HasPrefix(ce.Error(), "ledgers CSV: line ") {
				t.Errorf("message %q does not name the export and line", ce)
			}
			ce.File = "my export.csv"
			if !strings.HasPrefix(ce.Error(), "my export.csv: line ") {
				t.Errorf("message %q does not name the file", ce)
			}
		})
	}
}

// A bad row does not stop the reader: the rows after it are read (what
// --skip-bad-rows relies on), and the pending rows count once.
func TestLedgerCSVContinuesAfterBadRow(t *testing.T) {
	t.Parallel()
	data := `"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"` + "\n" +
		`"","FT1","2024-03-19 19:40:00","deposit","","currency","ZEUR","100","0",""` + "\n" +
		`"L1","FT1","2024-03-19 19:43:31","deposit","","currency","ZEUR","100","0","100"` + "\n" +
		`"L2","T1","19/03/2024 19:45","trade","","currency","ZEUR","-50","0","50"` + "\n" +
		`"L3","T1","2024-03-19 19:45:00","trade","","currency","XXBT","0.001","0","0.001"` + "\n" +
		`"","FT2","2024-03-19 19:50:00","deposit","","currency","ZEUR","5","0",""` + "\n"
	lr, err := kraken.NewLedgerCSVReader(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var bad []int
	for {
		e, err := lr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var ce *kraken.CSVError
		if errors.As(err, &ce) && !ce.Fatal {
			bad = append(bad, ce.Line)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	if strings.Join(ids, ",") != "L1,L3" || len(bad) != 1 || bad[0] != 4 {
		t.Errorf("read %v, bad lines %v; want L1,L3 and line 4", ids, bad)
	}
	if lr.Skipped() != 2 || lr.Uncredited() != 1 || lr.Rows() != 2 || lr.Line() != 6 {
		t.Errorf("skipped %d, uncredited %d, rows %d, line %d; want 2, 1, 2, 6", lr.Skipped(), lr.Uncredited(), lr.Rows(), lr.Line())
	}
}

func TestLedgerCSVTimes(t *testing.T) {
	t.Parallel()
	want := time.Date(2024, 6, 30, 14, 3, 5, 0, time.UTC)
	for _, tt := range []struct {
		text string
		want time.Time
	}{
		{"2024-06-30 14:03:05", want},
		{" 2024-06-30 14:03:05 ", want},
		{"2024-06-30 14:03:05.6798", want.Add(679800 * time.Microsecond)},
		{"2024-06-30 14:03:05.123456789", want.Add(123456789)},
		{"2024-06-30T14:03:05Z", want},
		{"2024-06-30T14:03:05", want},
		{"2024-06-30T14:03:05.5Z", want.Add(500 * time.Millisecond)},
		{"2024-06-30T16:03:05+02:00", want},
		{"2024-06-30 09:03:05-0500", want},
		{"2024-06-30 14:03:05+00:00", want},
	} {
		data := "txid,refid,time,type,asset,amount,fee,balance\nL1,R1," + tt.text + ",trade,XXBT,1,0,1\n"
		got, _ := readAll(t, []byte(data), kraken.LedgerCSVOptions{})
		if len(got) != 1 || !got[0].Time.Equal(tt.want) || got[0].Time.Location() != time.UTC {
			t.Errorf("time %q: got %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestAssetCodes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code, api, base, suffix string
	}{
		{"XXBT", "XXBT", "BTC", ""}, {"XBT", "XXBT", "BTC", ""}, {"BTC", "XXBT", "BTC", ""},
		{"ZEUR", "ZEUR", "EUR", ""}, {"EUR", "ZEUR", "EUR", ""},
		{"XXDG", "XXDG", "DOGE", ""}, {"DOGE", "XXDG", "DOGE", ""},
		{"XTZ", "XTZ", "XTZ", ""}, {"XTZ.S", "XTZ.S", "XTZ", ".S"},
		{"DOT.S", "DOT.S", "DOT", ".S"}, {"DOT28.S", "DOT28.S", "DOT", "28.S"},
		{"XBT.M", "XBT.M", "BTC", ".M"}, {"BTC.M", "XBT.M", "BTC", ".M"}, {"BTC.F", "XBT.F", "BTC", ".F"},
		{"ETH2.S", "ETH2.S", "ETH", ".S"}, {"ETH2", "ETH2", "ETH", "2"}, {"ETH.F", "ETH.F", "ETH", ".F"},
		{"USD.HOLD", "USD.HOLD", "USD", ".HOLD"}, {"USD.M", "USD.M", "USD", ".M"},
		{"KFEE", "KFEE", "KFEE", ""}, {"SOL", "SOL", "SOL", ""}, {"USDC", "USDC", "USDC", ""},
	} {
		if got := kraken.APIAssetID(tt.code); got != tt.api {
			t.Errorf("APIAssetID(%q) = %q, want %q", tt.code, got, tt.api)
		}
		if b, s := kraken.NormalizeAsset(tt.code); b != tt.base || s != tt.suffix {
			t.Errorf("NormalizeAsset(%q) = %q, %q; want %q, %q", tt.code, b, s, tt.base, tt.suffix)
		}
	}
}

func TestKnownLedgerType(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		typ, sub string
		want     bool
	}{
		{"trade", "tradespot", true}, {"earn", "autoallocate", true}, {"invite bonus", "", true},
		{"earn", "", false}, {"hybridearnwithdrawal", "", false}, {"transfer", "somethingnew", false},
	} {
		if got := kraken.KnownLedgerType(tt.typ, tt.sub); got != tt.want {
			t.Errorf("KnownLedgerType(%q, %q) = %v", tt.typ, tt.sub, got)
		}
	}
}

// csvErr checks that err is a *CSVError with a line and a message.
func csvErr(t *testing.T, err error) *kraken.CSVError {
	t.Helper()
	var ce *kraken.CSVError
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v is not a *CSVError", err, err)
	}
	if ce.Line < 1 || ce.Err == nil || ce.Error() == "" {
		t.Fatalf("CSVError without a line or a cause: %#v", ce)
	}
	return ce
}

// hasControl reports whether s holds an ASCII control character.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// writeEntriesCSV writes entries as a generation B ledgers CSV.
func writeEntriesCSV(t *testing.T, entries []cointally.Entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"txid", "refid", "time", "type", "subtype", "aclass", "asset", "wallet", "amount", "fee", "balance"})
	for _, e := range entries {
		bal := ""
		if e.HasBalance {
			bal = e.Balance.String()
		}
		_ = w.Write([]string{e.ID, e.RefID, e.Time.Format("2006-01-02 15:04:05.999999999"), e.Type, e.Subtype, e.Aclass,
			e.Asset, e.Wallet, e.Amount.String(), e.Fee.String(), bal})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FuzzLedgerCSVReader feeds the reader arbitrary bytes. It must not panic;
// every error is a *CSVError with a line of at least 1, and lines never go
// back; every entry it returns is one the store accepts (IDs, a UTC time,
// no control characters, Raw a JSON object); and the entries read, written
// back as a ledgers CSV, read back the same.
func FuzzLedgerCSVReader(f *testing.F) {
	acct := krakensim.Generate(krakensim.NewMarket(3), 3, "fuzz", krakensim.DefaultHistorySpec(30))
	for gen := krakensim.LedgerCSVGenA; gen <= krakensim.LedgerCSVGenD; gen++ {
		var b bytes.Buffer
		if err := krakensim.WriteLedgersCSVOptions(&b, acct, nil, krakensim.LedgerCSVOptions{Gen: gen, UnquotedNumbers: gen%2 == 1}); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Add([]byte("txid,refid,time,type,subtype,aclass,asset,amount,fee,balance\nL1,R1,2024-03-19 19:43:31.5,trade,,currency,BTC,1,0,1\n"))
	f.Add([]byte("\ufefftxid,refid,time,type,asset,amount,fee,balance\r\nL1,R1,2024-03-19T19:43:31+01:00,earn,BTC.M,-1.5,0.01,\r\n,R2,2024-03-19 19:43:31,deposit,ZEUR,1,0,\n"))
	f.Add([]byte("txid,refid,time,type,asset,amount,fee,balance\nL1,R1,30/06/2024 14:03,trade,XXBT,\"1,234.5\",0,1\nL2,R2,2024-03-19 19:43:31,trade,XXBT,1,234.5,0,1\n\"L3\",\"R"))
	f.Add([]byte("\ufefftxid;refid\n"))
	var trades bytes.Buffer
	if err := krakensim.WriteTradesCSV(&trades, acct, krakensim.TradesCSVNew, time.Time{}, time.Time{}); err != nil {
		f.Fatal(err)
	}
	f.Add(trades.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		// The export detection and the trades reader take the same input.
		if _, _, err := kraken.DetectExport(bufio.NewReader(bytes.NewReader(data))); err != nil {
			csvErr(t, err)
		}
		fuzzTrades(t, data)

		lr, err := kraken.NewLedgerCSVReader(bytes.NewReader(data))
		if err != nil {
			csvErr(t, err)
			return
		}
		var got []cointally.Entry
		line := 1
		for range 5000 {
			e, err := lr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				ce := csvErr(t, err)
				if ce.Line < line {
					t.Fatalf("error on line %d after line %d", ce.Line, line)
				}
				line = ce.Line
				if ce.Fatal {
					break
				}
				continue
			}
			if lr.Line() < line {
				t.Fatalf("entry on line %d after line %d", lr.Line(), line)
			}
			line = lr.Line()
			switch {
			case e.ID == "" || e.RefID == "" || e.Type == "" || e.Asset == "":
				t.Fatalf("entry without ID, refid, type or asset: %+v", e)
			case e.Time.IsZero() || e.Time.Location() != time.UTC:
				t.Fatalf("entry time %v", e.Time)
			case e.Source != cointally.SourceCSV || !json.Valid(e.Raw) || !bytes.HasPrefix(e.Raw, []byte("{")):
				t.Fatalf("entry source %q raw %q", e.Source, e.Raw)
			}
			for _, s := range []string{e.ID, e.RefID, e.Type, e.Subtype, e.Aclass, e.Asset, e.Wallet} {
				if hasControl(s) {
					t.Fatalf("control character in %q", s)
				}
			}
			if kraken.APIAssetID(e.Asset) != e.Asset {
				t.Fatalf("asset %q is not an API asset ID", e.Asset)
			}
			got = append(got, e)
		}
		if len(got) == 0 {
			return
		}
		again, lr2 := readAll(t, writeEntriesCSV(t, got), kraken.LedgerCSVOptions{})
		if len(again) != len(got) || lr2.Skipped() != 0 {
			t.Fatalf("round trip read %d entries of %d", len(again), len(got))
		}
		for i, e := range got {
			a := again[i]
			if a.ID != e.ID || a.RefID != e.RefID || !a.Time.Equal(e.Time) || a.Type != e.Type || a.Subtype != e.Subtype ||
				a.Aclass != e.Aclass || a.Asset != e.Asset || a.Wallet != e.Wallet || !a.Amount.Equal(e.Amount) ||
				!a.Fee.Equal(e.Fee) || a.HasBalance != e.HasBalance || !a.Balance.Equal(e.Balance) || a.Unknown != e.Unknown {
				t.Fatalf("round trip changed an entry:\n%+v\n%+v", e, a)
			}
		}
	})
}

// fuzzTrades reads data as a trades CSV: no panic, every error a
// *CSVError with a line, every trade one the store accepts.
func fuzzTrades(t *testing.T, data []byte) {
	tr, err := kraken.NewTradeCSVReader(bytes.NewReader(data), kraken.TradeCSVOptions{})
	if err != nil {
		csvErr(t, err)
		return
	}
	for range 5000 {
		tt, err := tr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			if csvErr(t, err).Fatal {
				return
			}
			continue
		}
		if tt.ID == "" || tt.Pair == "" || tt.Time.IsZero() || tt.Time.Location() != time.UTC || (tt.Side != "buy" && tt.Side != "sell") ||
			!json.Valid(tt.Raw) || hasControl(tt.ID) || slices.ContainsFunc(tt.LedgerIDs, func(id string) bool { return id == "" || hasControl(id) }) {
			t.Fatalf("trade %+v", tt)
		}
	}
}
