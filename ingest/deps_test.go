package ingest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports holds ingest to its import rule: of this module it may use
// only the domain package and money; everything else (the store, the
// exchange connector) arrives through cointally's interfaces. Tests may
// import more; go list -deps does not see them.
func TestImports(t *testing.T) {
	t.Parallel()
	const module = "github.com/cointally/cointally"
	out, err := exec.Command("go", "list", "-deps", module+"/ingest").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{module: true, module + "/money": true, module + "/ingest": true}
	for _, dep := range strings.Fields(string(out)) {
		if (dep == module || strings.HasPrefix(dep, module+"/")) && !allowed[dep] {
			t.Errorf("ingest imports %s; it may import only cointally and money of this module", dep)
		}
		if dep == "database/sql" || dep == "net/http" {
			t.Errorf("ingest imports %s", dep)
		}
	}
}
