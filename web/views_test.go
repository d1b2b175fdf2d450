package web

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// Every API answer is a view declared in web: the value a handler passes
// to c.JSON (or c.JSONPretty) has a type of this package (or a slice, map
// or pointer of one), and so has every struct inside it. A type of store,
// protocol, app or school answered as is would tie the API to how nabij
// keeps or computes it. Leaves may be basic types, named basic types (the
// enums: school.Channel, alerts.Status …) and types that marshal
// themselves as text (time.Time, school.Date). Besides views, only the
// small maps map[string]string and map[string]int are answered.
func TestAnswersAreViews(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: exportImporter(t, fset)}
	pkg, err := conf.Check("github.com/nabij-isk/nabij/web", fset, files, info)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "JSON" && sel.Sel.Name != "JSONPretty") {
				return true
			}
			recv := info.Types[sel.X].Type
			if recv == nil || recv.String() != "github.com/labstack/echo/v4.Context" {
				return true
			}
			calls++
			typ := info.Types[call.Args[1]].Type
			if why := answerType(pkg, typ); why != "" {
				t.Errorf("%s: c.%s answers %s: %s", fset.Position(call.Pos()), sel.Sel.Name, typ, why)
			}
			return true
		})
	}
	if calls < 20 {
		t.Errorf("found %d c.JSON calls in web; the check reads the wrong files", calls)
	}
}

// exportImporter imports web's dependencies from the compiler's export
// data (go list -export: built once, then from the build cache), which is
// far faster than type-checking them from source.
func exportImporter(t *testing.T, fset *token.FileSet) types.Importer {
	out, err := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if path, file, ok := strings.Cut(strings.TrimSpace(line), "="); ok && file != "" {
			exports[path] = file
		}
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
}

// answerType says why typ may not be an API answer, or "" when it may.
func answerType(web *types.Package, typ types.Type) string {
	for {
		switch u := typ.(type) {
		case *types.Pointer:
			typ = u.Elem()
			continue
		case *types.Slice:
			typ = u.Elem()
			continue
		}
		break
	}
	if m, ok := typ.Underlying().(*types.Map); ok && !isNamed(typ) {
		if isBasic(m.Key()) && isBasic(m.Elem()) && (m.Elem().String() == "string" || m.Elem().String() == "int") {
			return ""
		}
		return "a map other than map[string]string or map[string]int"
	}
	n, ok := typ.(*types.Named)
	if !ok || n.Obj().Pkg() != web {
		return "not a view declared in package web"
	}
	return viewType(web, typ, map[types.Type]bool{})
}

// viewType says why typ may not be inside a view, or "" when it may.
func viewType(web *types.Package, typ types.Type, seen map[types.Type]bool) string {
	if seen[typ] {
		return ""
	}
	seen[typ] = true
	switch u := typ.(type) {
	case *types.Pointer:
		return viewType(web, u.Elem(), seen)
	case *types.Slice:
		return viewType(web, u.Elem(), seen)
	case *types.Map:
		if why := viewType(web, u.Key(), seen); why != "" {
			return why
		}
		return viewType(web, u.Elem(), seen)
	case *types.Basic:
		return ""
	case *types.Named:
		if u.Obj().Pkg() != web {
			if isBasic(u) || marshalsItself(u) {
				return ""
			}
			return "it holds " + u.String() + ", a type not declared in package web"
		}
	}
	s, ok := typ.Underlying().(*types.Struct)
	if !ok {
		if isBasic(typ) {
			return ""
		}
		return "it holds " + typ.String() + ", which is neither a struct of web nor a basic type"
	}
	for i := range s.NumFields() {
		f := s.Field(i)
		if !f.Exported() && !f.Embedded() {
			continue
		}
		if why := viewType(web, f.Type(), seen); why != "" {
			return why
		}
	}
	return ""
}

func isNamed(t types.Type) bool { _, ok := t.(*types.Named); return ok }

func isBasic(t types.Type) bool { _, ok := t.Underlying().(*types.Basic); return ok }

// marshalsItself: time.Time, school.Date — a value, not a struct of fields.
func marshalsItself(n *types.Named) bool {
	for i := range n.NumMethods() {
		switch n.Method(i).Name() {
		case "MarshalText", "MarshalJSON":
			return true
		}
	}
	return false
}

// Each view answers exactly the JSON the stored or computed struct did
// before views: every field filled, and every field zero (nil slices stay
// null).
func TestViewsKeepTheJSON(t *testing.T) {
	sameJSON(t, viewFieldError)
	// A user's token hash never left app (it blanks it), and is not in the view.
	sameJSON(t, viewUser, func(u *school.User) { u.TokenHash = "" })
	sameJSON(t, func(r school.Roster) *rosterView { return viewRoster(&r) })
	sameJSON(t, viewAbsence)
	sameJSON(t, func(r app.ListResult) *listResultView { return viewListResult(&r) })
	sameJSON(t, func(e protocol.Escalation) *escalationView { return viewEscalation(&e) })
	sameJSON(t, func(d app.MeldingDraft) *meldingView { return viewMelding(&d) })
	sameJSON(t, viewTask)
	sameJSON(t, func(d app.Digest) *digestView { return viewDigest(&d) })
	sameJSON(t, viewInbound)
	sameJSON(t, func(r app.Reach) *reachView { return viewReach(&r) })
	sameJSON(t, func(v app.CalendarView) *calendarView { return viewCalendar(&v) })
	sameJSON(t, viewClosedDay)
	sameJSON(t, viewAuditEntry)
	sameJSON(t, viewLanguage)
}

// sameJSON fills a T's every field (and leaves one zero) and checks that
// view(T) marshals to the same JSON as T.
func sameJSON[T, V any](t *testing.T, view func(T) V, prepare ...func(*T)) {
	t.Helper()
	var full T
	fill(reflect.ValueOf(&full).Elem())
	for _, p := range prepare {
		p(&full)
	}
	var zero T
	for _, v := range []T{full, zero} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(view(v))
		if err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(t, want, got) {
			t.Errorf("%T's view answers\n%s\nwhere it answered\n%s", v, got, want)
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// fill gives every exported field a value that is not zero.
func fill(v reflect.Value) {
	switch v.Interface().(type) {
	case time.Time:
		v.Set(reflect.ValueOf(time.Date(2026, 12, 4, 8, 45, 0, 0, time.UTC)))
		return
	case school.Date:
		v.Set(reflect.ValueOf(school.Date{Year: 2026, Month: 12, Day: 4}))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("s")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem())
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	}
}
