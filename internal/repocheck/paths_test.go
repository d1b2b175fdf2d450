package repocheck

import (
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// absolutePaths are the paths a tracked file must never name: the home or
// work directories of a build machine (Linux, macOS, Windows). A folder
// beside the checkout is caught as a relative path that climbs out.
var absolutePaths = []string{"/work/", "/home/", "/Users/", `C:\`, `c:\`}

var (
	// climbing is a relative path that starts with ../, not one that
	// continues a longer path (/static/../x, rijksoverheid.nl/.../x).
	climbing = regexp.MustCompile(`(?:^|[^A-Za-z0-9_./\\-])((?:\.\./)+[^\s"'` + "`" + `()<>\[\],;|]*)`)
	// markdownLink is the target of an inline link or image, ](target), or
	// of a reference definition, [label]: target.
	markdownLink = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|(?m)^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)
	// scheme starts a URL (https:, mailto:, …) rather than a path.
	scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

// vendored is a third party's file kept verbatim (a minified bundle): its
// strings are its own module paths, not references to this repository's
// files, so only the absolute paths are looked for in it.
func vendored(name string) bool {
	ext := path.Ext(name)
	return strings.Contains("/"+name, "/vendor/") && (ext == ".js" || ext == ".css" || ext == ".map")
}

// outsideReferences lists what the file name (slash-separated, relative to
// the repository root) names outside the repository, or names inside it
// but is not there. exists tells whether a slash path relative to the root
// is in the repository.
func outsideReferences(name string, data []byte, exists func(string) bool) []string {
	var problems []string
	text := string(data)
	for _, p := range absolutePaths {
		if i := strings.Index(text, p); i >= 0 {
			problems = append(problems, name+":"+lineOf(text, i)+": names "+p+"…, a path outside the repository")
		}
	}
	if vendored(name) {
		return problems
	}
	dir := path.Dir(name)
	check := func(at int, target, what string) {
		target, _, _ = strings.Cut(target, "#")
		target, _, _ = strings.Cut(target, "?")
		target = strings.TrimRight(target, ".:")
		if target == "" {
			return
		}
		var resolved string
		if strings.HasPrefix(target, "/") { // a link from the repository's root, as GitHub reads it
			resolved = path.Clean(strings.TrimPrefix(target, "/"))
		} else {
			resolved = path.Join(dir, target)
		}
		where := name + ":" + lineOf(text, at) + ": " + what + " " + target
		switch {
		case resolved == ".." || strings.HasPrefix(resolved, "../"):
			problems = append(problems, where+" climbs out of the repository")
		case !exists(resolved):
			problems = append(problems, where+" is not in the repository ("+resolved+")")
		}
	}
	for _, m := range climbing.FindAllStringSubmatchIndex(text, -1) {
		check(m[2], text[m[2]:m[3]], "the path")
	}
	if path.Ext(name) == ".md" {
		for _, m := range markdownLink.FindAllStringSubmatchIndex(text, -1) {
			start, end := m[2], m[3]
			if start < 0 {
				start, end = m[4], m[5]
			}
			target := text[start:end]
			if scheme.MatchString(target) || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "//") {
				continue
			}
			if strings.HasPrefix(target, "../") {
				continue // the climbing pattern checks it already
			}
			check(start, target, "the link")
		}
	}
	return problems
}

// lineOf is the 1-based line number of offset i in text.
func lineOf(text string, i int) string {
	return strconv.Itoa(strings.Count(text[:i], "\n") + 1)
}

// repositoryFiles lists the tracked files (slash paths relative to the
// root) and the root, or skips when there is no git checkout to read.
func repositoryFiles(t *testing.T) (root string, files []string) {
	t.Helper()
	gitCmd, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not on PATH: the tracked files cannot be listed")
	}
	out, err := exec.Command(gitCmd, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git checkout (%v): the tracked files cannot be listed", err)
	}
	root = strings.TrimSpace(string(out))
	cmd := exec.Command(gitCmd, "ls-files", "-z")
	cmd.Dir = root
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	if len(files) < 50 {
		t.Fatalf("git ls-files lists only %d files", len(files))
	}
	return root, files
}

// Someone who clones nabij gets only the repository: no tracked file may
// send them to a file outside it (the contract once lived beside it), name
// a directory of the machine it was written on, or link to a file that is
// not there. Relative paths and markdown links are resolved from their
// file's directory.
func TestNoTrackedFileNamesAPathOutsideTheRepository(t *testing.T) {
	root, files := repositoryFiles(t)
	tracked := map[string]bool{}
	for _, f := range files {
		for d := f; d != "."; d = path.Dir(d) {
			tracked[d] = true
		}
	}
	// A path is there when it is tracked (a file, or a directory holding
	// one), not merely present in this working tree; a pattern (an embed's
	// glob) when it matches a tracked path.
	exists := func(p string) bool {
		if tracked[p] || !strings.ContainsAny(p, "*?[") {
			return tracked[p]
		}
		for f := range tracked {
			if ok, _ := path.Match(p, f); ok {
				return true
			}
		}
		return false
	}
	self := "internal/repocheck/paths_test.go" // names the forbidden paths to look for them
	checked := 0
	for _, f := range files {
		if f == self {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if os.IsNotExist(err) {
			continue // deleted in the working tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(data, 0) >= 0 {
			continue // binary: an image
		}
		checked++
		for _, p := range outsideReferences(f, data, exists) {
			t.Error(p)
		}
	}
	if checked < 50 {
		t.Fatalf("read only %d text files", checked)
	}
}

// The checker itself, on files that break each rule and on files that keep
// them.
func TestOutsideReferences(t *testing.T) {
	inRepo := map[string]bool{"README.md": true, "docs": true, "docs/API.md": true, "docs/openapi.yaml": true,
		"protocol": true, "protocol/default.toml": true, "deploy": true, "deploy/README.md": true}
	exists := func(p string) bool { return inRepo[p] }
	cases := []struct {
		name, file, text string
		bad              bool
	}{
		{"the old contract", "README.md", "See `../contract/API.md`.", true},
		{"a build machine's path", "docs/openapi.yaml", "# written from /work/main/docs", true},
		{"a home directory", "deploy/README.md", "run /home/ci/nabij", true},
		{"a Mac", "README.md", "open /Users/anna/nabij", true},
		{"Windows", "README.md", `C:\src\nabij`, true},
		{"a link climbing out", "docs/API.md", "the [protocol](../../PROTOCOL.md)", true},
		{"a root link climbing out", "README.md", "[x](/../secrets.md)", true},
		{"a path climbing out", "protocol/x_test.go", `os.ReadFile("../../../etc/x")`, true},
		{"a link to a missing file", "README.md", "[API](docs/API2.md)", true},
		{"a reference link to a missing file", "README.md", "[api]: docs/gone.md", true},
		{"a path to a missing file", "deploy/x_test.go", `os.ReadFile("../docs/gone.yaml")`, true},
		{"a link inside", "deploy/README.md", "[the README](../README.md#try-the-demo)", false},
		{"a link from the root", "README.md", "[API](docs/API.md) and ![x](/protocol/default.toml)", false},
		{"a path inside", "deploy/x_test.go", `os.ReadFile("../protocol/default.toml")`, false},
		{"a URL", "README.md", "[Twilio](https://www.twilio.com/../docs) <https://example.org/a/../b>", false},
		{"a path continuing a URL", "school/holidays.toml", "# rijksoverheid.nl/.../overzicht", false},
		{"a traversal inside a URL path", "web/x_test.go", `get("/static/../../etc/passwd")`, false},
		{"an anchor", "docs/API.md", "[below](#errors)", false},
		{"a vendored bundle's own paths", "web/static/vendor/redoc/redoc.standalone.js", `require("../dictionary")`, false},
		{"a vendored bundle's build path", "web/static/vendor/redoc/redoc.standalone.js", `"/home/runner/work/redoc"`, true},
	}
	for _, c := range cases {
		got := outsideReferences(c.file, []byte(c.text), exists)
		if bad := len(got) > 0; bad != c.bad {
			t.Errorf("%s: %s %q: problems %q, want any: %v", c.name, c.file, c.text, got, c.bad)
		}
	}
}
