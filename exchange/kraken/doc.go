// Package kraken is a client for Kraken's Spot REST API, written for a
// read-only portfolio and tax tracker.
//
// The package is layered, one concern per file:
//
//   - client.go: Client, its options and the one do core that every call
//     goes through (public GET with a query, private POST with a signed
//     form body).
//   - sign.go, secret.go, nonce.go: authentication.
//   - ratelimit.go, retry.go: waiting before sending, and retrying.
//   - response.go, errors.go: the single place where responses become a
//     result or a typed error.
//   - timestamp.go, decode.go and one file per API area (public.go,
//     account.go, ledgers.go, trades.go, orders.go, funding.go, export.go,
//     earn.go, apikey.go): typed results with exact decimals.
//   - paging.go: walking Ledgers, TradesHistory and ClosedOrders.
//   - audit.go: testing a key and auditing its permissions (GetApiKeyInfo,
//     or read-only probes), with a verdict per permission.
//
// The wire layer knows only Kraken. A thin layer maps it to cointally's
// types: adapter.go implements cointally.Exchange for the sync engine,
// csvledger.go, csvtrades.go and csvfile.go read Kraken's CSV exports
// (every ledgers header generation, both trades headers, the ZIP Kraken
// delivers), assetcodes.go maps asset codes (XXBT, BTC, DOT.S),
// ledgertypes.go knows which ledger types and subtypes exist, and
// classify.go turns refid groups into cointally events.
//
// # Authentication
//
// Private calls carry the API key in the API-Key header and a signature in
// API-Sign:
//
//	API-Sign = base64(HMAC-SHA512(base64decode(private key), path + SHA256(nonce + body)))
//
// (see Sign). NewClient checks the private key's format and reports which
// field is malformed (*CredentialError). The private key is held in a
// Secret and never appears in errors, logs or formatted output.
//
// Every private call needs a nonce larger than any nonce the key used
// before. The default NonceGenerator uses Unix microseconds, or the last
// nonce plus one, and can persist a high-water mark through a NonceStore
// (FileNonceStore, MemoryNonceStore) so restarts continue above it even if
// the clock went backwards. Private calls of one Client are sent one at a
// time so that nonces arrive in order. Two programs sharing a key break
// each other with EAPI:Invalid nonce; the error's UserMessage says so.
//
// # Rate limiting
//
// Kraken keeps a per-key counter: each private call adds its cost (2 for
// Ledgers, TradesHistory and ClosedOrders, 1 for most others, 0 for
// AddOrder and CancelOrder) and the counter decays by a per-tier rate. A
// Limiter mirrors that counter and makes each private call wait until it
// fits under the maximum, so the client waits instead of being refused.
// If Kraken refuses anyway, the counter is set to its maximum and the
// assumed tier is lowered (except for a first refusal right after start-up,
// when Kraken's counter may still hold an earlier run's calls). Decay is
// paused while a call is in flight, because Kraken charges the call when it
// arrives. Client.Stats and Client.EstimateWait expose the model for
// progress displays.
//
// # Errors and retries
//
// Kraken answers most failures with HTTP 200 and an "error" array. The
// client turns them into *APIError with a Class; failures that produced no
// Kraken answer (network errors, HTML error pages, truncated JSON) become
// *TransportError, and responses of the wrong shape *DecodeError naming
// the endpoint, entry and field. All match sentinel errors with errors.Is
// (ErrInvalidKey, ErrPermissionDenied, ErrRateLimited, ErrUnavailable, ...)
// and have a UserMessage method; see UserMessage. RetryPolicy describes
// which classes are retried and how.
//
// # Paging
//
// Ledgers, TradesHistory and ClosedOrders return 50 entries per page,
// newest first, with a total count. LedgersPager, TradesPager and
// ClosedOrdersPager fix the end of the window at the start of a walk,
// advance the offset, stop at the first empty page and drop entries already
// returned. Kraken's count is reported for progress only: it can change
// between pages.
//
// # Numbers and times
//
// Every amount is a money.Amount decoded from Kraken's decimal text (or
// JSON number) without passing through float64. Times with fractions are
// Timestamps decoded from their decimal digits. Each LedgerEntry keeps its
// JSON object in Raw.
package kraken
