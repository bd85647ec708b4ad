package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/vault"
)

// app is what a command works with once the configuration is resolved:
// the store, the vault (opened lazily: only commands that touch keys
// need it), and the local user.
type app struct {
	cfg   *config
	env   *env
	store cointally.Store
	user  *cointally.User
	log   *slog.Logger
	vault *vault.Vault
}

func openApp(ctx context.Context, cfg *config, e *env) (*app, error) {
	if err := ensureDataDir(cfg.dataDir); err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg.dbURL, e.now)
	if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	u, err := st.EnsureLocalUser(ctx)
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	// Logs go to stderr as text; they never carry secrets (the client and
	// vault redact them).
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return &app{cfg: cfg, env: e, store: st, user: u, log: log}, nil
}

func (a *app) Close() error {
	var errs []error
	if a.vault != nil {
		errs = append(errs, a.vault.Close())
	}
	errs = append(errs, a.store.Close())
	return errors.Join(errs...)
}

// openVault opens the secret vault in the data directory: with the
// passphrase from COINTALLY_PASSPHRASE when set, else with the key file
// (created on first use). A vault created with a passphrase needs it.
func (a *app) openVault() (*vault.Vault, error) {
	if a.vault != nil {
		return a.vault, nil
	}
	mode, err := vault.ModeOf(a.cfg.dataDir)
	if err != nil && !errors.Is(err, vault.ErrNotFound) {
		return nil, fmt.Errorf("opening the key vault: %w", err)
	}
	var v *vault.Vault
	switch {
	case len(a.cfg.passphrase) > 0:
		v, err = vault.OpenPassphrase(a.cfg.dataDir, a.cfg.passphrase, nil)
	case mode == vault.ModePassphrase:
		return nil, errors.New("the key vault is protected by a passphrase: set COINTALLY_PASSPHRASE")
	default:
		v, err = vault.OpenKeyFile(a.cfg.dataDir)
	}
	if err != nil {
		if errors.Is(err, vault.ErrWrongPassphrase) {
			return nil, errors.New("the passphrase in COINTALLY_PASSPHRASE does not open the key vault")
		}
		if errors.Is(err, vault.ErrWrongMode) {
			return nil, errors.New("the key vault uses a key file, not a passphrase: unset COINTALLY_PASSPHRASE (or switch with cointally vault passphrase, without it set)")
		}
		return nil, fmt.Errorf("opening the key vault: %w", err)
	}
	a.vault = v
	return v, nil
}

// credentialAD binds a sealed credential to its owner and purpose, so a
// ciphertext copied to another account or field does not decrypt.
func credentialAD(userID int64, account, field string) []byte {
	return vault.AD("cointally credential v1", fmt.Sprint(userID), account, field)
}

// keyPair is an API key and its private key, as the user pasted them.
type keyPair struct {
	apiKey     string
	privateKey *kraken.Secret
}

// privateKeyText is the private key as Kraken shows it (standard base64),
// the form the client takes and the vault stores.
func (kp keyPair) privateKeyText() string {
	return base64.StdEncoding.EncodeToString([]byte(kp.privateKey.Reveal()))
}

// sealCredential encrypts both halves of the key pair for the account.
func (a *app) sealCredential(acct *cointally.Account, kp keyPair, nonceHigh uint64) (*cointally.Credential, error) {
	v, err := a.openVault()
	if err != nil {
		return nil, err
	}
	apiSealed, err := v.Seal([]byte(kp.apiKey), credentialAD(acct.UserID, acct.Name, "api-key"))
	if err != nil {
		return nil, fmt.Errorf("encrypting the API key: %w", err)
	}
	privSealed, err := v.Seal([]byte(kp.privateKeyText()), credentialAD(acct.UserID, acct.Name, "private-key"))
	if err != nil {
		return nil, fmt.Errorf("encrypting the private key: %w", err)
	}
	return &cointally.Credential{AccountID: acct.ID, APIKeySealed: apiSealed, PrivateKeySealed: privSealed, NonceHighWater: nonceHigh}, nil
}

