package kraken

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// NonceSource hands out the nonces of one API key.
//
// Next returns a value strictly greater than every value it returned before,
// also when called from several goroutines at once. It returns an error only
// when it cannot guarantee that (for example when a NonceStore fails to save
// the high-water mark); the caller must then not send the request.
type NonceSource interface {
	Next() (uint64, error)
}

// NonceStore persists the highest nonce that may have been used for a key,
// so that a restarted process continues above it even if the clock went
// backwards.
//
// Load returns 0 and a nil error when nothing is stored for key. Save
// records n for key; it must be durable when it returns nil. key is an
// opaque, non-secret identifier (see KeyID), never the API key itself.
type NonceStore interface {
	Load(key string) (uint64, error)
	Save(key string, n uint64) error
}

// KeyID returns the identifier under which the nonce high-water mark of
// apiKey is stored: "k" and 16 hex digits of the key's SHA-256, so nonce
// files never contain the API key.
func KeyID(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return "k" + hex.EncodeToString(sum[:8])
}

// nonceReserve is how far ahead of the nonces handed out the persisted
// high-water mark is written: 10 s in microseconds. The store is written at
// most once per 10 s of nonce progress, and after a restart nonces continue
// at most 10 s "in the future", which Kraken accepts.
const nonceReserve = uint64(10 * time.Second / time.Microsecond)

// NonceGenerator is the default NonceSource: the current Unix time in
// microseconds, or the previous nonce plus one when the clock has not
// advanced (bursts, concurrent callers) or went backwards. Microseconds give
// a million nonces per second and stay below 2^53, so any JSON tool reads
// them exactly. With a NonceStore it persists a high-water mark ahead of the
// nonces it hands out, so a restart continues above every nonce used before.
type NonceGenerator struct {
	now   func() time.Time
	last  atomic.Uint64
	store NonceStore
	key   string

	mu       sync.Mutex    // serialises Save
	reserved atomic.Uint64 // persisted high-water mark (with a store)
}

// NewNonceGenerator returns a generator for the key identified by key (see
// KeyID). now is the clock (time.Now if nil). store may be nil; otherwise
// the high-water mark is loaded now and nonces start above it.
func NewNonceGenerator(now func() time.Time, store NonceStore, key string) (*NonceGenerator, error) {
	if now == nil {
		now = time.Now
	}
	g := &NonceGenerator{now: now, store: store, key: key}
	if store != nil {
		hw, err := store.Load(key)
		if err != nil {
			return nil, fmt.Errorf("kraken: loading the nonce high-water mark: %w", err)
		}
		g.last.Store(hw)
		g.reserved.Store(hw)
	}
	return g, nil
}

// Next implements NonceSource.
func (g *NonceGenerator) Next() (uint64, error) {
	var n uint64
	for {
		last := g.last.Load()
		n = uint64(max(g.now().UnixMicro(), 0))
		if n <= last {
			n = last + 1
		}
		if g.last.CompareAndSwap(last, n) {
			break
		}
	}
	if g.store == nil || n <= g.reserved.Load() {
		return n, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if n <= g.reserved.Load() {
		return n, nil
	}
	hw := n + nonceReserve
	if err := g.store.Save(g.key, hw); err != nil {
		return 0, fmt.Errorf("kraken: saving the nonce high-water mark: %w", err)
	}
	g.reserved.Store(hw)
	return n, nil
}

// MemoryNonceStore is a NonceStore in memory, for tests and for processes
// that persist nothing. The zero value is ready to use.
type MemoryNonceStore struct {
	mu sync.Mutex
	m  map[string]uint64
}

// Load implements NonceStore.
func (s *MemoryNonceStore) Load(key string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

// Save implements NonceStore.
func (s *MemoryNonceStore) Save(key string, n uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]uint64)
	}
	s.m[key] = n
	return nil
}

// FileNonceStore is a NonceStore in one JSON file that maps key IDs to
// high-water marks. Each Save rewrites the file atomically (a temporary file
// in the same directory, synced, then renamed) with permissions 0600. It is
// safe for concurrent use within one process; two processes must not share
// a file (nor, as Kraken requires, a key).
type FileNonceStore struct {
	path string
	mu   sync.Mutex
}

// NewFileNonceStore returns a store that keeps its data in path. The file
// is created by the first Save; its directory must exist.
func NewFileNonceStore(path string) *FileNonceStore { return &FileNonceStore{path: path} }

// Load implements NonceStore. A missing file means nothing is stored.
func (s *FileNonceStore) Load(key string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return 0, err
	}
	return m[key], nil
}

// Save implements NonceStore.
func (s *FileNonceStore) Save(key string, n uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return err
	}
	m[key] = n
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("nonce store %s: %w", s.path, err)
	}
	return writeFileAtomic(s.path, append(b, '\n'))
}

func (s *FileNonceStore) read() (map[string]uint64, error) {
	m := make(map[string]uint64)
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nonce store: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("nonce store %s is corrupt: %w", s.path, err)
	}
	return m, nil
}

func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("nonce store: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp already uses 0600; Chmod makes it explicit and umask-proof.
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return fmt.Errorf("nonce store: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("nonce store: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("nonce store: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("nonce store: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("nonce store: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // make the rename durable where the OS supports it
		_ = d.Close()
	}
	return nil
}
