package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/cointally/cointally/vault"
)

// runVault manages how the key vault's master key is protected:
//
//	cointally vault passphrase   protect it with a (new) passphrase
//	cointally vault keyfile      protect it with a key file in the data directory
//
// Either way the stored API keys are re-wrapped, never re-entered. When the
// vault already uses a passphrase, COINTALLY_PASSPHRASE must hold the
// current one.
func runVault(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 {
		return errors.New("vault: want a subcommand: passphrase or keyfile")
	}
	sub := args[0]
	if sub != "passphrase" && sub != "keyfile" {
		return fmt.Errorf("vault: unknown subcommand %q (want passphrase or keyfile)", sub)
	}
	fs, cf := newFlagSet("vault "+sub, e)
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.openVault()
	if err != nil {
		return fmt.Errorf("vault %s: %w", sub, err)
	}
	if sub == "keyfile" {
		if v.Mode() == vault.ModeKeyFile {
			fmt.Fprintln(e.stdout, "The vault already uses a key file.")
			return nil
		}
		if err := v.UseKeyFile(); err != nil {
			return fmt.Errorf("vault keyfile: %w", err)
		}
		fmt.Fprintf(e.stdout, "The vault now uses the key file in %s; unset COINTALLY_PASSPHRASE.\n", a.cfg.dataDir)
		return nil
	}
	pass, err := readNewPassphrase(e)
	if err != nil {
		return fmt.Errorf("vault passphrase: %w", err)
	}
	defer clear(pass)
	if v.Mode() == vault.ModePassphrase {
		err = v.ChangePassphrase(pass)
	} else {
		err = v.UsePassphrase(pass, nil)
	}
	if err != nil {
		return fmt.Errorf("vault passphrase: %w", err)
	}
	fmt.Fprintln(e.stdout, "The vault is now protected by the new passphrase; later commands need it in COINTALLY_PASSPHRASE. Stored keys were kept.")
	return nil
}

// readNewPassphrase reads a new passphrase: twice without echo on a
// terminal, else the first line of stdin.
func readNewPassphrase(e *env) ([]byte, error) {
	var pass []byte
	if e.stdinIsTerminal() {
		fmt.Fprint(e.stderr, "New passphrase: ")
		p1, err := e.readPassword()
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, err
		}
		fmt.Fprint(e.stderr, "Repeat it: ")
		p2, err := e.readPassword()
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(p1, p2) {
			return nil, errors.New("the two passphrases differ")
		}
		clear(p2)
		pass = p1
	} else {
		line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadBytes('\n')
		if err != nil && (err != io.EOF || len(line) == 0) {
			return nil, errors.New("stdin must hold the new passphrase on its first line")
		}
		pass = bytes.TrimRight(line, "\r\n")
	}
	if len(pass) < 10 {
		return nil, errors.New("the passphrase is too short: use at least 10 characters")
	}
	return pass, nil
}