// openCredential decrypts an account's key pair.
func (a *app) openCredential(ctx context.Context, acct *cointally.Account) (keyPair, uint64, error) {
	cred, err := a.store.Credential(ctx, acct.ID)
	if err != nil {
		return keyPair{}, 0, err
	}
	v, err := a.openVault()
	if err != nil {
		return keyPair{}, 0, err
	}
	apiKey, err := v.Open(cred.APIKeySealed, credentialAD(acct.UserID, acct.Name, "api-key"))
	if err != nil {
		return keyPair{}, 0, fmt.Errorf("decrypting the API key of %s: %w", acct.Name, err)
	}
	priv, err := v.OpenSecret(cred.PrivateKeySealed, credentialAD(acct.UserID, acct.Name, "private-key"))
	if err != nil {
		return keyPair{}, 0, fmt.Errorf("decrypting the private key of %s: %w", acct.Name, err)
	}
	sec, err := kraken.ParsePrivateKey(string(priv.Reveal()))
	priv.Wipe()
	if err != nil {
		return keyPair{}, 0, fmt.Errorf("the stored private key of %s: %w", acct.Name, err)
	}
	return keyPair{apiKey: string(apiKey), privateKey: sec}, cred.NonceHighWater, nil
}

// accountNonces persists a key's nonce high-water mark in the account's
// credential row, so nonces keep increasing across restarts and processes.
type accountNonces struct {
	ctx       context.Context
	store     cointally.AccountStore
	accountID int64
	initial   uint64 // for a key not stored yet
}

func (n *accountNonces) Load(key string) (uint64, error) {
	if n.accountID == 0 {
		return n.initial, nil
	}
	c, err := n.store.Credential(n.ctx, n.accountID)
	if err != nil {
		return 0, err
	}
	return c.NonceHighWater, nil
}

func (n *accountNonces) Save(key string, v uint64) error {
	if n.accountID == 0 {
		n.initial = max(n.initial, v)
		return nil
	}
	_, err := n.store.AdvanceNonce(n.ctx, n.accountID, v)
	return err
}

// newKrakenClient builds a client for the key pair with the account's tier.
func (a *app) newKrakenClient(kp keyPair, tier string, nonces kraken.NonceStore, extra ...kraken.Option) (*kraken.Client, error) {
	t := kraken.TierStarter
	if tier != "" {
		var err error
		if t, err = kraken.ParseTier(tier); err != nil {
			return nil, err
		}
	}
	opts := []kraken.Option{
		kraken.WithCredentials(kp.apiKey, kp.privateKeyText()),
		kraken.WithTier(t),
		kraken.WithLogger(a.log),
		kraken.WithClock(a.env.now),
		kraken.WithUserAgent("cointally/" + version),
	}
	if nonces != nil {
		opts = append(opts, kraken.WithNonceStore(nonces))
	}
	if a.cfg.krakenURL != "" {
		opts = append(opts, kraken.WithBaseURL(a.cfg.krakenURL))
	}
	return kraken.NewClient(append(opts, extra...)...)
}

// clientFor builds the Kraken client of a stored account.
func (a *app) clientFor(ctx context.Context, acct *cointally.Account) (*kraken.Client, error) {
	kp, _, err := a.openCredential(ctx, acct)
	if err != nil {
		return nil, err
	}
	return a.newKrakenClient(kp, acct.Tier, &accountNonces{ctx: ctx, store: a.store, accountID: acct.ID},
		kraken.WithCounterStore(&accountCounter{ctx: ctx, store: a.store, accountID: acct.ID}))
}

// userError turns a Kraken error into the sentence the user reads.
func userError(err error) error {
	if err == nil {
		return nil
	}
	var ke *kraken.APIError
	var te *kraken.TransportError
	var ce *kraken.CredentialError
	if errors.As(err, &ke) || errors.As(err, &te) || errors.As(err, &ce) {
		return errors.New(kraken.UserMessage(err))
	}
	return err
}

// keyAge describes a key's health for account list.
func keyHealth(acct *cointally.Account, now time.Time) []string {
	var flags []string
	if !acct.KeyAdded.IsZero() && now.Sub(acct.KeyAdded) > 90*24*time.Hour {
		flags = append(flags, fmt.Sprintf("key is %d days old: consider rotating it", int(now.Sub(acct.KeyAdded).Hours()/24)))
	}
	last := acct.KeyLastUsed
	if last.IsZero() {
		last = acct.KeyAdded
	}
	if !last.IsZero() && now.Sub(last) > 30*24*time.Hour {
		flags = append(flags, fmt.Sprintf("key unused for %d days", int(now.Sub(last).Hours()/24)))
	}
	return flags
}

func joinLines(xs []string) string { return strings.Join(xs, "\n") }
