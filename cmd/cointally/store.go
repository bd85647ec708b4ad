package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/ingest"
	"github.com/cointally/cointally/pgstore"
	"github.com/cointally/cointally/sqlstore"
)

// Both stores stream the reconciliation's fields fast.
var (
	_ ingest.ChainEntries = (*sqlstore.DB)(nil)
	_ ingest.ChainEntries = (*pgstore.DB)(nil)
)

// openStore opens the store that dbURL names: "sqlite:PATH" (sqlstore) or a
// "postgres://" or "postgresql://" URL (pgstore). now is the store's clock.
// Errors never contain a password from the URL.
func openStore(ctx context.Context, dbURL string, now func() time.Time) (cointally.Store, error) {
	switch {
	case strings.HasPrefix(dbURL, "sqlite:"):
		return sqlstore.Open(ctx, dbURL, sqlstore.WithNow(now))
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return pgstore.Open(ctx, dbURL, pgstore.WithNow(now))
	}
	return nil, &cointally.Error{Kind: cointally.KindInvalid, Message: fmt.Sprintf(
		"the database %q is neither sqlite:PATH nor a postgres:// (or postgresql://) URL", redactDB(dbURL))}
}

// redactDB returns a database URL fit to print: a PostgreSQL URL's password
// is replaced by "xxxxx".
func redactDB(dbURL string) string {
	if strings.Contains(dbURL, "://") {
		return pgstore.Redact(dbURL)
	}
	return dbURL
}
