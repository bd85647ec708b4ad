package cointally_test

import (
	"fmt"
	"testing"

	"github.com/cointally/cointally"
)

func TestCheckSetting(t *testing.T) {
	tests := []struct {
		key, value, want string
		ok               bool
	}{
		{cointally.SettingCurrency, "gbp", "GBP", true},
		{cointally.SettingCurrency, " usd ", "USD", true},
		{cointally.SettingCurrency, "USDT", "USDT", true},
		{cointally.SettingCurrency, "", "", true},
		{cointally.SettingCurrency, "EU", "", false},
		{cointally.SettingCurrency, "EUR1", "", false},
		{cointally.SettingCurrency, "EURODOLLAR", "", false},
		{cointally.SettingMethod, "UK", "uk", true},
		{cointally.SettingMethod, "average", "average", true},
		{cointally.SettingMethod, "acb", "", false},
		{cointally.SettingSyncInterval, "90m", "1h30m0s", true},
		{cointally.SettingSyncInterval, "5m", "5m0s", true},
		{cointally.SettingSyncInterval, "168h", "168h0m0s", true},
		{cointally.SettingSyncInterval, "4m59s", "", false},
		{cointally.SettingSyncInterval, "169h", "", false},
		{cointally.SettingSyncInterval, "often", "", false},
		{"colour", "blue", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		got, err := cointally.CheckSetting(tt.key, tt.value)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("CheckSetting(%q, %q) = %q, %v; want %q", tt.key, tt.value, got, err, tt.want)
			}
			continue
		}
		if err == nil || cointally.KindOf(err) != cointally.KindInvalid {
			t.Errorf("CheckSetting(%q, %q) = %q, %v; want a KindInvalid error", tt.key, tt.value, got, err)
		}
	}
}

func TestAssetGroups(t *testing.T) {
	tests := []struct {
		counts map[string]int
		n      int
		want   [][]string
	}{
		{map[string]int{"A": 10, "B": 6, "C": 5}, 2, [][]string{{"A"}, {"B", "C"}}},
		{map[string]int{"A": 1}, 2, [][]string{{"A"}}},
		{map[string]int{}, 2, [][]string{}},
		{map[string]int{"A": 3, "B": 3, "C": 3, "D": 3}, 2, [][]string{{"A", "C"}, {"B", "D"}}},
		{map[string]int{"A": 3, "B": 1}, 1, [][]string{{"A", "B"}}},
	}
	for _, tt := range tests {
		got := cointally.AssetGroups(tt.counts, tt.n)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("AssetGroups(%v, %d) = %v, want %v", tt.counts, tt.n, got, tt.want)
		}
	}
}
