package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/vault"
)

func runAccount(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 {
		return errors.New("account: want a subcommand: add, list, audit, rotate, set or remove (see cointally help)")
	}
	switch args[0] {
	case "add":
		return accountAdd(ctx, args[1:], e)
	case "list":
		return accountList(ctx, args[1:], e)
	case "audit":
		return accountAudit(ctx, args[1:], e)
	case "rotate":
		return accountRotate(ctx, args[1:], e)
	case "remove":
		return accountRemove(ctx, args[1:], e)
	case "set":
		return accountSet(ctx, args[1:], e)
	}
	return fmt.Errorf("account: unknown subcommand %q (want add, list, audit, rotate, set or remove)", args[0])
}

var accountNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)

// readKeyPair reads the API key and the private key: from the first two
// lines of stdin when it is not a terminal, otherwise from prompts without
// echo. Never from flags or the environment. Formats are checked before
// anything is sent, and the error names the half that is malformed.
func readKeyPair(e *env) (keyPair, error) {
	var apiKey, priv string
	if e.stdinIsTerminal() {
		fmt.Fprint(e.stderr, "Kraken API key: ")
		b, err := e.readPassword()
		fmt.Fprintln(e.stderr)
		if err != nil {
			return keyPair{}, fmt.Errorf("reading the API key: %w", err)
		}
		apiKey = string(b)
		fmt.Fprint(e.stderr, "Kraken private key: ")
		b, err = e.readPassword()
		fmt.Fprintln(e.stderr)
		if err != nil {
			return keyPair{}, fmt.Errorf("reading the private key: %w", err)
		}
		priv = string(b)
	} else {
		r := bufio.NewReader(io.LimitReader(e.stdin, 64<<10))
		var err error
		if apiKey, err = readLine(r); err != nil {
			return keyPair{}, errors.New("reading the API key: stdin must hold the API key on the first line and the private key on the second")
		}
		if priv, err = readLine(r); err != nil {
			return keyPair{}, errors.New("reading the private key: stdin must hold the API key on the first line and the private key on the second")
		}
	}
	apiKey = strings.TrimSpace(apiKey)
	if apiKey == "" {
		return keyPair{}, errors.New("the API key is empty: paste the API key (the shorter, public one) on the first line")
	}
	if strings.ContainsAny(apiKey, " \t") {
		return keyPair{}, errors.New("the API key is malformed: it contains a space; copy it again from Kraken")
	}
	sec, err := kraken.ParsePrivateKey(priv)
	if err != nil {
		return keyPair{}, userError(err)
	}
	if _, err := kraken.ParsePrivateKey(apiKey); err == nil {
		return keyPair{}, errors.New("the API key looks like a private key: the first line must be the API key and the second the private key")
	}
	return keyPair{apiKey: apiKey, privateKey: sec}, nil
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// newKey is a key pair read from the user, tested and audited.
type newKey struct {
	kp     keyPair
	client *kraken.Client
	audit  *kraken.Audit
	nonces *accountNonces // the nonces used so far, to store with the key
}

// testNewKey reads a key pair (stdin or prompts), tests the connection and
// audits it, and prints the audit. A refused key is an error: nothing is
// stored.
func (a *app) testNewKey(ctx context.Context, op, name, tier string, opts kraken.AuditOptions, asJSON bool) (*newKey, error) {
	kp, err := readKeyPair(a.env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	nonces := &accountNonces{ctx: ctx, store: a.store}
	client, err := a.newKrakenClient(kp, tier, nonces)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, userError(err))
	}
	opts.Now = a.env.now
	audit, err := kraken.AuditKey(ctx, client, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, userError(err))
	}
	printAudit(a.env, name, audit, asJSON)
	if audit.Refused {
		return nil, &exitError{code: 1, msg: op + ": the key was not stored: " + joinLines(audit.Problems)}
	}
	return &newKey{kp: kp, client: client, audit: audit, nonces: nonces}, nil
}

