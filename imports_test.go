package cointally_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/cointally/cointally"

// importRules says which packages of ours (and which sensitive standard
// packages) each package must not depend on, directly or indirectly. It is
// the dependency diagram of docs/ARCHITECTURE.md as a test, so the diagram
// cannot go stale. Paths are relative to the module; "" is the root package.
var importRules = []struct {
	pkg       string
	forbidden []string // prefixes; "ours" means every package of the module
}{
	{pkg: "money", forbidden: []string{"ours"}},
	{pkg: "", forbidden: []string{"ours-except:money", "std:database/sql", "std:net/http"}},
	{pkg: "vault", forbidden: []string{"ours"}},
	{pkg: "exchange/kraken/krakensim", forbidden: []string{"ours"}},
	{pkg: "exchange/kraken", forbidden: []string{"sqlstore", "ingest", "web", "exchange/kraken/krakensim", "cmd"}},
	{pkg: "sqlrow", forbidden: []string{"sqlstore", "pgstore", "exchange", "ingest", "web", "cmd", "vault", "costbasis", "price", "report", "std:net/http"}},
	{pkg: "sqlstore", forbidden: []string{"pgstore", "exchange", "ingest", "web", "cmd", "vault"}},
	{pkg: "pgstore", forbidden: []string{"sqlstore", "exchange", "ingest", "web", "cmd", "vault"}},
	{pkg: "costbasis", forbidden: []string{"sqlstore", "pgstore", "exchange", "ingest", "web", "price", "cmd", "std:net/http", "std:database/sql", "std:os"}},
	{pkg: "price", forbidden: []string{"sqlstore", "pgstore", "exchange", "ingest", "web", "cmd"}},
	{pkg: "report", forbidden: []string{"sqlstore", "pgstore", "exchange", "ingest", "web", "cmd", "std:net/http", "std:database/sql"}},
	{pkg: "ingest", forbidden: []string{"sqlstore", "pgstore", "exchange", "web", "cmd"}},
	// web renders report views (report, and price through it) that cmd computes for it through web.Reports.
	{pkg: "web", forbidden: []string{"sqlstore", "pgstore", "exchange", "ingest", "cmd"}},
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Deps \" \"}}|{{join .Imports \" \"}}", module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	// Our packages are checked transitively (Deps); standard packages
	// directly (Imports): fmt itself imports os, so "no os" means no direct
	// use of it.
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 3 {
			t.Fatalf("go list line %q", line)
		}
		path := parts[0]
		for _, d := range strings.Fields(parts[1]) {
			if strings.HasPrefix(d, module) {
				deps[path] = append(deps[path], d)
			}
		}
		for _, d := range strings.Fields(parts[2]) {
			if !strings.HasPrefix(d, module) {
				deps[path] = append(deps[path], d)
			}
		}
		if deps[path] == nil {
			deps[path] = []string{}
		}
	}
	if len(deps) < 2 {
		t.Fatalf("go list found only %d packages: %s", len(deps), out)
	}
	for _, rule := range importRules {
		full := module
		if rule.pkg != "" {
			full += "/" + rule.pkg
		}
		// A rule covers the package and every package below it.
		for path, ds := range deps {
			if path != full && !strings.HasPrefix(path, full+"/") || (rule.pkg == "" && path != module) {
				continue
			}
			if strings.HasSuffix(path, "test") && path != full {
				continue // test kits (storetest, exchangetest) may use more
			}
			for _, d := range ds {
				if bad := violates(d, rule.forbidden); bad != "" {
					t.Errorf("%s must not import %s (rule %q)", path, d, bad)
				}
			}
		}
	}
	// Nothing imports cmd/.
	for path, ds := range deps {
		for _, d := range ds {
			if strings.HasPrefix(d, module+"/cmd/") {
				t.Errorf("%s imports %s: nothing may import a command", path, d)
			}
		}
	}
}

func violates(dep string, forbidden []string) string {
	ours := strings.HasPrefix(dep, module+"/") || dep == module
	for _, f := range forbidden {
		switch {
		case f == "ours":
			if ours {
				return f
			}
		case strings.HasPrefix(f, "ours-except:"):
			allowed := module + "/" + strings.TrimPrefix(f, "ours-except:")
			if ours && dep != allowed && !strings.HasPrefix(dep, allowed+"/") {
				return f
			}
		case strings.HasPrefix(f, "std:"):
			if dep == strings.TrimPrefix(f, "std:") {
				return f
			}
		default:
			p := module + "/" + f
			if dep == p || strings.HasPrefix(dep, p+"/") {
				return f
			}
		}
	}
	return ""
}

func TestViolates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dep       string
		forbidden []string
		want      string
	}{
		{module + "/money", []string{"ours"}, "ours"},
		{"fmt", []string{"ours"}, ""},
		{module + "/money", []string{"ours-except:money"}, ""},
		{module + "/vault", []string{"ours-except:money"}, "ours-except:money"},
		{"database/sql", []string{"std:database/sql"}, "std:database/sql"},
		{"database/sql/driver", []string{"std:database/sql"}, ""},
		{module + "/exchange/kraken", []string{"exchange"}, "exchange"},
		{module + "/exchangefoo", []string{"exchange"}, ""},
	}
	for _, tt := range tests {
		if got := violates(tt.dep, tt.forbidden); got != tt.want {
			t.Errorf("violates(%q, %v) = %q, want %q", tt.dep, tt.forbidden, got, tt.want)
		}
	}
}

// TestPackageDocs checks that every package of the module has a doc comment.
func TestPackageDocs(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{.Doc}}", module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, doc, _ := strings.Cut(line, "|")
		if strings.TrimSpace(doc) == "" {
			t.Errorf("package %s has no doc comment", path)
		}
	}
}
