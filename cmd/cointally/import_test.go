package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore"
)

// ledgersCSV writes the ledgers export of a simulated account, as Kraken's
// website would, to a file in dir and returns its path.
func (h *harness) ledgersCSV(dir, simAccount, file string, o krakensim.LedgerCSVOptions) string {
	h.t.Helper()
	var buf bytes.Buffer
	sa := h.sim.Account(simAccount)
	sa.Mu.RLock()
	err := krakensim.WriteLedgersCSVOptions(&buf, sa, h.sim.Market(), o)
	sa.Mu.RUnlock()
	if err != nil {
		h.t.Fatal(err)
	}
	return writeFile(h.t, dir, file, buf.Bytes())
}

// tradesCSV writes the trades export of a simulated account.
func (h *harness) tradesCSV(dir, simAccount, file string, gen krakensim.TradesCSVGen, from, to time.Time) string {
	h.t.Helper()
	var buf bytes.Buffer
	sa := h.sim.Account(simAccount)
	sa.Mu.RLock()
	err := krakensim.WriteTradesCSV(&buf, sa, gen, from, to)
	sa.Mu.RUnlock()
	if err != nil {
		h.t.Fatal(err)
	}
	return writeFile(h.t, dir, file, buf.Bytes())
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// importCSV runs import kraken-csv --json and decodes its summary; it
// returns the exit status and stderr too.
func (h *harness) importCSV(args ...string) (importJSON, int, string) {
	h.t.Helper()
	out, errOut, code := h.run("", append([]string{"import", "kraken-csv", "--json"}, args...)...)
	var sum importJSON
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		h.t.Fatalf("import --json: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	return sum, code, errOut
}

// simEntries returns the simulated account's ledger as cointally entries.
func (h *harness) simEntries(simAccount string) []cointally.Entry {
	h.t.Helper()
	sa := h.sim.Account(simAccount)
	sa.Mu.RLock()
	defer sa.Mu.RUnlock()
	out := make([]cointally.Entry, len(sa.Entries))
	for i, e := range sa.Entries {
		info, _ := krakensim.AssetByID(e.Asset)
		out[i] = cointally.Entry{ID: e.ID, RefID: e.RefID, Time: e.Time.Time(), Type: e.Type, Subtype: e.Subtype, Asset: e.Asset,
			Amount: money.MustParse(krakensim.FormatFixed(e.Amount, info.Decimals)),
			Fee:    money.MustParse(krakensim.FormatFixed(e.Fee, info.Decimals)), HasBalance: true,
			Balance: money.MustParse(krakensim.FormatFixed(e.Balance, info.Decimals))}
	}
	return out
}

// stored returns an account's stored ledger by ID, its number of trades,
// and its ledger and trades checkpoints.
func (h *harness) stored(name string) (map[string]*cointally.Entry, int, []*cointally.Checkpoint) {
	h.t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(h.dataDir, "cointally.db"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer st.Close()
	u, err := st.EnsureLocalUser(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	acct, err := st.Account(ctx, u.ID, name)
	if err != nil {
		h.t.Fatal(err)
	}
	byID := map[string]*cointally.Entry{}
	n := 0
	err = st.Entries(ctx, acct.ID, func(e *cointally.Entry) error {
		n++
		byID[e.ID] = e
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if n != len(byID) {
		h.t.Fatalf("%d entries stored for %d IDs", n, len(byID))
	}
	trades := 0
	if err := st.Trades(ctx, acct.ID, func(*cointally.Trade) error { trades++; return nil }); err != nil {
		h.t.Fatal(err)
	}
	var cps []*cointally.Checkpoint
	for _, s := range []string{"ledger", "trades"} {
		if cp, err := st.Checkpoint(ctx, acct.ID, s); err == nil {
			cps = append(cps, cp)
		}
	}
	return byID, trades, cps
}

// sameLedger checks that the stored ledger is the simulated one: every
// entry once, with its values (times to the CSV's whole seconds).
func sameLedger(t *testing.T, got map[string]*cointally.Entry, want []cointally.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d entries stored, the account has %d", len(got), len(want))
	}
	for _, w := range want {
		g := got[w.ID]
		if g == nil {
			t.Errorf("entry %s missing", w.ID)
			continue
		}
		if g.Asset != w.Asset || !g.Amount.Equal(w.Amount) || !g.Fee.Equal(w.Fee) || !g.Balance.Equal(w.Balance) ||
			!g.Time.Equal(w.Time.Truncate(time.Second)) && !g.Time.Equal(w.Time) || g.RefID != w.RefID || g.Type != w.Type {
			t.Errorf("entry %s stored as %+v, want %+v", w.ID, *g, w)
		}
	}
}

// Every ledgers header generation, quoted and unquoted numbers, legacy and
// display asset codes, as downloaded or inside Kraken's ZIP, and both
// trades headers: imported into a new key-less account, complete and
// proven.
func TestImportEveryGeneration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	want := h.simEntries("alice")
	tests := []struct {
		name    string
		opts    krakensim.LedgerCSVOptions
		zip     bool
		gen     string
		trades  krakensim.TradesCSVGen
		tradesG string
	}{
		{"gen-A", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenA}, false, "A (no wallet column)", krakensim.TradesCSVClassic, "classic"},
		{"gen-B", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenB, UnquotedNumbers: true}, false, "B (with wallet)", krakensim.TradesCSVNew, "new"},
		{"gen-C", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenC, TrimZeros: true}, true, "C (with wallet and subclass)", krakensim.TradesCSVClassic, "classic"},
		{"gen-D", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenD, UnquotedNumbers: true, TrimZeros: true}, true, "D (with wallet, subclass and USD values)", krakensim.TradesCSVNew, "new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := h.ledgersCSV(dir, "alice", tt.name+".csv", tt.opts)
			if tt.zip {
				data, _ := os.ReadFile(file)
				z, err := krakensim.ExportZIP("ledgers.csv", data)
				if err != nil {
					t.Fatal(err)
				}
				file = writeFile(t, dir, tt.name+".zip", z)
			}
			trades := h.tradesCSV(dir, "alice", tt.name+"-trades.csv", tt.trades, time.Time{}, time.Time{})
			sum, code, errOut := h.importCSV("--account", tt.name, file, trades)
			if code != 0 {
				t.Fatalf("exit %d: %s\n%+v", code, errOut, sum)
			}
			if !sum.Created || len(sum.Files) != 2 || sum.Failed != 0 {
				t.Fatalf("summary %+v", sum)
			}
			lf, tf := sum.Files[0], sum.Files[1]
			if lf.Kind != "ledgers" || lf.Generation != tt.gen || !lf.Imported || lf.Rows != len(want) || lf.Added != len(want) ||
				lf.AlreadyPresent != 0 || lf.PendingRows == 0 || lf.PendingUncredited != 0 || len(lf.Differences) != 0 {
				t.Errorf("ledgers file: %+v", lf)
			}
			if tt.zip && !strings.HasSuffix(lf.File, ".zip:ledgers.csv") {
				t.Errorf("file name %q does not name the archive member", lf.File)
			}
			if tf.Kind != "trades" || !strings.HasPrefix(tf.Generation, tt.tradesG) || tf.Rows == 0 || tf.Added != tf.Rows {
				t.Errorf("trades file: %+v", tf)
			}
			if r := sum.Reconciliation; r == nil || !r.OK || sum.CompleteThrough == nil || sum.SyncFrom != "newest" {
				t.Errorf("reconciliation %+v, complete through %v, sync from %q", r, sum.CompleteThrough, sum.SyncFrom)
			}
			got, ntrades, cps := h.stored(tt.name)
			sameLedger(t, got, want)
			if ntrades != tf.Rows || len(cps) != 2 {
				t.Errorf("%d trades stored, %d checkpoints", ntrades, len(cps))
			}
		})
	}
	// The key-less accounts are listed as such.
	for _, a := range h.accounts() {
		if a.Status != cointally.StatusNoKey || a.Exchange != "kraken" || a.KeyHint != "" || !strings.Contains(a.StatusReason, "account rotate") {
			t.Errorf("account %+v", a)
		}
	}
	// The text output says what happened.
	file := h.ledgersCSV(dir, "alice", "again.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenC})
	out := h.mustRun("", "import", "kraken-csv", "--account", "gen-A", file)
	for _, s := range []string{"again.csv: Kraken ledgers export, header generation C (with wallet and subclass)", "0 added",
		"already stored", "pending deposit rows merged", "gen-A reconciles", "continuous from its first entry",
		"cointally account rotate gen-A"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// Importing a file twice, overlapping files, and files that cover parts of
// the history store every entry once.
func TestImportIdempotentAndOverlapping(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	want := h.simEntries("alice")
	mid := want[len(want)/2].Time
	whole := h.ledgersCSV(dir, "alice", "whole.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenD})
	early := h.ledgersCSV(dir, "alice", "early.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenA, To: mid.Add(30 * 24 * time.Hour)})
	late := h.ledgersCSV(dir, "alice", "late.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenC, From: mid})

	sum, code, _ := h.importCSV("--account", "alice", early, late, late)
	if code != 0 || len(sum.Files) != 3 {
		t.Fatalf("exit %d: %+v", code, sum)
	}
	e, l, again := sum.Files[0], sum.Files[1], sum.Files[2]
	if e.Added+l.Added != len(want) || l.AlreadyPresent == 0 || again.Added != 0 || again.AlreadyPresent != again.Rows {
		t.Errorf("early %+v\nlate %+v\nagain %+v", e, l, again)
	}
	if len(e.Differences)+len(l.Differences)+len(again.Differences) != 0 {
		t.Errorf("differences between generations of one history: %+v %+v", e.Differences, l.Differences)
	}
	sum, code, _ = h.importCSV("--account", "alice", whole)
	if code != 0 || sum.Created || sum.Files[0].Added != 0 || sum.Files[0].AlreadyPresent != len(want) || !sum.Reconciliation.OK {
		t.Fatalf("re-import: exit %d, %+v", code, sum)
	}
	got, _, _ := h.stored("alice")
	sameLedger(t, got, want)
}

// A file that overlaps what the API synced adds nothing twice; where it
// disagrees with the API, the difference is listed and the API's version
// stays.
func TestImportMergesWithAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice", "--tier", "100:100")
	h.mustRun("", "sync", "alice")
	want := h.simEntries("alice")
	file := h.ledgersCSV(dir, "alice", "ledgers.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenD})
	sum, code, _ := h.importCSV("--account", "alice", file)
	if f := sum.Files[0]; code != 0 || sum.Created || f.Added != 0 || f.AlreadyPresent != len(want) || len(f.Differences) != 0 {
		t.Fatalf("exit %d: %+v", code, f)
	}
	// Change one entry's amount in the file.
	data, _ := os.ReadFile(file)
	target := want[len(want)/3]
	lines := strings.Split(string(data), "\n")
	changed := false
	for i, ln := range lines {
		if strings.HasPrefix(ln, `"`+target.ID+`"`) {
			f := strings.Split(ln, ",")
			f[9] = `"123.4567"` // amount
			lines[i] = strings.Join(f, ",")
			changed = true
		}
	}
	if !changed {
		t.Fatalf("entry %s not in the file", target.ID)
	}
	tampered := writeFile(t, dir, "tampered.csv", []byte(strings.Join(lines, "\n")))
	sum, code, _ = h.importCSV("--account", "alice", tampered)
	f := sum.Files[0]
	if code != 0 || f.Added != 0 || len(f.Differences) != 1 {
		t.Fatalf("exit %d: %+v", code, f)
	}
	d := f.Differences[0]
	if d.ID != target.ID || d.With != "api" || strings.Join(d.Fields, ",") != "amount" || d.File["amount"] != "123.4567" ||
		!money.MustParse(d.Stored["amount"]).Equal(target.Amount) {
		t.Errorf("difference %+v", d)
	}
	got, _, _ := h.stored("alice")
	if g := got[target.ID]; !g.Amount.Equal(target.Amount) || g.Source != cointally.SourceAPI {
		t.Errorf("the API's entry was not kept: %+v", g)
	}
	sameLedger(t, got, want)
	out := h.mustRun("", "import", "kraken-csv", "--account", "alice", tampered)
	if !strings.Contains(out, target.ID+" (stored from the API): amount 123.4567 in the file") {
		t.Errorf("the text output does not list the difference:\n%s", out)
	}
}

// Bad input: each case names the file, line and column, imports nothing of
// that file (exit 1), and with --skip-bad-rows imports the rest and lists
// what was skipped.
func TestImportBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	good := h.ledgersCSV(dir, "alice", "good.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenC})
	data, _ := os.ReadFile(good)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	// with returns the file with line n (1-based) changed by fn.
	with := func(n int, fn func(fields []string) []string) []byte {
		out := append([]string(nil), lines...)
		out[n-1] = strings.Join(fn(strings.Split(out[n-1], ",")), ",")
		return []byte(strings.Join(out, "\n") + "\n")
	}
	// Columns of generation C: txid,refid,time,type,subtype,aclass,subclass,asset,wallet,amount,fee,balance.
	// The row to break: the first credited row (not a pending one) from line 7.
	row := 7
	for strings.HasPrefix(lines[row-1], `"",`) {
		row++
	}
	at := "line " + itoa(row)
	tests := []struct {
		name    string
		data    []byte
		want    []string // in the error
		skipped int      // rows left out with --skip-bad-rows; -1: the file is refused even then
	}{
		{"not an export", []byte("Date,Description,Amount\n2024-01-01,coffee,3\n"),
			[]string{"not-an-export.csv: line 1", "not a Kraken ledgers or trades export"}, -1},
		{"broken row", with(row, func(f []string) []string { return f[:5] }),
			[]string{"broken-row.csv: " + at, "different number of fields"}, 1},
		{"spreadsheet date", with(row, func(f []string) []string { f[2] = `"30/06/2024 14:03"`; return f }),
			[]string{`spreadsheet-date.csv: ` + at + `, column "time", value "30/06/2024 14:03"`, "spreadsheet program", "download the export from Kraken again"}, 1},
		{"thousands separator", with(row, func(f []string) []string { f[11] = `"1,234.5678"`; return f }),
			[]string{`thousands-separator.csv: ` + at + `, column "balance", value "1,234.5678"`, "thousands separator"}, 1},
		{"unquoted thousands separator", with(row, func(f []string) []string { f[11] = `1,234.5678`; return f }),
			[]string{`unquoted-thousands-separator.csv: ` + at + `, column "balance", value "1,234.5678"`, "thousands separator"}, 1},
		{"truncated", data[:len(data)-len(lines[len(lines)-1])/2-1],
			[]string{"truncated.csv: line " + itoa(len(lines)), "truncated"}, 1},
		{"empty", nil, []string{"empty.csv: line 1", "empty"}, -1},
		{"spreadsheet", zipOne(t, "[Content_Types].xml", "x"), []string{"spreadsheet.xlsx", "looks like a spreadsheet"}, -1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := strings.ReplaceAll(tt.name, " ", "-") + ".csv"
			if tt.name == "spreadsheet" {
				name = "spreadsheet.xlsx"
			}
			file := writeFile(t, dir, name, tt.data)
			acct := "acct" + itoa(i)
			// A good file first: it is imported; the bad one is not.
			sum, code, errOut := h.importCSV("--account", acct, good, file)
			if code != 1 || sum.Failed != 1 || !strings.Contains(errOut, "not imported") {
				t.Fatalf("exit %d, stderr %q, %+v", code, errOut, sum)
			}
			bad := sum.Files[1]
			msg := bad.Error
			if len(bad.Errors) > 0 {
				msg = bad.Errors[0].Error
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if bad.Imported || bad.Added != 0 {
				t.Errorf("bad file: %+v", bad)
			}
			got, _, _ := h.stored(acct)
			if len(got) != sum.Files[0].Added || len(got) != len(lines)-1-sum.Files[0].PendingRows {
				t.Errorf("%d entries stored; the good file added %d", len(got), sum.Files[0].Added)
			}
			// The text output names it too.
			out, _, code := h.run("", "import", "kraken-csv", "--account", acct, file)
			if code != 1 || !strings.Contains(out, tt.want[0]) {
				t.Errorf("text output (exit %d) lacks %q:\n%s", code, tt.want[0], out)
			}
			// --skip-bad-rows imports the rest of a file with bad rows.
			sum, code, _ = h.importCSV("--account", "skip"+acct, "--skip-bad-rows", file)
			if tt.skipped < 0 {
				if code != 1 || sum.Files[0].Imported {
					t.Errorf("--skip-bad-rows: exit %d, %+v", code, sum.Files[0])
				}
				return
			}
			f := sum.Files[0]
			if code != 0 || !f.Imported || f.BadRows != tt.skipped || len(f.Skipped) != tt.skipped || !strings.Contains(f.Skipped[0].Error, tt.want[0]) {
				t.Fatalf("--skip-bad-rows: exit %d, %+v", code, f)
			}
			if f.Added != f.Rows || f.Rows == 0 {
				t.Errorf("--skip-bad-rows imported %d of %d rows", f.Added, f.Rows)
			}
			out = h.mustRun("", "import", "kraken-csv", "--account", "skip"+acct, "--skip-bad-rows", file)
			if !strings.Contains(out, "bad row skipped (--skip-bad-rows)") || !strings.Contains(out, tt.want[0]) {
				t.Errorf("text output with --skip-bad-rows:\n%s", out)
			}
		})
	}
	// Usage errors.
	for _, args := range [][]string{
		{"import"}, {"import", "kraken-csv", good}, {"import", "kraken-csv", "--account", "x"},
		{"import", "kraken-csv", "--account", "x", filepath.Join(dir, "no-such-file.csv")},
	} {
		if _, _, code := h.run("", args...); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// zipOne returns a ZIP archive holding one file.
func zipOne(t *testing.T, name, content string) []byte {
	t.Helper()
	z, err := krakensim.ExportZIP(name, []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// An account created by an import gets a key later and then syncs from
// where the files end: complete, reconciled, nothing twice.
func TestImportThenRotateAndSync(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	want := h.simEntries("alice")
	cut := want[len(want)*2/3].Time
	ledgers := h.ledgersCSV(dir, "alice", "ledgers.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenD, To: cut})
	trades := h.tradesCSV(dir, "alice", "trades.csv", krakensim.TradesCSVClassic, time.Time{}, cut)
	sum, code, errOut := h.importCSV("--account", "alice", ledgers, trades)
	if code != 0 || !sum.Reconciliation.OK || sum.SyncFrom != "newest" {
		t.Fatalf("import: exit %d %s: %+v", code, errOut, sum)
	}
	imported := sum.Files[0].Added
	if imported == 0 || imported >= len(want) {
		t.Fatalf("imported %d of %d entries", imported, len(want))
	}
	if _, cps := h.storedCheckpoints("alice"); cps != 2 {
		t.Fatalf("%d checkpoints after the import, want ledger and trades", cps)
	}
	// No key: sync and audit say what to do.
	if _, errOut, code := h.run("", "account", "audit", "alice"); code == 0 || !strings.Contains(errOut, "account rotate alice") {
		t.Errorf("audit of a key-less account: exit %d %q", code, errOut)
	}
	h.mustRun(keyInput("alice-second-key-0002"), "account", "rotate", "alice")
	if a := h.accounts()[0]; a.Status != cointally.StatusOK || a.Tier != "starter" {
		t.Fatalf("after rotate: %+v", a)
	}
	key := "alice-second-key-0002"
	before := h.sim.Stats().Keys[key].Calls
	var res struct {
		Accounts []syncAccountJSON `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(h.mustRun("", "sync", "--json", "alice")), &res); err != nil {
		t.Fatal(err)
	}
	r := res.Accounts[0]
	if r.NewEntries != len(want)-imported || r.TotalEntries != len(want) || !r.Reconciled || r.Error != "" {
		t.Errorf("sync after import: %+v; want %d new of %d", r, len(want)-imported, len(want))
	}
	after := h.sim.Stats().Keys[key].Calls
	// Only the part after the files was paged: about a third of the
	// history, not all of it.
	ledgerCalls := after["Ledgers"] - before["Ledgers"]
	if full := (len(want) + 49) / 50; ledgerCalls > (len(want)-imported)/50+2 || ledgerCalls >= full {
		t.Errorf("the sync made %d Ledgers calls; a full walk takes %d", ledgerCalls, full)
	}
	if tradeCalls := after["TradesHistory"] - before["TradesHistory"]; tradeCalls > 3 {
		t.Errorf("the sync made %d TradesHistory calls: the trades walk did not start from the files' end", tradeCalls)
	}
	got, ntrades, _ := h.stored("alice")
	sameLedger(t, got, want)
	sa := h.sim.Account("alice")
	sa.Mu.RLock()
	simTrades := len(sa.Trades)
	sa.Mu.RUnlock()
	if ntrades != simTrades {
		t.Errorf("%d trades stored, the account has %d", ntrades, simTrades)
	}
	out, _, code := h.run("", "reconcile", "alice")
	if code != 0 || !strings.Contains(out, "live balances match") || !strings.Contains(out, "Kraken's count") {
		t.Errorf("reconcile after import and sync: exit %d\n%s", code, out)
	}
}

// storedCheckpoints returns the account's ledger and trades checkpoints
// and how many there are.
func (h *harness) storedCheckpoints(name string) ([]*cointally.Checkpoint, int) {
	_, _, cps := h.stored(name)
	return cps, len(cps)
}

// Files that do not prove the history complete leave the first sync to
// read the whole ledger; and a later import that opens a gap takes back
// an earlier import's mark.
func TestImportIncompleteHistory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	want := h.simEntries("alice")
	late := h.ledgersCSV(dir, "alice", "late.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenB, From: want[len(want)/2].Time})
	sum, code, _ := h.importCSV("--account", "alice", late)
	if code != 0 || sum.Reconciliation.OK || sum.CompleteThrough != nil || sum.SyncFrom != "start" {
		t.Fatalf("exit %d: %+v", code, sum)
	}
	if _, n := h.storedCheckpoints("alice"); n != 0 {
		t.Errorf("%d checkpoints after importing the later half only", n)
	}
	out := h.mustRun("", "import", "kraken-csv", "--account", "alice", late)
	if !strings.Contains(out, "DOES NOT reconcile") || !strings.Contains(out, "do not prove the history complete") {
		t.Errorf("output:\n%s", out)
	}

	// Bob: the early part proves complete; a later file with a gap before
	// it breaks the proof and the mark goes.
	bob := h.simEntries("bob")
	early := h.ledgersCSV(dir, "bob", "early.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenA, To: bob[len(bob)/3].Time})
	if sum, code, _ := h.importCSV("--account", "bob", early); code != 0 || !sum.Reconciliation.OK {
		t.Fatalf("bob early: exit %d %+v", code, sum)
	}
	if _, n := h.storedCheckpoints("bob"); n != 1 {
		t.Fatalf("%d checkpoints after a complete early import", n)
	}
	gap := h.ledgersCSV(dir, "bob", "gap.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenA, From: bob[len(bob)*2/3].Time})
	if sum, code, _ := h.importCSV("--account", "bob", gap); code != 0 || sum.Reconciliation.OK || sum.SyncFrom != "start" {
		t.Fatalf("bob gap: exit %d %+v", code, sum)
	}
	if _, n := h.storedCheckpoints("bob"); n != 0 {
		t.Errorf("the import mark survived a gap: %d checkpoints", n)
	}
}

// A plain `sync` skips accounts that were created by a file import and have
// no key, instead of failing them.
func TestSyncSkipsKeylessAccounts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	file := h.ledgersCSV(t.TempDir(), "bob", "bob.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenD})
	h.mustRun("", "import", "kraken-csv", "--account", "files", file)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice", "--tier", "100:100")
	_, errOut, code := h.run("", "sync")
	if code != 0 || !strings.Contains(errOut, "files: skipped: no API key") {
		t.Fatalf("sync with a key-less account: exit %d, stderr %q", code, errOut)
	}
	for _, a := range h.accounts() {
		if a.Name == "files" && a.Status != "no-key" {
			t.Errorf("the key-less account's status became %q", a.Status)
		}
	}
	// Named explicitly, it is attempted and the reason is given.
	if out, _, code := h.run("", "sync", "files"); code == 0 || !strings.Contains(out, "no API key") {
		t.Errorf("sync files: exit %d, %q", code, out)
	}
}

// The tax reports work on a store filled by the CSV import alone, with
// the same totals as on a store filled by a sync of the same account.
func TestReportsOnCSVImportedStore(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	file := h.ledgersCSV(t.TempDir(), "bob", "bob.csv", krakensim.LedgerCSVOptions{Gen: krakensim.LedgerCSVGenD})
	h.mustRun("", "import", "kraken-csv", "--account", "files", file)
	h.mustRun(keyInput("bob-read-only-key-0007"), "account", "add", "kraken", "--name", "api", "--tier", "100:100")
	h.mustRun("", "sync", "api")
	totals := func(account string) map[string]any {
		var g map[string]any
		out := h.mustRun("", "gains", "--year", "2024", "--json", "--account", account, "--request-interval", "0")
		if err := json.Unmarshal([]byte(out), &g); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return g
	}
	fromCSV, fromAPI := totals("files"), totals("api")
	if fromCSV["year"] == nil || fromCSV["proceeds"] == nil {
		t.Fatalf("gains from the CSV store: %v", fromCSV)
	}
	for _, f := range []string{"proceeds", "cost", "gain"} {
		if fromCSV[f] != fromAPI[f] {
			t.Errorf("%s: CSV store %v, API store %v", f, fromCSV[f], fromAPI[f])
		}
	}
	if d, _ := fromCSV["disposals"].([]any); len(d) == 0 {
		t.Errorf("no disposals in 2024 from the CSV store: %v", fromCSV)
	}
	for _, cmd := range [][]string{{"income", "--year", "2024", "--json"}, {"holdings", "--json"}} {
		h.mustRun("", append(cmd, "--account", "files", "--request-interval", "0")...)
	}
}
