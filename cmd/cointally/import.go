package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/ingest"
)

// `cointally import kraken-csv` stores the ledgers and trades CSVs that
// Kraken's website exports, merged by ledger ID (and trade ID) with what is
// stored already: the same file twice, overlapping files or a file that
// overlaps what the API synced add nothing twice, and where a file and the
// API disagree about an ID the API's version stays and the difference is
// listed. Each file is stored in one transaction, or not at all. After the
// import the completeness proof runs as after a sync; when it shows the
// history continuous from its start, the account's ledger (and trades) are
// marked as read up to the end of the files, so that the first sync with a
// key fetches only what is newer.

// maxListed caps the bad rows and differences kept per file (all are
// counted).
const maxListed = 10_000

// importFileJSON is what the import did with one file.
type importFileJSON struct {
	File       string `json:"file"`
	Kind       string `json:"kind,omitempty"`       // "ledgers" or "trades"
	Generation string `json:"generation,omitempty"` // the header generation seen
	Imported   bool   `json:"imported"`
	// Rows counts the entries (or trades) read, pending rows excluded.
	Rows           int `json:"rows"`
	Added          int `json:"added"`
	AlreadyPresent int `json:"already_present"`
	Replaced       int `json:"replaced"`
	// PendingRows counts a deposit's rows written before it was credited
	// (empty txid and balance): merged with their credited rows, they count
	// once. PendingUncredited are those whose credited row the file lacks.
	PendingRows       int        `json:"pending_rows"`
	PendingUncredited int        `json:"pending_uncredited"`
	Differences       []diffJSON `json:"differences"`
	// BadRows counts rows that could not be read; Skipped lists them when
	// --skip-bad-rows imported the rest, Errors when the file was refused.
	BadRows int          `json:"bad_rows"`
	Skipped []badRowJSON `json:"skipped"`
	Errors  []badRowJSON `json:"errors"`
	// Error says why nothing of the file was imported.
	Error string `json:"error,omitempty"`
}

type badRowJSON struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Error  string `json:"error"`
}

// diffJSON is a ledger ID that the file and the stored ledger describe
// differently. The stored version is kept.
type diffJSON struct {
	ID     string            `json:"id"`
	Fields []string          `json:"fields"`
	With   string            `json:"with"` // the stored entry's source: "api", "export" or "csv"
	Stored map[string]string `json:"stored"`
	File   map[string]string `json:"file"`
}

// importJSON is the summary `import kraken-csv --json` prints.
type importJSON struct {
	Account        string                `json:"account"`
	Created        bool                  `json:"created"`
	Files          []importFileJSON      `json:"files"`
	Failed         int                   `json:"failed"`
	Reconciliation *ingest.AccountReport `json:"reconciliation,omitempty"`
	// CompleteThrough is set when the proof shows the stored history
	// continuous from its start: the time of its newest entry.
	CompleteThrough *time.Time `json:"complete_through,omitempty"`
	// SyncFrom says where the next sync starts: "newest" (only what is
	// newer than the stored history) or "start" (the whole ledger).
	SyncFrom string `json:"sync_from,omitempty"`
}

func runImport(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] != "kraken-csv" {
		return errors.New("import: name the source: cointally import kraken-csv --account NAME FILE... (Kraken's ledgers and trades CSV exports, or the ZIP they come in)")
	}
	return importKrakenCSV(ctx, args[1:], e)
}

// importer is one run of import kraken-csv.
type importer struct {
	a       *app
	e       *env
	name    string
	skipBad bool
	acct    *cointally.Account
	created bool
	unlock  func()
	trades  bool // a trades file was imported
}

