package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Vault seals and opens secrets with the data-encryption key of one data
// directory. Get one with [OpenKeyFile] or [OpenPassphrase]. It is safe for
// concurrent use.
type Vault struct {
	dir string

	mu     sync.RWMutex
	dek    []byte // nil once closed
	mode   Mode
	params Params // the header's Argon2id parameters in passphrase mode
}

// errLostRace reports that another process created vault.json first.
var errLostRace = errors.New("vault: lost the race to create the header")

// ModeOf reports the mode of the vault in dir, so that the caller knows
// whether to ask for a passphrase before opening it.
//
// Outcomes:
//   - the mode, nil: dir holds a vault.
//   - ErrNotFound: dir (or vault.json in it) does not exist: no vault yet.
//   - ErrCorrupt: vault.json is malformed.
//   - ErrUnsupportedVersion: vault.json was written by a newer cointally.
//   - any other error: vault.json could not be read.
func ModeOf(dir string) (Mode, error) {
	h, err := readHeader(dir)
	if err != nil {
		return "", err
	}
	return h.Mode, nil
}

// OpenKeyFile opens the vault in dir in key-file mode. On first use, when
// dir holds no vault.json, it creates dir (mode 0700) if needed, the key
// file vault.key (0600, unless it already exists) and vault.json with a new
// data-encryption key. Processes racing to create the vault agree on one key
// file and one vault.json.
//
// Outcomes:
//   - the Vault, nil: the vault was opened or created.
//   - ErrWrongMode: the vault is protected by a passphrase; use
//     [OpenPassphrase].
//   - ErrNotFound: vault.json exists but vault.key is missing. No new key is
//     made, as it could not open the existing secrets: restore vault.key
//     from a backup.
//   - ErrInsecurePermissions: vault.key can be read or written by other
//     users; the message tells the user to run chmod 600.
//   - ErrWrongKey: vault.key does not unlock vault.json.
//   - ErrCorrupt: vault.json or vault.key is malformed.
//   - ErrUnsupportedVersion: vault.json was written by a newer cointally.
//   - any other error: a file could not be read or written.
func OpenKeyFile(dir string) (*Vault, error) {
	h, err := readHeader(dir)
	if errors.Is(err, ErrNotFound) {
		v, cerr := createKeyFile(dir)
		if !errors.Is(cerr, errLostRace) {
			return v, cerr
		}
		h, err = readHeader(dir) // open the winner's vault
	}
	if err != nil {
		return nil, err
	}
	if h.Mode != ModeKeyFile {
		return nil, wrongMode(dir, h.Mode, ModeKeyFile)
	}
	kek, err := readKeyFile(dir)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w; %s is in key-file mode, so restore %s from a backup", err, HeaderFile, KeyFile)
	}
	if err != nil {
		return nil, err
	}
	defer clear(kek)
	dek, err := h.unwrap(kek)
	if errors.Is(err, ErrDecrypt) {
		return nil, fmt.Errorf("%w: %s does not unlock %s", ErrWrongKey, filepath.Join(dir, KeyFile), filepath.Join(dir, HeaderFile))
	}
	if err != nil {
		return nil, err
	}
	return &Vault{dir: dir, dek: dek, mode: ModeKeyFile}, nil
}

func createKeyFile(dir string) (*Vault, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	kek, err := loadOrCreateKeyFile(dir)
	if err != nil {
		return nil, err
	}
	defer clear(kek)
	return create(dir, ModeKeyFile, nil, Params{}, kek)
}

// create makes a new DEK, wraps it under kek and writes vault.json,
// unless another process has written one first (errLostRace).
func create(dir string, mode Mode, kdf *kdfHeader, p Params, kek []byte) (*Vault, error) {
	dek, err := newKey()
	if err != nil {
		return nil, err
	}
	h, err := newHeader(mode, kdf, kek, dek)
	if err == nil {
		err = writeHeader(dir, h, true)
	}
	if errors.Is(err, fs.ErrExist) {
		err = errLostRace
	}
	if err != nil {
		clear(dek)
		return nil, err
	}
	return &Vault{dir: dir, dek: dek, mode: mode, params: p}, nil
}

