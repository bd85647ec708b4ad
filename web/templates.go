package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"
)

// navItems is the navigation, in order. Later pages (transactions, tax,
// settings) join here and in routes.
var navItems = []struct{ Page, URL, Label string }{
	{"dashboard", "/", "Dashboard"},
	{"account_new", "/accounts/new", "Add exchange"},
	{"help", "/help", "Help"},
}

var funcs = template.FuncMap{
	"nav": func() any { return navItems },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"day": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02")
	},
	"duration": func(d time.Duration) string {
		switch {
		case d <= 0:
			return "—"
		case d < time.Minute:
			return fmt.Sprintf("%d s", int(d.Seconds()))
		case d < time.Hour:
			return fmt.Sprintf("%d min", int(d.Minutes()))
		}
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	},
	"join": strings.Join,
}

// parseTemplates parses layout.html with each other template, once.
func parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: template %s defines no content", n)
		}
		pages[base] = t
	}
	return pages, nil
}