func accountAdd(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("account add", e)
	name := fs.String("name", "", "a name for the account (required)")
	tier := fs.String("tier", "starter", "the key's rate-limit tier: starter, intermediate, pro or MAX:DECAY")
	allowRisky := fs.Bool("allow-risky-permissions", false, "store a key that can withdraw, trade or move funds (not recommended)")
	probeTrading := fs.Bool("probe-trading", false, "send a validate-only order to check trading permissions when Kraken cannot report them")
	asJSON := fs.Bool("json", false, "print the audit as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "kraken" {
		return errors.New("account add: name the exchange: cointally account add kraken --name NAME (Kraken is the supported exchange)")
	}
	if !accountNameRE.MatchString(*name) {
		return errors.New("account add: --name is required: 1-64 letters, digits, spaces, dots, dashes or underscores")
	}
	if _, err := kraken.ParseTier(*tier); err != nil {
		return fmt.Errorf("account add: --tier: %w", err)
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.store.Account(ctx, a.user.ID, *name); err == nil {
		return fmt.Errorf("account add: an account named %q exists already (use cointally account rotate %q to give it a new key)", *name, *name)
	} else if !cointally.IsNotFound(err) {
		return err
	}
	nk, err := a.testNewKey(ctx, "account add", *name, *tier, kraken.AuditOptions{AllowRisky: *allowRisky, ProbeTrading: *probeTrading}, *asJSON)
	if err != nil {
		return err
	}
	kp, audit, nonces := nk.kp, nk.audit, nk.nonces
	now := e.now()
	acct := &cointally.Account{
		UserID: a.user.ID, Name: *name, Exchange: "kraken", KeyHint: vault.Hint(kp.apiKey), Tier: *tier,
		Permissions: audit.Permissions(), RiskAccepted: audit.Risky, Status: cointally.StatusOK,
		KeyAdded: now, KeyLastUsed: now,
	}
	cred, err := a.sealCredential(acct, kp, nonces.initial)
	if err != nil {
		return err
	}
	if err := a.store.CreateAccount(ctx, acct, cred); err != nil {
		return fmt.Errorf("account add: %w", err)
	}
	a.keepCounter(ctx, acct.ID, kp, nk.client)
	if !*asJSON {
		fmt.Fprintf(e.stdout, "Connected Kraken account %q with key %s.\n", acct.Name, acct.KeyHint)
	}
	return nil
}

// auditJSON is the JSON form of an audit.
type auditJSON struct {
	Account     string            `json:"account"`
	Method      string            `json:"method"`
	Verdict     string            `json:"verdict"` // "accepted", "accepted-with-risk" or "refused"
	Permissions []permissionJSON  `json:"permissions"`
	Problems    []string          `json:"problems"`
	Warnings    []string          `json:"warnings"`
	Notes       []string          `json:"notes"`
	Key         map[string]string `json:"key,omitempty"`
}

type permissionJSON struct {
	Permission string `json:"permission"`
	Setting    string `json:"setting"`
	Present    string `json:"present"`
	Need       string `json:"need"`
	Verdict    string `json:"verdict"`
	OK         bool   `json:"ok"`
}

func verdictOf(a *kraken.Audit) string {
	switch {
	case a.Refused:
		return "refused"
	case a.Risky:
		return "accepted-with-risk"
	}
	return "accepted"
}

func printAudit(e *env, name string, a *kraken.Audit, asJSON bool) {
	if asJSON {
		out := auditJSON{Account: name, Method: a.Method, Verdict: verdictOf(a),
			Problems: nonNil(a.Problems), Warnings: nonNil(a.Warnings), Notes: nonNil(a.Notes)}
		for _, c := range a.Checks {
			out.Permissions = append(out.Permissions, permissionJSON{Permission: c.Token, Setting: c.Setting,
				Present: string(c.Present), Need: string(c.Need), Verdict: c.Verdict, OK: c.OK})
		}
		if k := a.KeyInfo; k != nil {
			out.Key = map[string]string{"name": k.Name}
			if !k.ValidUntil.IsZero() {
				out.Key["valid_until"] = k.ValidUntil.Time().Format(time.RFC3339)
			}
			if !k.QueryFrom.IsZero() {
				out.Key["query_from"] = k.QueryFrom.Time().Format(time.RFC3339)
			}
			if !k.QueryTo.IsZero() {
				out.Key["query_to"] = k.QueryTo.Time().Format(time.RFC3339)
			}
		}
		_ = writeJSON(e.stdout, out)
		return
	}
	fmt.Fprintf(e.stdout, "Permission audit (%s):\n", a.Method)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PERMISSION\tPRESENT\tNEEDED\tVERDICT")
	for _, c := range a.Checks {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Setting, c.Present, c.Need, c.Verdict)
	}
	_ = tw.Flush()
	for _, p := range a.Problems {
		fmt.Fprintln(e.stdout, "Problem:", p)
	}
	for _, w := range a.Warnings {
		fmt.Fprintln(e.stdout, "Warning:", w)
	}
	for _, n := range a.Notes {
		fmt.Fprintln(e.stdout, "Note:", n)
	}
	switch verdictOf(a) {
	case "refused":
		fmt.Fprintln(e.stdout, "Verdict: refused.")
	case "accepted-with-risk":
		fmt.Fprintln(e.stdout, "Verdict: accepted, with a standing warning about its dangerous permissions.")
	default:
		fmt.Fprintln(e.stdout, "Verdict: the key is read-only and has what cointally needs.")
	}
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// accountJSON is one element of `account list --json`.
type accountJSON struct {
	Name         string    `json:"name"`
	Exchange     string    `json:"exchange"`
	KeyHint      string    `json:"key_hint"`
	Permissions  []string  `json:"permissions"`
	Added        time.Time `json:"added"`
	LastSync     *string   `json:"last_sync"`
	Status       string    `json:"status"`
	StatusReason string    `json:"status_reason,omitempty"`
	Tier         string    `json:"tier"`
	Warnings     []string  `json:"warnings"`
}

func accountWarnings(acct *cointally.Account, now time.Time) []string {
	w := keyHealth(acct, now)
	if acct.RiskAccepted {
		w = append(w, "the key has dangerous permissions (stored with --allow-risky-permissions): replace it with a read-only key")
	}
	return nonNil(w)
}

func accountList(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("account list", e)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	accts, err := a.store.Accounts(ctx, a.user.ID)
	if err != nil {
		return err
	}
	now := e.now()
	if *asJSON {
		out := make([]accountJSON, 0, len(accts))
		for _, acct := range accts {
			j := accountJSON{Name: acct.Name, Exchange: acct.Exchange, KeyHint: acct.KeyHint,
				Permissions: nonNil(acct.Permissions), Added: acct.Added.UTC(), Status: acct.Status,
				StatusReason: acct.StatusReason, Tier: acct.Tier, Warnings: accountWarnings(acct, now)}
			if !acct.LastSync.IsZero() {
				s := acct.LastSync.UTC().Format(time.RFC3339)
				j.LastSync = &s
			}
			out = append(out, j)
		}
		return writeJSON(e.stdout, out)
	}
	if len(accts) == 0 {
		fmt.Fprintln(e.stdout, "No accounts yet. Connect one with: cointally account add kraken --name NAME")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tEXCHANGE\tKEY\tSTATUS\tADDED\tLAST SYNC")
	for _, acct := range accts {
		last := "never"
		if !acct.LastSync.IsZero() {
			last = acct.LastSync.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", acct.Name, acct.Exchange, acct.KeyHint, acct.Status,
			acct.Added.UTC().Format("2006-01-02"), last)
	}
	_ = tw.Flush()
	for _, acct := range accts {
		if acct.StatusReason != "" {
			fmt.Fprintf(e.stdout, "%s: %s\n", acct.Name, acct.StatusReason)
		}
		for _, w := range accountWarnings(acct, now) {
			fmt.Fprintf(e.stdout, "%s: %s\n", acct.Name, w)
		}
	}
	return nil
}

// keyRejected reports whether err means Kraken no longer accepts the key
// (revoked, expired, wrong private key), so the account needs a new one.
func keyRejected(err error) bool {
	return errors.Is(err, kraken.ErrInvalidKey) || errors.Is(err, kraken.ErrInvalidSignature)
}

// markNeedsNewKey moves the account to needs-new-key with the reason.
func (a *app) markNeedsNewKey(ctx context.Context, acct *cointally.Account, cause error) error {
	acct.Status = cointally.StatusNeedsNewKey
	acct.StatusReason = kraken.UserMessage(cause) + " Give the account a new key with: cointally account rotate " + quoteName(acct.Name)
	return a.store.UpdateAccount(ctx, acct)
}

func quoteName(s string) string {
	if strings.ContainsAny(s, " '\"") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

func accountAudit(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("account audit", e)
	asJSON := fs.Bool("json", false, "print JSON")
	probeTrading := fs.Bool("probe-trading", false, "send a validate-only order to check trading permissions")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	a, acct, err := cf.openAccount(ctx, e, "account audit", "cointally account audit NAME", pos)
	if err != nil {
		return err
	}
	defer a.Close()
	if acct.Status == cointally.StatusNoKey {
		return fmt.Errorf("account audit: %q has no API key (it was created by a file import); add one with cointally account rotate %s", acct.Name, quoteName(acct.Name))
	}
	client, err := a.clientFor(ctx, acct)
	if err != nil {
		return err
	}
	audit, err := kraken.AuditKey(ctx, client, kraken.AuditOptions{AllowRisky: acct.RiskAccepted, ProbeTrading: *probeTrading, Now: e.now})
	if err != nil {
		if keyRejected(err) {
			if merr := a.markNeedsNewKey(ctx, acct, err); merr != nil {
				return merr
			}
		}
		return fmt.Errorf("account audit: %w", userError(err))
	}
	printAudit(e, acct.Name, audit, *asJSON)
	acct.Permissions = audit.Permissions()
	acct.KeyLastUsed = e.now()
	if audit.Refused {
		acct.Status = cointally.StatusNeedsNewKey
		acct.StatusReason = joinLines(audit.Problems)
	} else if acct.Status == cointally.StatusNeedsNewKey {
		acct.Status, acct.StatusReason = cointally.StatusOK, ""
	}
	if err := a.store.UpdateAccount(ctx, acct); err != nil {
		return err
	}
	if audit.Refused {
		return &exitError{code: 1, msg: "account audit: the key no longer passes: " + joinLines(audit.Problems)}
	}
	return nil
}

func accountRotate(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("account rotate", e)
	tier := fs.String("tier", "", "the new key's rate-limit tier (default: keep the account's)")
	allowRisky := fs.Bool("allow-risky-permissions", false, "store a key that can withdraw, trade or move funds (not recommended)")
	asJSON := fs.Bool("json", false, "print the audit as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	a, acct, err := cf.openAccount(ctx, e, "account rotate", "cointally account rotate NAME (the new key pair on stdin)", pos)
	if err != nil {
		return err
	}
	defer a.Close()
	if *tier == "" {
		*tier = acct.Tier
	}
	if *tier == "" {
		*tier = "starter" // an account created by a file import has no key and so no tier
	}
	if _, err := kraken.ParseTier(*tier); err != nil {
		return fmt.Errorf("account rotate: --tier: %w", err)
	}
	nk, err := a.testNewKey(ctx, "account rotate", acct.Name, *tier, kraken.AuditOptions{AllowRisky: *allowRisky}, *asJSON)
	if err != nil {
		return err
	}
	kp, audit, nonces := nk.kp, nk.audit, nk.nonces
	if err := sameAccount(ctx, a, acct, nk.client); err != nil {
		if cointally.KindOf(err) == cointally.KindConflict {
			return fmt.Errorf("account rotate: %w", err)
		}
		return fmt.Errorf("account rotate: checking that the new key belongs to the same Kraken account: %w", userError(err))
	}
	// The new key's nonces start from its own high-water mark.
	cred, err := a.sealCredential(acct, kp, nonces.initial)
	if err != nil {
		return err
	}
	if err := a.store.PutCredential(ctx, cred); err != nil {
		return fmt.Errorf("account rotate: %w", err)
	}
	a.keepCounter(ctx, acct.ID, kp, nk.client)
	now := e.now()
	acct.KeyHint, acct.Tier, acct.Permissions = vault.Hint(kp.apiKey), *tier, audit.Permissions()
	acct.RiskAccepted = audit.Risky
	acct.KeyAdded, acct.KeyLastUsed = now, now
	acct.Status, acct.StatusReason = cointally.StatusOK, ""
	if err := a.store.UpdateAccount(ctx, acct); err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(e.stdout, "Account %q now uses key %s.\n", acct.Name, acct.KeyHint)
	}
	return nil
}

// sameAccount refuses a new key that sees a different Kraken account,
// judged by the ledger: the new key must find some of the newest ledger
// entries already stored for the account (the newest, because a new key
// may be limited to recent history). An account with nothing stored yet
// cannot be judged and is accepted.
func sameAccount(ctx context.Context, a *app, acct *cointally.Account, c *kraken.Client) error {
	newest, _, err := a.store.FindEntries(ctx, cointally.EntryFilter{UserID: acct.UserID, AccountID: acct.ID, Limit: 20, Descending: true})
	if err != nil {
		return err
	}
	if len(newest) == 0 {
		return nil
	}
	ids := make([]string, len(newest))
	for i, en := range newest {
		ids[i] = en.ID
	}
	got, err := c.QueryLedgers(ctx, ids...)
	if err != nil {
		return err // Kraken's: the caller says it in its words
	}
	if len(got) == 0 {
		return &cointally.Error{Kind: cointally.KindConflict, Message: fmt.Sprintf("The new key belongs to a different Kraken account: none of the %d newest ledger entries stored for %q is visible with it. Use a key of the same Kraken account, or add the other account under a new name.", len(ids), acct.Name)}
	}
	return nil
}

func accountRemove(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("account remove", e)
	keep := fs.Bool("keep-data", false, "keep the imported history; remove only the key")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	a, acct, err := cf.openAccount(ctx, e, "account remove", "cointally account remove NAME [--keep-data]", pos)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.store.DeleteAccount(ctx, acct.ID, *keep); err != nil {
		return fmt.Errorf("account remove: %w", err)
	}
	if *keep {
		fmt.Fprintf(e.stdout, "Removed the key of %q; its history is kept. Delete it on Kraken too (Settings → API).\n", acct.Name)
	} else {
		fmt.Fprintf(e.stdout, "Removed account %q and its history. Delete the key on Kraken too (Settings → API).\n", acct.Name)
	}
	return nil
}
