package cointally

import (
	"context"
	"strings"
	"time"
)

// Keys of the per-user settings (SettingStore). A missing key means the
// built-in default.
const (
	// SettingCurrency is the report currency, an upper-case code such as
	// "EUR", "USD" or "GBP" (default EUR).
	SettingCurrency = "currency"
	// SettingMethod is the default cost-basis method: fifo, lifo, hifo,
	// average or uk (default fifo).
	SettingMethod = "method"
	// SettingSyncInterval is the default time between scheduled syncs of the
	// user's accounts, a Go duration such as "15m" (default: the server's).
	SettingSyncInterval = "sync_interval"
)

// SettingStore keeps per-user preferences as text keyed by name.
type SettingStore interface {
	// Settings returns all of the user's settings; an empty map if there are
	// none or the user does not exist.
	Settings(ctx context.Context, userID int64) (map[string]string, error)

	// PutSetting stores value under key for the user, replacing any value
	// stored before; an empty value deletes the key. KindInvalid if key is
	// empty or either holds an ASCII control character; KindNotFound if the
	// user does not exist.
	PutSetting(ctx context.Context, userID int64, key, value string) error
}

// Grant gives Viewer read-only access to everything Owner has: accounts,
// ledgers and reports, never keys or changes (an accountant).
type Grant struct {
	OwnerID  int64
	ViewerID int64
	Created  time.Time
}

// GrantStore keeps read-only access that users give each other.
type GrantStore interface {
	// PutGrant lets viewer read owner's data. Granting again is not an error
	// (the first Created stays). KindInvalid if owner and viewer are the
	// same user; KindNotFound if either does not exist.
	PutGrant(ctx context.Context, ownerID, viewerID int64) error

	// DeleteGrant takes the access back. No such grant is not an error.
	DeleteGrant(ctx context.Context, ownerID, viewerID int64) error

	// GrantsBy returns the grants the owner has given, ordered by viewer ID;
	// GrantsTo the grants the viewer has received, ordered by owner ID. An
	// empty slice if there are none.
	GrantsBy(ctx context.Context, ownerID int64) ([]Grant, error)
	GrantsTo(ctx context.Context, viewerID int64) ([]Grant, error)
}

// Bounds of SettingSyncInterval.
const (
	MinSyncInterval = 5 * time.Minute
	MaxSyncInterval = 7 * 24 * time.Hour
)

// CheckSetting validates a setting and returns its value in canonical form
// (currency in upper case, method in lower case, a duration as Go writes
// it). An empty value is valid for every key: it means the default.
// KindInvalid, with a message for the user, for an unknown key or a bad
// value.
func CheckSetting(key, value string) (string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		switch key {
		case SettingCurrency, SettingMethod, SettingSyncInterval:
			return "", nil
		}
	}
	switch key {
	case SettingCurrency:
		v = strings.ToUpper(v)
		if len(v) < 3 || len(v) > 5 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return "", Errorf(KindInvalid, "the currency %q is not a currency code such as EUR, USD or GBP", value)
		}
		return v, nil
	case SettingMethod:
		v = strings.ToLower(v)
		switch v {
		case "fifo", "lifo", "hifo", "average", "uk":
			return v, nil
		}
		return "", Errorf(KindInvalid, "the method %q is not one of fifo, lifo, hifo, average or uk", value)
	case SettingSyncInterval:
		d, err := time.ParseDuration(v)
		if err != nil {
			return "", Errorf(KindInvalid, "the sync interval %q is not a duration such as 15m or 2h", value)
		}
		if d < MinSyncInterval || d > MaxSyncInterval {
			return "", Errorf(KindInvalid, "the sync interval must be between %v and %v, not %v", MinSyncInterval, MaxSyncInterval, d)
		}
		return d.String(), nil
	}
	return "", Errorf(KindInvalid, "there is no setting %q (there are %s, %s and %s)", key, SettingCurrency, SettingMethod, SettingSyncInterval)
}