// OpenPassphrase opens the vault in dir in passphrase mode. On first use,
// when dir holds no vault.json, it creates dir (mode 0700) if needed and
// vault.json with a new data-encryption key wrapped under
// Argon2id(passphrase); the caller should have the user confirm a new
// passphrase before. params are used only then; nil means [DefaultParams].
// An existing vault is unlocked with the parameters stored in vault.json.
//
// The passphrase is used as given, byte for byte: strip a trailing newline
// before passing it. OpenPassphrase does not keep it; the caller may wipe it
// on return.
//
// Outcomes:
//   - the Vault, nil: the vault was opened or created.
//   - ErrWrongPassphrase: the passphrase does not unlock vault.json.
//   - ErrWrongMode: the vault uses a key file; use [OpenKeyFile].
//   - ErrInvalid: the passphrase is empty, or a new vault's params are out
//     of range.
//   - ErrCorrupt: vault.json is malformed.
//   - ErrUnsupportedVersion: vault.json was written by a newer cointally.
//   - any other error: a file could not be read or written.
func OpenPassphrase(dir string, passphrase []byte, params *Params) (*Vault, error) {
	if len(passphrase) == 0 {
		return nil, fmt.Errorf("%w: empty passphrase", ErrInvalid)
	}
	h, err := readHeader(dir)
	if errors.Is(err, ErrNotFound) {
		v, cerr := createPassphrase(dir, passphrase, params)
		if !errors.Is(cerr, errLostRace) {
			return v, cerr
		}
		h, err = readHeader(dir) // open the winner's vault
	}
	if err != nil {
		return nil, err
	}
	if h.Mode != ModePassphrase {
		return nil, wrongMode(dir, h.Mode, ModePassphrase)
	}
	kek := h.KDF.derive(passphrase)
	defer clear(kek)
	dek, err := h.unwrap(kek)
	if errors.Is(err, ErrDecrypt) {
		return nil, fmt.Errorf("%w for %s", ErrWrongPassphrase, filepath.Join(dir, HeaderFile))
	}
	if err != nil {
		return nil, err
	}
	return &Vault{dir: dir, dek: dek, mode: ModePassphrase, params: h.KDF.params()}, nil
}

func createPassphrase(dir string, passphrase []byte, params *Params) (*Vault, error) {
	p, err := resolveParams(params)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	kdf, err := newKDF(p)
	if err != nil {
		return nil, err
	}
	kek := kdf.derive(passphrase)
	defer clear(kek)
	return create(dir, ModePassphrase, kdf, p, kek)
}

func resolveParams(params *Params) (Params, error) {
	p := DefaultParams()
	if params != nil {
		p = *params
	}
	if err := p.check(); err != nil {
		return Params{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return p, nil
}

func wrongMode(dir string, have, want Mode) error {
	return fmt.Errorf("%w: the vault in %s is in %s mode, not %s mode", ErrWrongMode, dir, have, want)
}

// Mode reports the mode the vault is in now.
func (v *Vault) Mode() Mode {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.mode
}

// Seal encrypts plaintext and binds it to ad, the associated data (see
// [AD]). The result is [Overhead] bytes longer than plaintext and differs
// on every call, as the nonce is random. Seal does not keep plaintext.
//
// Outcomes: the ciphertext and nil, or ErrClosed after [Vault.Close].
func (v *Vault) Seal(plaintext, ad []byte) ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.dek == nil {
		return nil, fmt.Errorf("%w: seal", ErrClosed)
	}
	return seal(v.dek, plaintext, ad)
}

// Open decrypts a ciphertext from [Vault.Seal] that was sealed with the same
// associated data ad. It never panics, whatever the input.
//
// Outcomes:
//   - the plaintext, nil.
//   - ErrDecrypt: the ciphertext was altered, or was sealed with different
//     associated data or by another vault (a different DEK).
//   - ErrCorrupt: the ciphertext is empty or too short to be one.
//   - ErrUnsupportedVersion: the first byte is not a known format version.
//   - ErrClosed: the vault has been closed.
func (v *Vault) Open(ciphertext, ad []byte) ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.dek == nil {
		return nil, fmt.Errorf("%w: open", ErrClosed)
	}
	return open(v.dek, ciphertext, ad)
}

// OpenSecret is [Vault.Open] returning the plaintext as a [Secret], which
// does not show up in logs or output. The outcomes are those of Open.
func (v *Vault) OpenSecret(ciphertext, ad []byte) (Secret, error) {
	b, err := v.Open(ciphertext, ad)
	if err != nil {
		return Secret{}, err
	}
	return NewSecret(b), nil
}

