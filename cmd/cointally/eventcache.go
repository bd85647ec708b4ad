package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/money"
)

// The events cache: reading and classifying a million ledger entries takes
// seconds, mostly in SQLite, while the events they give change only when
// the ledger does. So the classified events of a set of accounts are kept
// in a file under <data-dir>/cache, keyed by the classifier's version and
// each account's ledger version, and read back in a fraction of the time.
//
// The key holds each account's ledger version (cointally.LedgerStore),
// which changes whenever the account's entries do (an entry added, or
// replaced by one from a better source), and the account's creation time,
// since a store may give a deleted account's ID to a new one.

// eventCacheKey returns the key of the accounts' events.
func (a *app) eventCacheKey(ctx context.Context, accts []*cointally.Account) (string, error) {
	sorted := slices.Clone(accts)
	slices.SortFunc(sorted, func(x, y *cointally.Account) int { return cmp.Compare(x.ID, y.ID) })
	var b strings.Builder
	fmt.Fprintf(&b, "classifier=%d", kraken.ClassifierVersion)
	for _, acct := range sorted {
		v, err := a.store.LedgerVersion(ctx, acct.ID)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, ";%d@%d:%d", acct.ID, acct.Added.UnixNano(), v)
	}
	return b.String(), nil
}

// prepareEvents classifies the ledgers of all of the user's accounts into
// the events cache, unless it is current, so that the first report after a
// sync or an import does not have to. Failures are logged, not returned: a
// report classifies by itself when the cache is missing.
func (a *app) prepareEvents(ctx context.Context) {
	accts, err := a.store.Accounts(ctx, a.user.ID)
	if err != nil || len(accts) == 0 {
		return
	}
	key, err := a.eventCacheKey(ctx, accts)
	if err != nil {
		return
	}
	path := a.eventCachePath(accts, true)
	if eventCacheCurrent(path, key) {
		return
	}
	if _, err := a.classifyLedgers(ctx, accts, true, path, key); err != nil {
		a.log.Warn("the events of the ledgers could not be prepared for reports", "error", err)
	}
}

// eventCacheCurrent reports whether the cache file at path holds the
// events of key, reading only its header.
func eventCacheCurrent(path, key string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 2*(len(eventCacheMagic)+len(key))+20)
	n, _ := io.ReadFull(f, head)
	r := &cacheReader{s: string(head[:n])}
	return r.str() == eventCacheMagic && r.str() == key && r.err == nil
}

// eventCachePath is the cache file of the user's selection of accounts.
func (a *app) eventCachePath(accts []*cointally.Account, all bool) string {
	name := fmt.Sprintf("events-user%d.bin", a.user.ID)
	if !all {
		name = fmt.Sprintf("events-user%d-account%d.bin", a.user.ID, accts[0].ID)
	}
	return filepath.Join(a.cfg.dataDir, "cache", name)
}

const eventCacheMagic = "cointally events v1\n"

// writeEventCache writes c under key, atomically (a temporary file renamed).
func writeEventCache(path, key string, c *kraken.Classification) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".events-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	w := &cacheWriter{w: bufio.NewWriterSize(f, 1<<20), names: map[string]uint64{}}
	w.str(eventCacheMagic)
	w.str(key)
	for _, n := range []int{c.Entries, c.Groups, c.Canceled, c.Pending, c.Empty, len(c.Events)} {
		w.uint(uint64(n))
	}
	for i := range c.Events {
		e := &c.Events[i]
		w.str(e.ID)
		if e.RefID == e.ID {
			w.uint(0)
		} else {
			w.uint(1)
			w.str(e.RefID)
		}
		w.uint(uint64(e.AccountID))
		w.name(string(e.Kind))
		w.name(e.Detail)
		w.uint(uint64(e.Time.UnixNano()))
		for _, ls := range [2][]cointally.Leg{e.Legs, e.Fees} {
			w.uint(uint64(len(ls)))
			for _, l := range ls {
				w.name(l.Asset)
				w.str(l.Amount.String())
			}
		}
		w.uint(uint64(len(e.LedgerIDs)))
		for _, id := range e.LedgerIDs {
			w.str(id)
		}
		w.str(e.Note)
	}
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if err := errors.Join(w.err, f.Close()); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

