package cointally

import "time"

// Account statuses.
const (
	StatusOK          = "ok"            // the key works and syncs run
	StatusNeedsNewKey = "needs-new-key" // Kraken rejects the key; syncs skip the account until it is rotated
	StatusNoKey       = "no-key"        // created by a file import; no API key yet
	StatusError       = "error"         // the last sync failed for another reason
)

// Account is one exchange account that cointally tracks, owned by a user.
type Account struct {
	ID       int64
	UserID   int64
	Name     string // unique per user, chosen by the user
	Exchange string // "kraken"
	// KeyHint shows the API key's first and last four characters; the key
	// itself and its private key live only in the vault.
	KeyHint      string
	Tier         string   // rate-limit tier: starter, intermediate, pro or MAX:DECAY
	Permissions  []string // Kraken permission tokens found by the last audit
	RiskAccepted bool     // stored with --allow-risky-permissions
	Status       string
	StatusReason string // why the status is not ok, in words for the user
	Added        time.Time
	KeyAdded     time.Time // when the current key was stored (for key age)
	KeyLastUsed  time.Time // last successful call with the key
	LastSync     time.Time // end of the last successful sync
	// SyncInterval is the schedule for this account; zero means the default.
	SyncInterval time.Duration
}

// Credential is an account's API key pair as stored: both halves encrypted
// by the vault, bound to the account.
type Credential struct {
	AccountID        int64
	APIKeySealed     []byte
	PrivateKeySealed []byte
	// NonceHighWater is the highest nonce ever sent with this key, so nonces
	// keep increasing across restarts.
	NonceHighWater uint64
}
