package costbasis

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// allowedImports is everything the engine may import directly: the domain,
// money, and pure standard packages. No I/O (os, io/fs, net/..., database/...),
// no clock, no randomness.
var allowedImports = []string{
	"github.com/cointally/cointally",
	"github.com/cointally/cointally/money",
	"cmp", "errors", "fmt", "math/bits", "slices", "sort", "strings", "time",
}

// TestPure checks the engine's own files: only allowed imports, and no call
// of time.Now, time.Since or time.Until (time is an input here). The module's
// import-rule test checks dependencies; this one checks what the package
// itself uses.
func TestPure(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !slices.Contains(allowedImports, path) {
				t.Errorf("%s imports %q: the engine must stay pure (allowed: %v)", name, path, allowedImports)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
				t.Errorf("%s: time.%s at %s: take times from the input", name, sel.Sel.Name, fset.Position(sel.Pos()))
			}
			return true
		})
	}
}