type cacheWriter struct {
	w     *bufio.Writer
	buf   [binary.MaxVarintLen64]byte
	names map[string]uint64 // strings written before, by index
	err   error
}

func (w *cacheWriter) uint(v uint64) {
	if w.err == nil {
		_, w.err = w.w.Write(binary.AppendUvarint(w.buf[:0], v))
	}
}

func (w *cacheWriter) str(s string) {
	w.uint(uint64(len(s)))
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

// name writes a string that repeats (kinds, details, assets): its index
// the next time.
func (w *cacheWriter) name(s string) {
	if i, ok := w.names[s]; ok {
		w.uint(i + 1)
		return
	}
	w.names[s] = uint64(len(w.names))
	w.uint(0)
	w.str(s)
}

// readEventCache returns the cached events if the file holds key's.
func readEventCache(path, key string) (*kraken.Classification, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	// One string for the whole file: every ID and amount is a substring
	// of it, with no allocation of its own.
	r := &cacheReader{s: string(data)}
	if r.str() != eventCacheMagic || r.str() != key || r.err != nil {
		return nil, false, nil
	}
	c := &kraken.Classification{}
	for _, p := range []*int{&c.Entries, &c.Groups, &c.Canceled, &c.Pending, &c.Empty} {
		*p = int(r.uint())
	}
	n := int(r.uint())
	if r.err != nil || n > len(r.s) {
		return nil, false, r.fail()
	}
	c.Events = make([]cointally.Event, n)
	var legs []cointally.Leg
	var ids []string
	for i := range c.Events {
		e := &c.Events[i]
		e.ID = r.str()
		e.RefID = e.ID
		if r.uint() == 1 {
			e.RefID = r.str()
		}
		e.AccountID = int64(r.uint())
		e.Kind = cointally.EventKind(r.name())
		e.Detail = r.name()
		e.Time = time.Unix(0, int64(r.uint())).UTC()
		for k := range 2 {
			m := int(r.uint())
			if m == 0 || r.err != nil || m > len(r.s) {
				continue
			}
			if cap(legs)-len(legs) < m {
				legs = make([]cointally.Leg, 0, max(4096, m))
			}
			start := len(legs)
			for range m {
				asset := r.name()
				amt, err := money.Parse(r.str())
				if err != nil {
					r.err = err
				}
				legs = append(legs, cointally.Leg{Asset: asset, Amount: amt})
			}
			ls := legs[start:len(legs):len(legs)]
			if k == 0 {
				e.Legs = ls
			} else {
				e.Fees = ls
			}
		}
		m := int(r.uint())
		if r.err != nil || m > len(r.s) {
			return nil, false, r.fail()
		}
		if cap(ids)-len(ids) < m {
			ids = make([]string, 0, max(4096, m))
		}
		start := len(ids)
		for range m {
			ids = append(ids, r.str())
		}
		e.LedgerIDs = ids[start:len(ids):len(ids)]
		e.Note = r.str()
		if r.err != nil {
			return nil, false, r.fail()
		}
	}
	return c, true, nil
}

type cacheReader struct {
	s     string
	names []string
	err   error
}

func (r *cacheReader) fail() error {
	if r.err == nil {
		r.err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("reading the events cache: %w", r.err)
}

func (r *cacheReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		if len(r.s) == 0 {
			r.err = io.ErrUnexpectedEOF
			return 0
		}
		b := r.s[0]
		r.s = r.s[1:]
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
	r.err = errors.New("varint overflow")
	return 0
}

func (r *cacheReader) str() string {
	n := r.uint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.s)) {
		r.err = io.ErrUnexpectedEOF
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

func (r *cacheReader) name() string {
	i := r.uint()
	if r.err != nil {
		return ""
	}
	if i == 0 {
		s := r.str()
		r.names = append(r.names, s)
		return s
	}
	if i-1 >= uint64(len(r.names)) {
		r.err = errors.New("bad name index " + strconv.FormatUint(i, 10))
		return ""
	}
	return r.names[i-1]
}
