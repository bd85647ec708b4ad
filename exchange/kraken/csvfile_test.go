package kraken_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
)

var zeroTime time.Time

func TestDetectExport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		data  string
		kind  kraken.ExportKind
		comma rune
		err   string
	}{
		{"ledgers A", krakensim.LedgerCSVHeader(krakensim.LedgerCSVGenA) + "\n", kraken.ExportLedgers, ',', ""},
		{"ledgers D", krakensim.LedgerCSVHeader(krakensim.LedgerCSVGenD) + "\r\n\"L1\"", kraken.ExportLedgers, ',', ""},
		{"ledgers with BOM", "\ufefftxid,refid,time,type,subtype,aclass,asset,amount,fee,balance\n", kraken.ExportLedgers, ',', ""},
		{"ledgers TSV", "txid\trefid\ttime\ttype\tsubtype\taclass\tasset\tamount\tfee\tbalance\n", kraken.ExportLedgers, '\t', ""},
		{"trades classic", krakensim.TradesCSVHeader(krakensim.TradesCSVClassic) + "\n", kraken.ExportTrades, ',', ""},
		{"trades new", krakensim.TradesCSVHeader(krakensim.TradesCSVNew), kraken.ExportTrades, ',', ""},
		{"upper case", "TXID,REFID,TIME,TYPE,ASSET,AMOUNT,FEE,BALANCE\n", kraken.ExportLedgers, ',', ""},
		{"semicolons", "txid;refid;time;type;subtype;aclass;asset;amount;fee;balance\n", kraken.ExportLedgers, 0, "semicolons"},
		{"empty", "", kraken.ExportUnknown, 0, "empty"},
		{"binary", "\x00\x01\x02garbage", kraken.ExportUnknown, 0, "binary"},
		{"utf-16", "\xff\xfet\x00x\x00i\x00d\x00", kraken.ExportUnknown, 0, "UTF-16"},
		{"other csv", "Date,Description,Amount\n2024-01-01,coffee,3\n", kraken.ExportUnknown, 0, `not a Kraken ledgers or trades export: its first line is "Date,Description,Amount"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			br := bufio.NewReader(strings.NewReader(tt.data))
			kind, comma, err := kraken.DetectExport(br)
			if kind != tt.kind || comma != tt.comma {
				t.Errorf("kind %v comma %q, want %v %q", kind, comma, tt.kind, tt.comma)
			}
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				// Nothing was consumed.
				if rest, _ := io.ReadAll(br); string(rest) != tt.data {
					t.Errorf("DetectExport consumed input: %q", rest)
				}
				return
			}
			if ce := csvErr(t, err); ce.Line != 1 || !strings.Contains(ce.Error(), tt.err) {
				t.Errorf("error %v, want line 1 containing %q", ce, tt.err)
			}
		})
	}
}

func zipOf(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExportFiles(t *testing.T) {
	t.Parallel()
	ledgers := krakensim.LedgerCSVHeader(krakensim.LedgerCSVGenA) + "\n"
	single, err := krakensim.ExportZIP("ledgers.csv", []byte(ledgers))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		file  string
		data  []byte
		names []string
		err   string
	}{
		{"plain csv", "ledgers.csv", []byte(ledgers), []string{"ledgers.csv"}, ""},
		{"kraken zip", "kraken.zip", single, []string{"kraken.zip:ledgers.csv"}, ""},
		{"zip named csv", "export.csv", single, []string{"export.csv:ledgers.csv"}, ""},
		{"two members", "both.zip", zipOf(t, [2]string{"ledgers.csv", ledgers}, [2]string{"readme.txt", "x"},
			[2]string{"trades.TSV", "t"}), []string{"both.zip:ledgers.csv", "both.zip:trades.TSV"}, ""},
		{"spreadsheet", "ledgers.xlsx", zipOf(t, [2]string{"[Content_Types].xml", "<x/>"}, [2]string{"xl/workbook.xml", "<x/>"}),
			nil, "looks like a spreadsheet"},
		{"truncated zip", "kraken.zip", single[:len(single)/2], nil, "damaged or incomplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := kraken.ExportFiles(tt.file, bytes.NewReader(tt.data), int64(len(tt.data)))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), tt.file+": ") {
					t.Fatalf("error %v, want one naming %s and containing %q", err, tt.file, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range files {
				names = append(names, f.Name)
			}
			if strings.Join(names, "|") != strings.Join(tt.names, "|") {
				t.Fatalf("files %v, want %v", names, tt.names)
			}
			rc, err := files[0].Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if b, err := io.ReadAll(rc); err != nil || string(b) != ledgers {
				t.Errorf("content %q, %v", b, err)
			}
		})
	}
}

// A damaged archive member fails the reader with a Fatal error naming the
// damage, not with rows that are silently wrong.
func TestExportFilesDamagedMember(t *testing.T) {
	t.Parallel()
	var csv strings.Builder
	csv.WriteString(krakensim.LedgerCSVHeader(krakensim.LedgerCSVGenA) + "\n")
	for range 200 {
		csv.WriteString(`"L1","R1","2024-03-19 19:43:31","trade","","currency","XXBT","1.0000000000","0.0000000000","1.0000000000"` + "\n")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "ledgers.csv", Method: zip.Store})
	w.Write([]byte(csv.String()))
	zw.Close()
	data := buf.Bytes()
	// Flip a byte inside the stored member: the CRC no longer matches.
	i := bytes.Index(data, []byte(`"R1"`)) + 2
	data[i] = 'X'
	files, err := kraken.ExportFiles("kraken.zip", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := files[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	lr, err := kraken.NewLedgerCSVReader(rc)
	for err == nil {
		_, err = lr.Read()
	}
	ce := csvErr(t, err)
	if !ce.Fatal || !errors.Is(err, zip.ErrChecksum) || !strings.Contains(ce.Error(), "damaged") {
		t.Fatalf("error %v (fatal %v), want a fatal checksum error", ce, ce.Fatal)
	}
	if _, again := lr.Read(); again != err {
		t.Errorf("after a fatal error Read returned %v", again)
	}
}
