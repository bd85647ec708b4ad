package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/crypto/argon2"
)

// File names inside the data directory.
const (
	// HeaderFile holds the format version, the mode, the wrapped DEK and the
	// KDF salt and parameters. It must be backed up with the database.
	HeaderFile = "vault.json"
	// KeyFile holds the key-encryption key in key-file mode.
	KeyFile = "vault.key"
)

// Mode says where a vault's key-encryption key comes from.
type Mode string

const (
	// ModeKeyFile: the key-encryption key is the key file vault.key.
	ModeKeyFile Mode = "keyfile"
	// ModePassphrase: the key-encryption key is derived from a passphrase
	// with Argon2id.
	ModePassphrase Mode = "passphrase"
)

// headerVersion is the version of vault.json this build writes and reads.
const headerVersion = 1

// kdfArgon2id is the only KDF name in version 1 headers.
const kdfArgon2id = "argon2id"

// saltSize is the size of the Argon2id salt.
const saltSize = 16

// Bounds on Argon2id parameters. They stop a damaged or hostile header
// from making an open take hours or all memory.
const (
	maxTime      = 100
	maxMemoryKiB = 4 << 20 // 4 GiB
)

// maxFileSize bounds what is read from vault.json and vault.key.
const maxFileSize = 64 << 10

// Params are the Argon2id parameters that turn a passphrase into a key.
// They are stored in the header, so a vault keeps the parameters it was
// created with until the passphrase is set again with new ones.
type Params struct {
	// Time is the number of passes over the memory, at least 1.
	Time uint32
	// MemoryKiB is the memory used, in KiB, at least 8 per thread.
	MemoryKiB uint32
	// Threads is the degree of parallelism, at least 1.
	Threads uint8
}

// DefaultParams returns the parameters used when the caller passes nil:
// time 3, 64 MiB of memory, 2 threads. Unlocking with them takes on the
// order of 100 ms on a small server.
func DefaultParams() Params {
	return Params{Time: 3, MemoryKiB: 64 << 10, Threads: 2}
}

func (p Params) check() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2id time %d is outside 1..%d", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("argon2id threads must be at least 1")
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("argon2id memory %d KiB is outside %d..%d KiB for %d threads", p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB, p.Threads)
	}
	return nil
}

// header is the content of vault.json.
type header struct {
	Version int        `json:"version"`
	Mode    Mode       `json:"mode"`
	KDF     *kdfHeader `json:"kdf,omitempty"` // passphrase mode only
	DEK     []byte     `json:"dek"`           // the wrapped DEK, base64 in JSON
}

type kdfHeader struct {
	Algorithm string `json:"algorithm"`
	Salt      []byte `json:"salt"`
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
}

func (k *kdfHeader) params() Params {
	return Params{Time: k.Time, MemoryKiB: k.MemoryKiB, Threads: k.Threads}
}

// wrapAD is the associated data of the wrapped DEK. It binds the DEK to the
// mode and the KDF settings, so that an altered header fails to unwrap.
func (h *header) wrapAD() []byte {
	if h.KDF == nil {
		return AD("cointally vault dek", "1", string(h.Mode))
	}
	k := h.KDF
	return AD("cointally vault dek", "1", string(h.Mode), k.Algorithm, string(k.Salt),
		fmt.Sprint(k.Time), fmt.Sprint(k.MemoryKiB), fmt.Sprint(k.Threads))
}

// newHeader wraps dek under kek. kdf is nil in key-file mode.
func newHeader(mode Mode, kdf *kdfHeader, kek, dek []byte) (*header, error) {
	h := &header{Version: headerVersion, Mode: mode, KDF: kdf}
	wrapped, err := seal(kek, dek, h.wrapAD())
	if err != nil {
		return nil, err
	}
	h.DEK = wrapped
	return h, nil
}

// unwrap returns the DEK. A wrong kek gives an error matching ErrDecrypt.
func (h *header) unwrap(kek []byte) ([]byte, error) {
	dek, err := open(kek, h.DEK, h.wrapAD())
	if err != nil {
		return nil, err
	}
	if len(dek) != keySize {
		clear(dek)
		return nil, fmt.Errorf("%w: %s holds a %d-byte key, want %d", ErrCorrupt, HeaderFile, len(dek), keySize)
	}
	return dek, nil
}

// newKDF returns a fresh salt with params.
func newKDF(p Params) (*kdfHeader, error) {
	salt, err := randomBytes(saltSize)
	if err != nil {
		return nil, err
	}
	return &kdfHeader{Algorithm: kdfArgon2id, Salt: salt, Time: p.Time, MemoryKiB: p.MemoryKiB, Threads: p.Threads}, nil
}