func importKrakenCSV(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("import kraken-csv", e)
	account := fs.String("account", "", "the account to import into (created, without an API key, if it does not exist)")
	skipBad := fs.Bool("skip-bad-rows", false, "import the rows that can be read and list the others, instead of refusing a file with bad rows")
	asJSON := fs.Bool("json", false, "print a machine summary")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if !accountNameRE.MatchString(*account) {
		return errors.New("import kraken-csv: --account NAME is required: 1-64 letters, digits, spaces, dots, dashes or underscores")
	}
	if len(files) == 0 {
		return errors.New("import kraken-csv: name the files: cointally import kraken-csv --account NAME FILE... (ledgers or trades CSV, or Kraken's ZIP)")
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	im := &importer{a: a, e: e, name: *account, skipBad: *skipBad}
	defer im.release()
	switch acct, err := a.store.Account(ctx, a.user.ID, *account); {
	case err == nil:
		if acct.Exchange != "kraken" {
			return fmt.Errorf("import kraken-csv: account %q is a %s account, not a Kraken one", acct.Name, acct.Exchange)
		}
		if err := im.lock(ctx, acct); err != nil {
			return err
		}
	case !cointally.IsNotFound(err):
		return err
	}

	out := importJSON{Account: *account, Files: []importFileJSON{}}
	for _, path := range files {
		for _, fr := range im.importPath(ctx, path) {
			if !fr.Imported {
				out.Failed++
			}
			if fr.Kind == kraken.ExportTrades.String() && fr.Imported {
				im.trades = true
			}
			if !*asJSON {
				printImportFile(e, &fr)
			}
			out.Files = append(out.Files, fr)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	out.Created = im.created
	if im.acct != nil && im.changed(&out) {
		a.prepareEvents(ctx)
	}
	if im.acct != nil {
		if err := im.prove(ctx, &out); err != nil {
			return err
		}
	}
	if *asJSON {
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
	} else {
		im.printVerdict(&out)
	}
	if out.Failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("import kraken-csv: %d of %d file(s) not imported; nothing of those was stored (see above)", out.Failed, len(out.Files))}
	}
	return nil
}

// changed reports whether the import stored or replaced any ledger entry.
func (im *importer) changed(out *importJSON) bool {
	for _, fr := range out.Files {
		if fr.Added > 0 || fr.Replaced > 0 {
			return true
		}
	}
	return false
}

// lock takes the account's sync lock for the import, so that no sync
// stores entries or moves checkpoints meanwhile, and renews it until
// release.
func (im *importer) lock(ctx context.Context, acct *cointally.Account) error {
	host, _ := os.Hostname()
	owner := fmt.Sprintf("cointally import pid %d on %s", os.Getpid(), host)
	const ttl = 2 * time.Minute
	unlock, err := im.a.store.TryLockAccount(ctx, acct.ID, owner, ttl)
	if err != nil {
		if cointally.KindOf(err) == cointally.KindConflict {
			return fmt.Errorf("import kraken-csv: account %q is being synced right now; import when the sync has finished: %w", acct.Name, err)
		}
		return err
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_, _ = im.a.store.TryLockAccount(context.WithoutCancel(ctx), acct.ID, owner, ttl)
			}
		}
	})
	im.acct = acct
	im.unlock = func() {
		close(done)
		wg.Wait()
		unlock()
	}
	return nil
}

func (im *importer) release() {
	if im.unlock != nil {
		im.unlock()
		im.unlock = nil
	}
}

// ensureAccount returns the account, creating it without a key the first
// time a file is about to be stored.
func (im *importer) ensureAccount(ctx context.Context) (*cointally.Account, error) {
	if im.acct != nil {
		return im.acct, nil
	}
	acct := &cointally.Account{
		UserID: im.a.user.ID, Name: im.name, Exchange: "kraken", Status: cointally.StatusNoKey,
		StatusReason: "imported from files; add a read-only API key with cointally account rotate " + quoteName(im.name) + " to sync it",
	}
	if err := im.a.store.CreateAccount(ctx, acct, nil); err != nil {
		return nil, fmt.Errorf("import kraken-csv: creating account %q: %w", im.name, err)
	}
	im.created = true
	if err := im.lock(ctx, acct); err != nil {
		return nil, err
	}
	return acct, nil
}

