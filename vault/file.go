package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// createExclusive creates dir/name with data and mode 0600, unless it
// already exists, in which case it returns an error matching fs.ErrExist.
//
// The data is written to a temporary file first and then hard-linked to its
// name. link(2) fails if the name exists, so of several processes racing to
// create the file exactly one wins, and no reader ever sees it half written.
// On file systems without hard links it falls back to O_CREATE|O_EXCL on
// the final name, which keeps the one-winner guarantee; a reader racing
// the writer may then see a short file and report ErrCorrupt.
func createExclusive(dir, name string, data []byte) error {
	tmp, err := writeTemp(dir, name, data)
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp) }()
	path := filepath.Join(dir, name)
	err = os.Link(tmp, path)
	switch {
	case err == nil:
		syncDir(dir)
		return nil
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("vault: %w", err)
	}
	// No hard links here: use O_EXCL on the final name.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return fmt.Errorf("vault: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return fmt.Errorf("vault: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("vault: writing %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// replaceFile atomically replaces dir/name with data, mode 0600.
func replaceFile(dir, name string, data []byte) error {
	tmp, err := writeTemp(dir, name, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("vault: %w", err)
	}
	syncDir(dir)
	return nil
}

// writeTemp writes data to a new temporary file in dir, synced to disk,
// and returns its path. os.CreateTemp creates it with mode 0600.
func writeTemp(dir, name string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("vault: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("vault: writing %s: %w", tmp, err)
	}
	return tmp, nil
}

// syncDir makes a new or renamed entry in dir durable. It is best effort:
// some systems (Windows) cannot open or sync a directory, and the file's
// own data has already been synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
