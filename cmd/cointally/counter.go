package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
)

// counterStream is the checkpoint stream under which an account keeps its
// key's modelled Kraken call counter between processes.
const counterStream = "kraken-counter"

// accountCounter is the kraken.CounterStore of a stored account: the state
// lives in the account's checkpoints, tagged with the key's ID, so a
// rotated key starts afresh.
type accountCounter struct {
	ctx       context.Context
	store     cointally.LedgerStore
	accountID int64
}

type counterJSON struct {
	Key     string    `json:"key"`
	Counter float64   `json:"counter"`
	At      time.Time `json:"at"`
}

func (c *accountCounter) LoadCounter(key string) (kraken.CounterState, bool, error) {
	cp, err := c.store.Checkpoint(c.ctx, c.accountID, counterStream)
	if cointally.IsNotFound(err) {
		return kraken.CounterState{}, false, nil
	}
	if err != nil {
		return kraken.CounterState{}, false, err
	}
	var v counterJSON
	if err := json.Unmarshal([]byte(cp.State), &v); err != nil || v.Key != key {
		return kraken.CounterState{}, false, nil
	}
	return kraken.CounterState{Counter: v.Counter, At: v.At}, true, nil
}

func (c *accountCounter) SaveCounter(key string, s kraken.CounterState) error {
	state, err := json.Marshal(counterJSON{Key: key, Counter: s.Counter, At: s.At.UTC()})
	if err != nil {
		return err
	}
	// Saved after a call whose context may be ending: the state is still
	// worth keeping.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 5*time.Second)
	defer cancel()
	return c.store.PutCheckpoint(ctx, &cointally.Checkpoint{AccountID: c.accountID, Stream: counterStream, State: string(state)})
}

// keepCounter saves the call counter of the client that tested a key, once
// the key is stored with its account: the first sync then starts from the
// calls the test made.
func (a *app) keepCounter(ctx context.Context, accountID int64, kp keyPair, c *kraken.Client) {
	cs := &accountCounter{ctx: ctx, store: a.store, accountID: accountID}
	if err := cs.SaveCounter(kraken.KeyID(kp.apiKey), c.Limiter().Snapshot()); err != nil {
		a.log.Warn("the key's call counter could not be saved", "error", err)
	}
}