// derive runs Argon2id. The caller clears the result.
func (k *kdfHeader) derive(passphrase []byte) []byte {
	return argon2.IDKey(passphrase, k.Salt, k.Time, k.MemoryKiB, k.Threads, keySize)
}

// readHeader reads and checks dir/vault.json. It returns ErrNotFound if
// the file does not exist, ErrUnsupportedVersion for a newer format and
// ErrCorrupt for anything malformed.
func readHeader(dir string) (*header, error) {
	path := filepath.Join(dir, HeaderFile)
	data, err := readSmallFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no %s in %s", ErrNotFound, HeaderFile, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	var h header
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("%w: %s is not valid JSON: %v", ErrCorrupt, path, err)
	}
	if h.Version != headerVersion {
		if h.Version > headerVersion {
			return nil, fmt.Errorf("%w: %s has version %d, this build reads version %d; upgrade cointally", ErrUnsupportedVersion, path, h.Version, headerVersion)
		}
		return nil, fmt.Errorf("%w: %s has version %d", ErrCorrupt, path, h.Version)
	}
	if err := h.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return &h, nil
}

func (h *header) check() error {
	if n := len(h.DEK); n != Overhead+keySize {
		return fmt.Errorf("wrapped key is %d bytes, want %d", n, Overhead+keySize)
	}
	switch h.Mode {
	case ModeKeyFile:
		if h.KDF != nil {
			return errors.New("key-file mode with a kdf section")
		}
	case ModePassphrase:
		if h.KDF == nil {
			return errors.New("passphrase mode without a kdf section")
		}
		if h.KDF.Algorithm != kdfArgon2id {
			return fmt.Errorf("unknown kdf %q", h.KDF.Algorithm)
		}
		if len(h.KDF.Salt) != saltSize {
			return fmt.Errorf("salt is %d bytes, want %d", len(h.KDF.Salt), saltSize)
		}
		if err := h.KDF.params().check(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown mode %q", h.Mode)
	}
	return nil
}

// writeHeader writes h to dir/vault.json. With exclusive it fails with an
// error matching fs.ErrExist if the file exists; otherwise it replaces the
// file atomically.
func writeHeader(dir string, h *header, exclusive bool) error {
	data, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("vault: encoding header: %w", err)
	}
	data = append(data, '\n')
	if exclusive {
		return createExclusive(dir, HeaderFile, data)
	}
	return replaceFile(dir, HeaderFile, data)
}

// readKeyFile reads the key-encryption key from dir/vault.key. It returns
// ErrNotFound if the file does not exist, ErrInsecurePermissions if others
// can read or write it, and ErrCorrupt if it is not 32 bytes in base64.
func readKeyFile(dir string) ([]byte, error) {
	path := filepath.Join(dir, KeyFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: key file %s does not exist", ErrNotFound, path)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: key file %s is not a regular file", ErrCorrupt, path)
	}
	if perm := fi.Mode().Perm(); insecure(perm) {
		return nil, fmt.Errorf("%w: key file %s has mode %04o, so other users can read or change it; run: chmod 600 %s",
			ErrInsecurePermissions, path, uint32(perm), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize))
	if err != nil {
		return nil, fmt.Errorf("vault: reading %s: %w", path, err)
	}
	defer clear(data)
	key := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(key, bytes.TrimSpace(data))
	if err != nil || n != keySize {
		clear(key)
		return nil, fmt.Errorf("%w: key file %s does not hold a %d-byte key in base64", ErrCorrupt, path, keySize)
	}
	return key[:n], nil
}

// insecure reports whether perm lets anyone but the owner read or write.
// Windows has no such permission bits, so nothing is insecure there.
func insecure(perm fs.FileMode) bool {
	return runtime.GOOS != "windows" && perm&0o077 != 0
}

// loadOrCreateKeyFile returns the key in dir/vault.key, creating a new
// random one if the file does not exist. Of several processes racing to
// create it, one wins and all return its key.
func loadOrCreateKeyFile(dir string) ([]byte, error) {
	key, err := readKeyFile(dir)
	if !errors.Is(err, ErrNotFound) {
		return key, err
	}
	key, err = newKey()
	if err != nil {
		return nil, err
	}
	data := make([]byte, 0, base64.StdEncoding.EncodedLen(keySize)+1)
	data = base64.StdEncoding.AppendEncode(data, key)
	data = append(data, '\n')
	err = createExclusive(dir, KeyFile, data)
	clear(data)
	if err == nil {
		return key, nil
	}
	clear(key)
	if errors.Is(err, fs.ErrExist) { // another process won the race: use its key
		return readKeyFile(dir)
	}
	return nil, err
}

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return data, nil
}
