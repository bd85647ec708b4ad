package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/cointally/cointally/web"
)

func runUser(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("user: want a subcommand: cointally user add NAME [--admin] (the password from stdin)")
	}
	fs, cf := newFlagSet("user add", e)
	admin := fs.Bool("admin", false, "the user may manage other users")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("user add: name one user: cointally user add NAME [--admin]")
	}
	name := pos[0]
	if err := web.CheckUserName(name); err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	pw, err := readNewPassword(e)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	hash, err := web.HashPassword(pw, web.PasswordParams{})
	if err != nil {
		return err
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := web.SetUserPassword(ctx, a.store, name, hash, *admin)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	role := "user"
	if u.Admin {
		role = "admin"
	}
	fmt.Fprintf(e.stdout, "User %s (%s) can now log in to cointally serve.\n", u.Name, role)
	return nil
}

// readNewPassword reads a password: twice without echo from a terminal,
// else the first line of stdin. Never from flags or the environment.
func readNewPassword(e *env) (string, error) {
	var pw string
	if e.stdinIsTerminal() {
		fmt.Fprint(e.stderr, "Password: ")
		b, err := e.readPassword()
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		fmt.Fprint(e.stderr, "Password again: ")
		b2, err := e.readPassword()
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		if string(b) != string(b2) {
			return "", errors.New("the two passwords differ")
		}
		pw = string(b)
	} else {
		line, err := readLine(bufio.NewReader(io.LimitReader(e.stdin, 4<<10)))
		if err != nil {
			return "", errors.New("reading the password: give it on the first line of stdin")
		}
		pw = line
	}
	if err := web.CheckPassword(pw); err != nil {
		return "", err
	}
	return pw, nil
}
