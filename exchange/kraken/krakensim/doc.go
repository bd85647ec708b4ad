// Package krakensim emulates Kraken's Spot REST API for tests, benchmarks
// and the demo: an http.Handler that serves generated, self-consistent
// account histories (ledger entries, trades, orders, funding) and market
// data, and that authenticates, rate-limits and fails like the real API.
//
// It imports only the standard library. It is a separate implementation of
// the protocol from the project's Kraken client (exchange/kraken) on
// purpose, so that a signing or parsing bug cannot hide on both sides.
//
// # Serving
//
// Build a server from a scenario file (see Scenario) and serve it:
//
//	sc, err := krakensim.LoadScenario("testdata/sample.json")
//	srv, err := krakensim.New(sc, krakensim.WithClock(clock.Now))
//	ts := httptest.NewServer(srv)
//
// or run it on loopback with cmd/krakensim. The zero Server is usable too:
// it serves the public endpoints, and AddAccount and AddKey register
// hand-made accounts and keys. Exported fields are the knobs (clock, sleep,
// logger, rate limit, faults, lockout, export delay, page size).
//
// Routes: /0/public/<Method> (GET with a query string or POST with a form
// or JSON body), /0/private/<Method> (POST only, form-encoded or JSON body;
// GET is HTTP 405), the emulator's own GET /_sim/stats and
// POST /_sim/accounts/<id>/activity (form entries=N). Any other path is
// HTTP 404 {"error":["EGeneral:Unknown method"]}. API errors are HTTP 200
// with {"error":[...]} and no result, as on Kraken.
//
// Public: Time, SystemStatus, Assets, AssetPairs, Ticker, OHLC (at most the
// 720 most recent candles), Trades (since in nanoseconds), Depth, Spread.
// Private: Balance, BalanceEx, TradeBalance, OpenOrders, ClosedOrders,
// QueryOrders, TradesHistory, QueryTrades, OpenPositions, Ledgers,
// QueryLedgers, TradeVolume, DepositMethods, DepositAddresses,
// DepositStatus, WithdrawMethods, WithdrawAddresses, WithdrawInfo,
// WithdrawStatus, AddExport, ExportStatus, RetrieveExport, RemoveExport,
// Earn/Strategies, Earn/Allocations, Earn/AllocateStatus,
// Earn/DeallocateStatus, GetWebSocketsToken, GetApiKeyInfo (switchable
// off), AddOrder and CancelOrder.
//
// # Authentication
//
// Private calls carry the headers API-Key and API-Sign, and nonce (and otp
// when the key has one) in the body. The server recomputes API-Sign =
// base64(HMAC-SHA512(base64-decoded secret, uri_path || SHA256(nonce ||
// raw body))) over the exact body bytes, form or JSON. The checks run in
// Kraken's order, each with Kraken's error:
//
//  1. client IP locked out: EGeneral:Temporary lockout
//  2. unknown key, or key past valid_until: EAPI:Invalid key
//  3. signature mismatch: EAPI:Invalid signature
//  4. nonce not above the key's highest (or, with a nonce window, not above
//     highest-window or already used): EAPI:Invalid nonce. A failed call
//     never advances the stored nonce.
//  5. key with an otp: a missing otp is EGeneral:Permission denied, a wrong
//     one EAPI:Invalid signature (what users of the real API report)
//  6. missing permission (Kraken's per-endpoint table): EGeneral:Permission
//     denied
//  7. rate counter would exceed its maximum: EAPI:Rate limit exceeded
//
// The nonce is used up once steps 1-5 pass, so calls refused for
// permission or rate limit consume their nonce, like any call Kraken
// authenticated. Failures of steps 2-5 count towards the lockout of the
// client IP (see Lockout: 5 consecutive failures lock the IP out for 15
// minutes by default; a successful authentication resets the count). A key
// restricted to query_from/query_to sees only the history inside that range:
// Ledgers, TradesHistory, ClosedOrders, the Query endpoints, funding status
// and exports clamp to it, and an explicit start after query_to (or end
// before query_from) is EGeneral:Invalid arguments:start (end).
//
// # Rate limiting
//
// Each key has Kraken's decaying call counter, by the server clock (see
// RateLimit): starter 15 points decaying 0.33/s, intermediate 20 and 0.5/s,
// pro 20 and 1/s, or custom values. Ledgers, TradesHistory and ClosedOrders
// cost 2 points (configurable), other private calls 1, AddOrder and
// CancelOrder 0 (the trading-engine limiter is not modelled). Counter math is
// exact (integer micro-points); a burst can spend exactly the maximum, and a
// rejected call adds nothing to the counter.
//
// # Paging
//
// Ledgers, TradesHistory and ClosedOrders serve pages of 50, newest first
// (object keys in newest-first order in the JSON text), honouring ofs,
// count (left out with without_count=true), start (exclusive) and end
// (inclusive) as unix times or as IDs (an ID stands for its entry's time;
// for ClosedOrders an order's open time), and the type and asset filters
// (asset is a comma list of IDs or altnames). A page of a 1,000,000-entry
// account takes microseconds: per-filter time indexes are built lazily and
// searched by bisection, and the JSON is appended by hand. QueryLedgers and
// QueryTrades take at most 20 IDs, QueryOrders 50; unknown or invisible IDs
// are left out of the result.
//
// Amounts are decimal strings: ledger amounts, fees and balances with the
// asset's decimals; trade and order prices with the pair's pair_decimals,
// volumes with its lot_decimals, costs and fees with the quote asset's
// decimals. Ledger, trade and order times are numbers with four decimals.
//
// # Faults
//
// Faults (FaultKind) are injected at a configured rate, deterministically
// for a seed: Cloudflare-style HTTP 520 and 502 HTML pages and dropped
// connections happen in front of Kraken (nothing consumed: a retry may
// reuse its nonce); EService:Unavailable, EService:Busy and
// EGeneral:Internal error come from Kraken after authentication (nonce and
// counter consumed); truncated responses (HTTP 200, body cut in half) and
// slow responses serve the real answer. No fault changes data.
//
// # Exports
//
// AddExport queues a ledgers or trades report; ExportStatus shows it Queued,
// then Processing, then Processed as Server.ExportDelay passes on the server
// clock; RetrieveExport returns a real ZIP holding the website's current CSV
// generation; RemoveExport cancels (queued or processing) or deletes
// (processed) it.
//
// # Deliberate differences from Kraken
//
//   - BalanceEx values are strings (the documentation example shows numbers,
//     the live API sends strings).
//   - TradeVolume field names follow the documented example (fee, minfee,
//     maxfee, nextfee, nextvolume, tiervolume); fees are listed only for the
//     pairs requested.
//   - WithdrawStatus in cursor mode wraps its list as {"withdrawals": [...],
//     "next_cursor": ...} (Kraken's key name is undocumented);
//     DepositStatus uses {"deposit": [...]} as documented.
//   - WithdrawInfo with an unknown key answers EFunding:Unknown withdraw
//     key; RetrieveExport of an unknown or unfinished report answers
//     EGeneral:Invalid arguments:id.
//   - A client IP outside a key's ip_allowlist gets EGeneral:Permission
//     denied (Kraken's answer is undocumented) and does not count towards
//     the lockout.
//   - AddOrder with validate=false adds an open order that never fills;
//     CancelOrder moves an open order to the closed list as canceled.
package krakensim