// ChangePassphrase sets a new passphrase for a vault in passphrase mode,
// keeping its Argon2id parameters. It draws a new salt, re-wraps the
// data-encryption key and replaces vault.json atomically. Sealed secrets
// are not touched and stay readable; from now on only newPassphrase opens
// the vault. (An old copy of vault.json still opens with the old passphrase.)
//
// Outcomes:
//   - nil: the passphrase was changed.
//   - ErrWrongMode: the vault is in key-file mode; use [Vault.UsePassphrase].
//   - ErrInvalid: newPassphrase is empty.
//   - ErrClosed: the vault has been closed.
//   - any other error: vault.json could not be written; the old
//     passphrase still opens the vault.
func (v *Vault) ChangePassphrase(newPassphrase []byte) error {
	v.mu.RLock()
	mode, p := v.mode, v.params
	v.mu.RUnlock()
	if mode != ModePassphrase {
		return wrongMode(v.dir, mode, ModePassphrase)
	}
	return v.UsePassphrase(newPassphrase, &p)
}

// UsePassphrase protects the vault with passphrase from now on, under
// params (nil means [DefaultParams]). It works in either mode: from
// key-file mode it switches to passphrase mode, and in passphrase mode it
// sets a new passphrase and parameters. It re-wraps the data-encryption
// key and replaces vault.json atomically; sealed secrets are not touched.
// Switching from key-file mode then deletes vault.key, which no longer
// unlocks anything in this directory.
//
// Outcomes:
//   - nil: vault.json now requires passphrase.
//   - ErrInvalid: passphrase is empty or params are out of range.
//   - ErrClosed: the vault has been closed.
//   - an error mentioning vault.key: vault.json was switched, but vault.key
//     could not be deleted; delete it by hand.
//   - any other error: vault.json could not be written and the vault is
//     unchanged.
func (v *Vault) UsePassphrase(passphrase []byte, params *Params) error {
	if len(passphrase) == 0 {
		return fmt.Errorf("%w: empty passphrase", ErrInvalid)
	}
	p, err := resolveParams(params)
	if err != nil {
		return err
	}
	kdf, err := newKDF(p)
	if err != nil {
		return err
	}
	kek := kdf.derive(passphrase) // slow: done before taking the lock
	defer clear(kek)

	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.rewrap(ModePassphrase, kdf, kek); err != nil {
		return err
	}
	wasKeyFile := v.mode == ModeKeyFile
	v.mode, v.params = ModePassphrase, p
	if wasKeyFile {
		path := filepath.Join(v.dir, KeyFile)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("vault: switched to passphrase mode, but could not delete the old key file; delete it by hand: %w", err)
		}
		syncDir(v.dir)
	}
	return nil
}

// UseKeyFile protects the vault with the key file vault.key from now on,
// creating the key file (0600) if it does not exist. It re-wraps the
// data-encryption key and replaces vault.json atomically; sealed secrets are
// not touched. In key-file mode it only re-wraps.
//
// Outcomes:
//   - nil: vault.json is now unlocked by vault.key.
//   - ErrInsecurePermissions: an existing vault.key can be read or written
//     by other users.
//   - ErrCorrupt: an existing vault.key is malformed.
//   - ErrClosed: the vault has been closed.
//   - any other error: a file could not be read or written and vault.json
//     is unchanged.
func (v *Vault) UseKeyFile() error {
	// Hold the lock while reading the key file, so that a concurrent
	// UsePassphrase cannot delete it between reading and re-wrapping.
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dek == nil {
		return fmt.Errorf("%w: cannot change the key", ErrClosed)
	}
	kek, err := loadOrCreateKeyFile(v.dir)
	if err != nil {
		return err
	}
	defer clear(kek)
	if err := v.rewrap(ModeKeyFile, nil, kek); err != nil {
		return err
	}
	v.mode, v.params = ModeKeyFile, Params{}
	return nil
}

// rewrap replaces vault.json with the DEK wrapped under kek. v.mu is held.
func (v *Vault) rewrap(mode Mode, kdf *kdfHeader, kek []byte) error {
	if v.dek == nil {
		return fmt.Errorf("%w: cannot change the key", ErrClosed)
	}
	h, err := newHeader(mode, kdf, kek, v.dek)
	if err != nil {
		return err
	}
	return writeHeader(v.dir, h, false)
}

// Close zeroes the data-encryption key held in memory. After Close, Seal,
// Open and the methods that change the key return ErrClosed. Close always returns nil and may be called more
// than once.
func (v *Vault) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	clear(v.dek)
	v.dek = nil
	return nil
}
