// Package web is cointally's browser interface: server-rendered HTML on the
// standard library's router, with templates, CSS and a little JavaScript
// embedded in the binary and parsed once at startup.
//
// # Dependencies
//
// The package sees the domain through cointally.Store and
// cointally.SessionStore and reaches everything else through two small
// interfaces the command wires in: Connector (test and store an exchange
// key) and Syncer (start a sync, watch its progress, reconcile). It never
// imports the SQL store, the Kraken client or the sync engine, so their view
// of a key audit or a reconciliation arrives as the view types of this
// package (AuditView, ReconcileView, ProgressView).
//
// # Security
//
//   - No default password: the first account is made by `cointally user add`
//     or by the one-time setup page, which answers only requests from the
//     loopback interface that came through no proxy.
//   - Passwords are hashed with Argon2id and stored as PHC strings.
//   - Logins are throttled per user and per client address; failures are
//     kept in the store, so the limit holds across processes.
//   - A session cookie holds 32 random bytes; the store keeps only their
//     SHA-256. Sessions end after SessionTTL, or after IdleTimeout without a
//     request. Cookies are HttpOnly and SameSite=Strict, and Secure when the
//     request came over TLS (directly, or through a trusted proxy that sets
//     X-Forwarded-Proto: https).
//   - Every POST carries a CSRF token: the session's own token, or before
//     login a double-submit cookie. Cross-site POSTs (Sec-Fetch-Site) are
//     refused outright.
//   - Every response carries a Content-Security-Policy without inline
//     script, frame denial, nosniff and a strict referrer policy.
//   - A user sees and changes only their own accounts and reports: any
//     other account answers 404, exactly like one that does not exist. A
//     user may grant another read-only access (an accountant, sharing.go):
//     the viewer reads the owner's pages with ?as=OWNER_ID and every
//     state-changing request refuses them (403).
//   - The private key of an exchange key is write-only: no response ever
//     contains it, not even the form shown again after a mistake.
package web
