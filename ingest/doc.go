// Package ingest imports exchange accounts into the store: a ledger-first
// sync that is crash-safe and rate-optimal, a scheduler that runs it for
// every account, and the reconciliation that proves the import complete.
//
// It knows the exchange and the store only through cointally's interfaces
// (cointally.Exchange, cointally.Store); cmd/cointally wires the Kraken
// adapter and the SQLite store in.
//
// # Sync
//
// Syncer.Sync imports one account, streams in this order: the ledger (the
// truth, required), trades with their ledger links, closed orders, open
// orders, live balances, deposit and withdrawal status. A stream the key
// has no permission for is skipped and noted in the run, never fatal;
// except the ledger, whose refusal means the key is unusable.
//
// Paged streams are walked newest first, 50 per page, in a window whose end
// is fixed by the first page (new activity during a walk cannot shift the
// offsets). Each page is stored together with its checkpoint (stream,
// window, next offset, the exchange's count) in one store transaction, so a
// process killed at any instant resumes exactly where it stopped: the same
// window, the same offset. Entries are keyed by their ledger ID, so a page
// stored twice adds nothing.
//
// The first walk of an account is a full backfill. Later walks are
// incremental: they stop at the first page that reaches one second before
// the newest stored entry, so an account without news costs one call per
// stream. Their first page, asked without a start, brings the exchange's
// count of the whole history, which the sync compares with what is stored
// (the completeness proof): an up-to-date account re-proves it on every
// sync at no extra cost. Later pages are asked without a count.
//
// When the key may export (cointally.CapExport) and the history is large,
// the backfill goes through the exchange's ledgers export instead: request
// it (recorded in the "export" checkpoint before anything else, and
// idempotent by its tag, so a killed sync never requests a second report),
// poll with back-off, import the file in batches of thousands of entries per
// transaction (the checkpoint counts the rows imported, so a resumed import
// skips them), remove the report, top up with Ledgers pages, and verify the
// count; if the count disagrees, a full paging walk repairs the gap.
//
// Two syncs of one account never run at once: Sync takes the store's
// account lock (renewed while it runs) and answers KindConflict if another
// process or goroutine holds it. Each sync is recorded as a
// cointally.SyncRun. If the exchange rejects the key, Sync moves the account
// to cointally.StatusNeedsNewKey with the reason in the user's words; see
// KeyRejected.
//
// # Reconciliation
//
// Reconcile checks, for each asset code (and wallet), the running balance
// chain balance = previous balance + amount - fee over every stored entry in
// time order. Entries with the same time are ordered so that the chain is
// continuous where some order makes it so (Kraken's IDs do not follow time
// within a group). Each break names the ledger IDs around the gap and the
// amount that is missing; a chain whose first entry does not start from
// zero has a break before it (history before it is missing, as with a key
// limited to a date range). Each chain's end is compared with the latest
// live balance, and the exchange's count with the stored count.
//
// # Scheduler
//
// Scheduler.Run syncs every account on its interval (15 minutes by
// default), jittered, backing off after failures and skipping accounts
// that need a new key, until its context is canceled.
package ingest
