package kraken

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestNonceConcurrentUniqueAndIncreasing(t *testing.T) {
	t.Parallel()
	// A frozen clock forces every nonce through the last+1 path.
	for _, name := range []string{"frozen clock", "real clock", "with store"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			now := time.Now
			if name == "frozen clock" {
				fixed := time.Unix(1700000000, 0)
				now = func() time.Time { return fixed }
			}
			var store NonceStore
			if name == "with store" {
				store = &MemoryNonceStore{}
			}
			g, err := NewNonceGenerator(now, store, "k")
			if err != nil {
				t.Fatal(err)
			}
			const goroutines, per = 8, 1000
			results := make([][]uint64, goroutines)
			var wg sync.WaitGroup
			for i := range goroutines {
				wg.Go(func() {
					for range per {
						n, err := g.Next()
						if err != nil {
							t.Error(err)
							return
						}
						results[i] = append(results[i], n)
					}
				})
			}
			wg.Wait()
			seen := make(map[uint64]bool, goroutines*per)
			for i, r := range results {
				if len(r) != per {
					t.Fatalf("goroutine %d got %d nonces", i, len(r))
				}
				for j, n := range r {
					if j > 0 && n <= r[j-1] {
						t.Fatalf("goroutine %d: nonce %d = %d not above previous %d", i, j, n, r[j-1])
					}
					if seen[n] {
						t.Fatalf("nonce %d handed out twice", n)
					}
					seen[n] = true
				}
			}
			if store != nil {
				hw, _ := store.Load("k")
				all := slices.Concat(results...)
				if m := slices.Max(all); hw < m {
					t.Errorf("stored high-water mark %d below highest nonce %d", hw, m)
				}
			}
		})
	}
}

func TestNonceRestartAboveHighWaterMark(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nonces.json")
	clk := newFakeClock()
	first, err := NewNonceGenerator(clk.Now, NewFileNonceStore(path), "kabc")
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for range 100 {
		if last, err = first.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if want := uint64(clk.Now().UnixMicro()) + 99; last != want {
		t.Errorf("100th nonce = %d, want clock+99 = %d", last, want)
	}

	// Restart with the clock an hour behind.
	clk.Advance(-time.Hour)
	second, err := NewNonceGenerator(clk.Now, NewFileNonceStore(path), "kabc")
	if err != nil {
		t.Fatal(err)
	}
	n, err := second.Next()
	if err != nil {
		t.Fatal(err)
	}
	if n <= last {
		t.Errorf("after restart nonce %d is not above the last used %d", n, last)
	}
	// Another key in the same file starts from the clock.
	other, err := NewNonceGenerator(clk.Now, NewFileNonceStore(path), "kother")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := other.Next(); n != uint64(clk.Now().UnixMicro()) {
		t.Errorf("other key's first nonce = %d, want the clock %d", n, clk.Now().UnixMicro())
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("nonce file permissions %o, want 600", perm)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the store (temporary files left behind?)", len(entries))
	}
}

func TestNonceStoreSavesRarely(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	store := &countingStore{}
	g, err := NewNonceGenerator(clk.Now, store, "k")
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		clk.Advance(time.Millisecond) // 1 s in all, within the 10 s reserve
		if _, err := g.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if store.saves != 1 {
		t.Errorf("saves = %d, want 1 (the high-water mark is reserved ahead)", store.saves)
	}
	clk.Advance(20 * time.Second)
	if _, err := g.Next(); err != nil {
		t.Fatal(err)
	}
	if store.saves != 2 {
		t.Errorf("saves after passing the reserve = %d, want 2", store.saves)
	}
}

type countingStore struct {
	MemoryNonceStore
	saves int
	fail  error
}

func (s *countingStore) Save(key string, n uint64) error {
	if s.fail != nil {
		return s.fail
	}
	s.saves++
	return s.MemoryNonceStore.Save(key, n)
}

func TestNonceStoreFailureStopsNonces(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	g, err := NewNonceGenerator(nil, &countingStore{fail: boom}, "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Next(); !errors.Is(err, boom) {
		t.Errorf("Next with a failing store: err = %v, want %v", err, boom)
	}
}

func TestFileNonceStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := NewFileNonceStore(filepath.Join(dir, "n.json"))
	if n, err := s.Load("k"); err != nil || n != 0 {
		t.Errorf("Load from a missing file = %d, %v; want 0, nil", n, err)
	}
	if err := s.Save("k", 42); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Load("k"); err != nil || n != 42 {
		t.Errorf("Load = %d, %v; want 42", n, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFileNonceStore(filepath.Join(dir, "bad.json")).Load("k"); err == nil {
		t.Error("Load of a corrupt file: no error")
	}
	if _, err := NewNonceGenerator(nil, NewFileNonceStore(filepath.Join(dir, "bad.json")), "k"); err == nil {
		t.Error("NewNonceGenerator with a corrupt store: no error")
	}
	if err := NewFileNonceStore(filepath.Join(dir, "missing", "n.json")).Save("k", 1); err == nil {
		t.Error("Save into a missing directory: no error")
	}
}

func TestKeyIDHidesKey(t *testing.T) {
	t.Parallel()
	id := KeyID(testAPIKey)
	if len(id) != 17 || id[0] != 'k' || id == KeyID(testAPIKey+"x") {
		t.Errorf("KeyID = %q", id)
	}
}
