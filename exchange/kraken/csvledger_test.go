package kraken_test

import (
	"bytes"
	"errors"
	"io"
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
	tests := []struct {
		name   string
		data   string
		line   int
		column string
		text   string
	}{
		{"empty file", "", 1, "", "empty"},
		{"not a ledger", "txid,ordertxid,pair,time\n", 1, "", `lacks "refid"`},
		{"spreadsheet date", head + "L1,R1,03/19/2024 19:43,trade,,currency,XXBT,1,0,1\n", 2, "time", "spreadsheet"},
		{"decimal comma", head + "L1,R1,2024-03-19 19:43:31,trade,,currency,XXBT,\"1,5\",0,1\n", 2, "amount", "comma"},
		{"exponent", head + "L1,R1,2024-03-19 19:43:31,trade,,currency,XXBT,1,1e-4,1\n", 2, "fee", "exponent"},
		{"no such day", head + "L1,R1,2024-02-30 19:43:31,trade,,currency,XXBT,1,0,1\n", 2, "time", "no such day"},
		{"field count", head + "L1,R1,2024-03-19 19:43:31,trade\n", 2, "", "number of fields"},
		{"balance without id", head + "L1,R1,2024-03-19 19:43:31,trade,,currency,XXBT,1,0,1\n" +
			",R2,2024-03-19 19:43:31,trade,,currency,XXBT,1,0,2\n", 3, "txid", "ledger ID"},
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
		})
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

func FuzzLedgerCSV(f *testing.F) {
	f.Add([]byte("txid,refid,time,type,subtype,aclass,asset,amount,fee,balance\nL1,R1,2024-03-19 19:43:31.5,trade,,currency,BTC,1,0,1\n"))
	f.Add([]byte("\ufefftxid;refid\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lr, err := kraken.NewLedgerCSVReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 1000 {
			e, err := lr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err == nil && (e.ID == "" || e.Asset == "" || e.Time.IsZero() && e.Time.Location() != time.UTC) {
				t.Fatalf("entry without ID or asset: %+v", e)
			}
		}
	})
}
