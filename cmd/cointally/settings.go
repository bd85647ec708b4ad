package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/ingest"
)

const settingsUsage = `Usage: cointally settings [--json]          show your settings
       cointally settings set KEY VALUE   change one
       cointally settings unset KEY       go back to the default

Settings:
  currency        the report currency: EUR (default), USD, GBP, ...
  method          the default cost-basis method: fifo (default), lifo, hifo, average or uk
  sync_interval   the default time between scheduled syncs, 5m to 168h (default 15m)

The flags of a report (--currency, --method) win over the settings.
`

// settingDefaults are the values a missing setting stands for.
var settingDefaults = map[string]string{
	cointally.SettingCurrency:     "EUR",
	cointally.SettingMethod:       "fifo",
	cointally.SettingSyncInterval: ingest.DefaultInterval.String(),
}

func runSettings(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("settings", e)
	fs.Usage = func() { fmt.Fprint(e.stderr, settingsUsage); fs.PrintDefaults() }
	asJSON := fs.Bool("json", false, "print JSON: an object of every setting's value")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var key, value string
	switch {
	case len(pos) == 0:
	case pos[0] == "set" && len(pos) == 3:
		key, value = pos[1], pos[2]
		if value == "" {
			return errors.New("settings set: give a value, or use cointally settings unset " + key)
		}
	case pos[0] == "unset" && len(pos) == 2:
		key = pos[1]
	default:
		fmt.Fprint(e.stderr, settingsUsage)
		return errUsage
	}
	if key != "" {
		if value, err = cointally.CheckSetting(key, value); err != nil {
			return fmt.Errorf("settings: %w", userError(err))
		}
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	if key != "" {
		if err := a.store.PutSetting(ctx, a.user.ID, key, value); err != nil {
			return err
		}
	}
	stored, err := a.store.Settings(ctx, a.user.ID)
	if err != nil {
		return err
	}
	all := map[string]string{}
	keys := make([]string, 0, len(settingDefaults))
	for k, def := range settingDefaults {
		all[k] = def
		if v, ok := stored[k]; ok {
			all[k] = v
		}
		keys = append(keys, k)
	}
	if *asJSON {
		return writeJSON(e.stdout, all)
	}
	slices.Sort(keys)
	for _, k := range keys {
		note := ""
		if _, ok := stored[k]; !ok {
			note = "  (default)"
		}
		fmt.Fprintf(e.stdout, "%-14s %s%s\n", k, all[k], note)
	}
	return nil
}

// setting returns the user's value of a setting, or its default.
func (a *app) setting(ctx context.Context, key string) (string, error) {
	m, err := a.store.Settings(ctx, a.user.ID)
	if err != nil {
		return "", err
	}
	if v, ok := m[key]; ok {
		return v, nil
	}
	return settingDefaults[key], nil
}