// importPath imports one command-line argument: a CSV file, or each CSV in
// a ZIP archive.
func (im *importer) importPath(ctx context.Context, path string) []importFileJSON {
	failed := func(err error) []importFileJSON {
		return []importFileJSON{{File: path, Error: err.Error(), Differences: []diffJSON{}, Skipped: []badRowJSON{}, Errors: []badRowJSON{}}}
	}
	f, err := os.Open(path)
	if err != nil {
		return failed(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return failed(err)
	}
	if st.IsDir() {
		return failed(fmt.Errorf("%s is a directory: name the CSV or ZIP files in it", path))
	}
	files, err := kraken.ExportFiles(path, f, st.Size())
	if err != nil {
		return failed(err)
	}
	var out []importFileJSON
	for _, ef := range files {
		out = append(out, im.importFile(ctx, ef))
	}
	return out
}

// importFile reads one export and stores it in one transaction.
func (im *importer) importFile(ctx context.Context, ef kraken.ExportFile) importFileJSON {
	fr := importFileJSON{File: ef.Name, Differences: []diffJSON{}, Skipped: []badRowJSON{}, Errors: []badRowJSON{}}
	fail := func(err error) importFileJSON {
		var ce *kraken.CSVError
		if errors.As(err, &ce) {
			ce.File = ef.Name
		}
		fr.Error = err.Error()
		return fr
	}
	rc, err := ef.Open()
	if err != nil {
		return fail(fmt.Errorf("%s: %w", ef.Name, err))
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 256<<10)
	kind, comma, err := kraken.DetectExport(br)
	if err != nil {
		return fail(err)
	}
	fr.Kind = kind.String()
	var bad []*kraken.CSVError
	// read calls next until io.EOF, collecting bad rows; keep is called
	// for every good row while the file can still be imported.
	read := func(next func() error, keep func()) error {
		for n := 0; ; n++ {
			if n%65536 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			err := next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			var ce *kraken.CSVError
			switch {
			case err == nil:
				if len(bad) == 0 || im.skipBad {
					keep()
				}
				continue
			case !errors.As(err, &ce):
				return err
			}
			ce.File = ef.Name
			if ce.Fatal {
				return ce
			}
			fr.BadRows++
			if len(bad) < maxListed {
				bad = append(bad, ce)
			}
		}
	}
	switch kind {
	case kraken.ExportLedgers:
		lr, err := kraken.NewLedgerCSVReaderOptions(br, kraken.LedgerCSVOptions{Comma: comma})
		if err != nil {
			return fail(err)
		}
		fr.Generation = lr.Generation().String()
		entries := make([]cointally.Entry, 0, expectRows(ef.Size))
		var en cointally.Entry
		err = read(func() (err error) { en, err = lr.Read(); return err }, func() { entries = append(entries, en) })
		fr.Rows, fr.PendingRows, fr.PendingUncredited = lr.Rows(), lr.Skipped(), lr.Uncredited()
		if err != nil {
			return fail(err)
		}
		if !im.acceptBad(&fr, bad) {
			return fr
		}
		if err := im.storeEntries(ctx, &fr, entries); err != nil {
			return fail(err)
		}
	case kraken.ExportTrades:
		tr, err := kraken.NewTradeCSVReader(br, kraken.TradeCSVOptions{Comma: comma})
		if err != nil {
			return fail(err)
		}
		fr.Generation = tr.Generation().String()
		trades := make([]cointally.Trade, 0, expectRows(ef.Size))
		var t cointally.Trade
		err = read(func() (err error) { t, err = tr.Read(); return err }, func() { trades = append(trades, t) })
		fr.Rows = tr.Rows()
		if err != nil {
			return fail(err)
		}
		if !im.acceptBad(&fr, bad) {
			return fr
		}
		acct, err := im.ensureAccount(ctx)
		if err != nil {
			return fail(err)
		}
		added, err := im.a.store.PutTrades(ctx, acct.ID, trades, nil)
		if err != nil {
			return fail(fmt.Errorf("%s: storing the trades: %w", ef.Name, err))
		}
		fr.Imported, fr.Added, fr.AlreadyPresent = true, added, len(trades)-added
	}
	return fr
}

// expectRows estimates the rows of an export of size bytes (Kraken's rows
// take 150 to 250 bytes), so that the slice holding them grows seldom.
func expectRows(size int64) int {
	return int(min(max(size/160, 0), 20_000_000)) + 16
}

// acceptBad records the bad rows and reports whether the file may still
// be imported: with none, or with --skip-bad-rows.
func (im *importer) acceptBad(fr *importFileJSON, bad []*kraken.CSVError) bool {
	rows := make([]badRowJSON, len(bad))
	for i, ce := range bad {
		rows[i] = badRowJSON{Line: ce.Line, Column: ce.Column, Value: ce.Value, Error: ce.Error()}
	}
	if len(bad) == 0 || im.skipBad {
		fr.Skipped = rows
		return true
	}
	fr.Errors = rows
	fr.Error = fmt.Sprintf("%s bad row%s: nothing from this file was imported; correct the file (or download it again from Kraken), "+
		"or pass --skip-bad-rows to import the other rows", thousands(fr.BadRows), importPlural(fr.BadRows))
	return false
}

// storeEntries stores a file's entries in one transaction and records what
// happened to them.
func (im *importer) storeEntries(ctx context.Context, fr *importFileJSON, entries []cointally.Entry) error {
	acct, err := im.ensureAccount(ctx)
	if err != nil {
		return err
	}
	res, err := im.a.store.PutEntries(ctx, acct.ID, entries, nil)
	if err != nil {
		return fmt.Errorf("%s: storing the entries: %w", fr.File, err)
	}
	fr.Imported, fr.Added, fr.Replaced = true, res.Added, res.Replaced
	fr.AlreadyPresent = len(entries) - res.Added
	for i := range res.Diffs {
		if d, ok := entryDifference(&res.Diffs[i]); ok && len(fr.Differences) < maxListed {
			fr.Differences = append(fr.Differences, d)
		}
	}
	return nil
}

// entryDifference describes a ledger ID stored with other values than the
// file's, leaving out what is only the file's precision: a ledgers CSV
// writes whole seconds where the API has four decimals.
func entryDifference(d *cointally.EntryDiff) (diffJSON, bool) {
	stored, file := map[string]string{}, map[string]string{}
	var fields []string
	for _, f := range d.Fields {
		s, o := &d.Stored, &d.Offered
		switch f {
		case "time":
			if o.Time.Nanosecond() == 0 && o.Time.Equal(s.Time.Truncate(time.Second)) {
				continue
			}
			stored[f], file[f] = s.Time.UTC().Format(time.RFC3339Nano), o.Time.UTC().Format(time.RFC3339Nano)
		case "asset":
			stored[f], file[f] = s.Asset, o.Asset
		case "amount":
			stored[f], file[f] = s.Amount.String(), o.Amount.String()
		case "fee":
			stored[f], file[f] = s.Fee.String(), o.Fee.String()
		case "balance":
			stored[f], file[f] = s.Balance.String(), o.Balance.String()
		}
		fields = append(fields, f)
	}
	if len(fields) == 0 {
		return diffJSON{}, false
	}
	return diffJSON{ID: d.ID, Fields: fields, With: d.Stored.Source, Stored: stored, File: file}, true
}

// The state the import leaves in the ledger checkpoint (a walkState of
// package ingest, whose "newest" field an incremental sync passes on) and
// the trades checkpoint (whose "newest" is where the next trades walk
// stops). "imported" marks a checkpoint written by an import, not by a
// walk of the API.
type importedState struct {
	Newest   string `json:"newest"`
	Imported bool   `json:"imported"`
}

// prove runs the completeness proof and, when it shows the history
// continuous from its start, marks the ledger (and the trades, when the
// trades files cover every trade of the ledger up to their end) as read
// through the end of the files, so that the next sync fetches only what is
// newer. When the proof fails on an account never synced, marks written by
// earlier imports are removed: the first sync then reads the whole ledger.
func (im *importer) prove(ctx context.Context, out *importJSON) error {
	st, acct := im.a.store, im.acct
	rep, err := im.a.syncer().Reconcile(ctx, acct.ID)
	if err != nil {
		return err
	}
	ar := rep.Accounts[0]
	out.Reconciliation = &ar
	ledgerCP, err := checkpointOrNil(ctx, st, acct.ID, ingest.StreamLedger)
	if err != nil {
		return err
	}
	exportCP, err := checkpointOrNil(ctx, st, acct.ID, ingest.StreamExport)
	if err != nil {
		return err
	}
	importMade := func(cp *cointally.Checkpoint) bool {
		var s importedState
		return cp != nil && json.Unmarshal([]byte(cp.State), &s) == nil && s.Imported
	}
	newest, err := st.NewestEntry(ctx, acct.ID)
	switch {
	case cointally.IsNotFound(err):
		return nil
	case err != nil:
		return err
	}
	if !ar.OK {
		if importMade(ledgerCP) && acct.LastSync.IsZero() {
			// An earlier import's mark no longer holds (this one opened a
			// gap): let the first sync read the whole ledger.
			if err := st.ClearCheckpoints(ctx, acct.ID); err != nil {
				return err
			}
			ledgerCP = nil
		}
		out.SyncFrom = "start"
		if ledgerCP != nil {
			out.SyncFrom = "newest"
		}
		return nil
	}
	t := newest.Time.UTC()
	out.CompleteThrough = &t
	switch {
	case ledgerCP != nil:
		out.SyncFrom = "newest"
	case exportCP != nil:
		out.SyncFrom = "start" // a first sync's export is under way: it goes on
	default:
		state, _ := json.Marshal(importedState{Newest: cointally.BoundTime(t), Imported: true})
		ledgerCP = &cointally.Checkpoint{AccountID: acct.ID, Stream: ingest.StreamLedger, Done: true, State: string(state)}
		if err := st.PutCheckpoint(ctx, ledgerCP); err != nil {
			return err
		}
		out.SyncFrom = "newest"
	}
	if !im.trades || !importMade(ledgerCP) {
		return nil
	}
	tradesCP, err := checkpointOrNil(ctx, st, acct.ID, ingest.StreamTrades)
	if err != nil || tradesCP != nil && !importMade(tradesCP) {
		return err
	}
	through, ok, err := tradesCover(ctx, st, acct.ID)
	if err != nil || !ok {
		return err
	}
	state, _ := json.Marshal(importedState{Newest: cointally.BoundTime(through), Imported: true})
	return st.PutCheckpoint(ctx, &cointally.Checkpoint{AccountID: acct.ID, Stream: ingest.StreamTrades, Done: true, State: string(state)})
}

func checkpointOrNil(ctx context.Context, st cointally.Store, accountID int64, stream string) (*cointally.Checkpoint, error) {
	cp, err := st.Checkpoint(ctx, accountID, stream)
	if cointally.IsNotFound(err) {
		return nil, nil
	}
	return cp, err
}

var errStopWalk = errors.New("stop")

// tradesCover reports whether the stored trades cover every trade entry
// of the ledger up to the newest trade, and that trade's time.
func tradesCover(ctx context.Context, st cointally.Store, accountID int64) (time.Time, bool, error) {
	ids := map[string]struct{}{}
	var newest time.Time
	err := st.Trades(ctx, accountID, func(t *cointally.Trade) error {
		ids[t.ID] = struct{}{}
		if t.Time.After(newest) {
			newest = t.Time
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return newest, false, err
	}
	ok := true
	err = st.Entries(ctx, accountID, func(e *cointally.Entry) error {
		if e.Time.After(newest) {
			return errStopWalk
		}
		if _, found := ids[e.RefID]; e.Type == "trade" && !found {
			ok = false
			return errStopWalk
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopWalk) {
		return newest, false, err
	}
	return newest, ok, nil
}

// printImportFile prints what the import did with one file.
func printImportFile(e *env, fr *importFileJSON) {
	w := e.stdout
	if fr.Kind == "" {
		fmt.Fprintf(w, "%s\n  NOT IMPORTED.\n", fr.Error)
		return
	}
	unit := "entries"
	if fr.Kind == kraken.ExportTrades.String() {
		unit = "trades"
	}
	fmt.Fprintf(w, "%s: Kraken %s export, header generation %s: %s %s read", fr.File, fr.Kind, fr.Generation, thousands(fr.Rows), unit)
	if fr.Imported {
		fmt.Fprintf(w, ", %s added, %s already stored", thousands(fr.Added), thousands(fr.AlreadyPresent))
		if fr.Replaced > 0 {
			fmt.Fprintf(w, ", %s replaced", thousands(fr.Replaced))
		}
	}
	fmt.Fprintln(w, ".")
	if fr.PendingRows > 0 {
		fmt.Fprintf(w, "  %s pending deposit row%s merged with the credited row%s (each deposit counts once)", thousands(fr.PendingRows),
			importPlural(fr.PendingRows), importPlural(fr.PendingRows))
		if fr.PendingUncredited > 0 {
			fmt.Fprintf(w, "; %s still pending when the file was made, left out until credited", thousands(fr.PendingUncredited))
		}
		fmt.Fprintln(w, ".")
	}
	if n := len(fr.Differences); n > 0 {
		what := "ledger entries differ"
		if n == 1 {
			what = "ledger entry differs"
		}
		fmt.Fprintf(w, "  %s %s from the stored version, which is kept:\n", thousands(n), what)
		for i, d := range fr.Differences {
			if i == 20 {
				fmt.Fprintf(w, "    … and %d more (see --json)\n", n-20)
				break
			}
			var parts []string
			for _, f := range d.Fields {
				parts = append(parts, fmt.Sprintf("%s %s in the file, %s stored", f, d.File[f], d.Stored[f]))
			}
			fmt.Fprintf(w, "    %s (stored from %s): %s\n", d.ID, sourceWords(d.With), strings.Join(parts, "; "))
		}
	}
	rows := fr.Skipped
	if !fr.Imported {
		fmt.Fprintf(w, "  NOT IMPORTED: %s\n", fr.Error)
		rows = fr.Errors
	} else if fr.BadRows > 0 {
		fmt.Fprintf(w, "  %s bad row%s skipped (--skip-bad-rows):\n", thousands(fr.BadRows), importPlural(fr.BadRows))
	}
	for i, r := range rows {
		if i == 20 {
			fmt.Fprintf(w, "    … and %s more (see --json)\n", thousands(fr.BadRows-20))
			break
		}
		fmt.Fprintf(w, "    %s\n", r.Error)
	}
}

func sourceWords(source string) string {
	switch source {
	case cointally.SourceAPI:
		return "the API"
	case cointally.SourceExport:
		return "an export report"
	}
	return "an earlier file"
}

// printVerdict prints the completeness proof and what the next sync does.
func (im *importer) printVerdict(out *importJSON) {
	e := im.e
	if out.Created {
		fmt.Fprintf(e.stdout, "Created Kraken account %q without an API key.\n", out.Account)
	}
	if out.Reconciliation == nil {
		return
	}
	printReconciliation(e, &ingest.Report{Accounts: []ingest.AccountReport{*out.Reconciliation}})
	name := quoteName(out.Account)
	noKey := im.acct.Status == cointally.StatusNoKey
	switch {
	case out.CompleteThrough != nil:
		fmt.Fprintf(e.stdout, "The stored history is continuous from its first entry to %s UTC.", out.CompleteThrough.Format("2006-01-02 15:04:05"))
		if noKey {
			fmt.Fprintf(e.stdout, " Add a read-only API key with cointally account rotate %s: the first sync then fetches only what is newer.\n", name)
		} else {
			fmt.Fprintln(e.stdout, " The next sync fetches only what is newer.")
		}
	case noKey:
		fmt.Fprintf(e.stdout, "The files do not prove the history complete: import the missing periods, or add a read-only API key with "+
			"cointally account rotate %s: the first sync then reads the whole ledger from Kraken.\n", name)
	}
}

// importPlural returns "s" unless n is 1.
func importPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
