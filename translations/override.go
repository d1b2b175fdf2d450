package translations

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"github.com/BurntSushi/toml"
)

// A school's own wording: a speaker of a family's language at the school
// corrects the draft the nabij team wrote, and the school keeps the whole
// language file, corrected, as its own (the service keeps it in its
// store). It is loaded over the embedded files, one file in place of the
// embedded one, and checked exactly as they are.

// EmbeddedFile is the language file for tag as nabij ships it.
func EmbeddedFile(tag string) ([]byte, error) {
	if tag == "" || strings.ContainsAny(tag, "/\\.") {
		return nil, fmt.Errorf("translations: %q is not a language tag", tag)
	}
	raw, err := fs.ReadFile(embedded, "messages/"+tag+".toml")
	if err != nil {
		return nil, fmt.Errorf("translations: no file for %q: %w", tag, err)
	}
	return raw, nil
}

// Embedded is a copy of the embedded language files (name → contents), for
// an overlay such as LoadWith builds.
func Embedded() (fstest.MapFS, error) {
	names, err := fs.Glob(embedded, "messages/*.toml")
	if err != nil {
		return nil, err
	}
	out := fstest.MapFS{}
	for _, name := range names {
		raw, err := fs.ReadFile(embedded, name)
		if err != nil {
			return nil, err
		}
		out[strings.TrimPrefix(name, "messages/")] = &fstest.MapFile{Data: raw}
	}
	return out, nil
}

// LoadWith loads the embedded files with the school's own files in place
// of some: overrides maps a tag to the whole text of its file. A tag nabij
// has no file for is refused: a school corrects languages, it does not add
// them here.
func LoadWith(overrides map[string][]byte) (*Catalog, error) {
	fsys, err := Embedded()
	if err != nil {
		return nil, err
	}
	for _, tag := range slices.Sorted(maps.Keys(overrides)) {
		name := tag + ".toml"
		if _, ok := fsys[name]; !ok {
			return nil, fmt.Errorf("translations: the school's own %s.toml replaces no embedded file", tag)
		}
		fsys[name] = &fstest.MapFile{Data: overrides[tag]}
	}
	return LoadFS(fsys)
}

// RefusedError is a school's file that cannot be used: it does not load,
// or Check finds what it finds in a file nabij would not ship. Nothing was
// changed.
type RefusedError struct {
	Tag      string
	Problems []string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("translations: %s refused: %s", e.Tag, strings.Join(e.Problems, "; "))
}

// CheckWith loads the catalog of LoadWith(overrides) and runs Check: it
// returns the catalog when tag's file loads and passes every check (and,
// when tag is the base language, which every other file is checked
// against, every language does), or a *RefusedError with each reason.
func CheckWith(tag string, overrides map[string][]byte) (*Catalog, error) {
	c, err := LoadWith(overrides)
	if err != nil {
		return nil, &RefusedError{Tag: tag, Problems: loadProblems(err)}
	}
	var problems []string
	found := false
	for _, r := range c.Check() {
		if r.Language.Tag != tag && tag != BaseLanguage {
			continue
		}
		found = found || r.Language.Tag == tag
		prefix := ""
		if r.Language.Tag != tag {
			prefix = r.Language.Tag + ": "
		}
		for _, p := range r.Problems {
			problems = append(problems, prefix+p)
		}
		if len(r.Problems) == 0 && !r.OK() {
			problems = append(problems, fmt.Sprintf("%sthe alert for one pupil needs %d SMS segments; at most %d allowed",
				prefix, r.Alert.Segments, r.Language.MaxSegments()))
		}
	}
	if !found {
		problems = append(problems, "no language "+tag)
	}
	if len(problems) > 0 {
		return nil, &RefusedError{Tag: tag, Problems: problems}
	}
	return c, nil
}

// loadProblems splits a joined load error into its sentences.
func loadProblems(err error) []string {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		var out []string
		for _, e := range joined.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

// FileMessages is what a language file says: each key's plural forms and
// its back-translation, and its meta.
type FileMessages struct {
	Language Language
	Messages map[string]map[string]string // key → plural form → text
	// Back is key → "one"/"other" → text; a back-translation given as one
	// text for every count is {"other": text}.
	Back map[string]map[string]string
	// BackTable says the file gives key's back-translation as a table
	// ([back.KEY] with one and other) rather than one text.
	BackTable map[string]bool
}

// ReadFile decodes a language file's text without checking it (LoadWith
// and CheckWith check).
func ReadFile(raw []byte) (*FileMessages, error) {
	var f struct {
		Meta     map[string]any               `toml:"meta"`
		Messages map[string]map[string]string `toml:"messages"`
		Back     map[string]any               `toml:"back"`
	}
	if _, err := toml.Decode(string(raw), &f); err != nil {
		return nil, err
	}
	str := func(k string) string { s, _ := f.Meta[k].(string); return s }
	gender, _ := f.Meta["gender"].(bool)
	out := &FileMessages{
		Language: Language{Tag: str("language"), Name: str("name"), EnglishName: str("english_name"), Direction: str("direction"),
			Review: str("review"), ReviewedBy: str("reviewed_by"), ReviewedOn: str("reviewed_on"), Note: str("note"), Gender: gender},
		Messages: f.Messages, Back: map[string]map[string]string{}, BackTable: map[string]bool{},
	}
	if out.Messages == nil {
		out.Messages = map[string]map[string]string{}
	}
	for key, v := range f.Back {
		switch v := v.(type) {
		case string:
			out.Back[key] = map[string]string{"other": v}
		case map[string]any:
			forms := map[string]string{}
			for form, text := range v {
				s, ok := text.(string)
				if !ok {
					return nil, fmt.Errorf("back.%s.%s is not a text", key, form)
				}
				forms[form] = s
			}
			out.Back[key], out.BackTable[key] = forms, true
		default:
			return nil, fmt.Errorf("back.%s is neither a text nor a table", key)
		}
	}
	return out, nil
}

// WithMessage is the file's text with key's plural forms replaced by forms
// (every form the key had and forms lacks is removed) and, unless back is
// nil, its back-translation replaced (back: "other", and "one" where
// English says it differently of one pupil). The rest of the file
// (comments, the order of keys, the other texts) is kept as it was, so the
// file can go back into the project as a diff a translator can read.
func WithMessage(raw []byte, key string, forms, back map[string]string) ([]byte, error) {
	if !keyRE(key) {
		return nil, fmt.Errorf("%q is not a message key", key)
	}
	if len(forms) == 0 {
		return nil, fmt.Errorf("%s: no text given", key)
	}
	for f := range forms {
		if !isPluralForm(f) {
			return nil, fmt.Errorf("%s: unknown plural form %q", key, f)
		}
	}
	for f := range back {
		if f != "one" && f != "other" {
			return nil, fmt.Errorf("%s: a back-translation has a text for \"one\" pupil and for \"other\" counts, not %q", key, f)
		}
	}
	before, err := ReadFile(raw)
	if err != nil {
		return nil, err
	}
	if _, ok := before.Messages[key]; !ok {
		return nil, fmt.Errorf("the file has no message %s", key)
	}
	var lines []string
	for _, f := range pluralForms {
		if text, ok := forms[f]; ok {
			lines = append(lines, f+" = "+Quote(text))
		}
	}
	out, err := replaceTable(string(raw), "messages."+key, func(string) bool { return true }, lines)
	if err != nil {
		return nil, err
	}
	if back != nil {
		var blines []string
		for _, f := range []string{"one", "other"} {
			if text, ok := back[f]; ok {
				blines = append(blines, f+" = "+Quote(text))
			}
		}
		switch {
		case before.BackTable[key]:
			out, err = replaceTable(out, "back."+key, func(string) bool { return true }, blines)
		case len(back) == 1 && hasKey(back, "other"):
			out, err = replaceTable(out, "back", func(line string) bool { return assigns(line, key) }, []string{key + " = " + Quote(back["other"])})
		default:
			// One text becomes a table: the line goes, the table comes last.
			if out, err = replaceTable(out, "back", func(line string) bool { return assigns(line, key) }, nil); err == nil {
				out = strings.TrimRight(out, "\n") + "\n\n[back." + key + "]\n" + strings.Join(blines, "\n") + "\n"
			}
		}
		if err != nil {
			return nil, err
		}
	}
	// The edit is textual; make sure it says what was meant.
	got, err := ReadFile([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("the edited file does not read back: %w", err)
	}
	if !maps.Equal(got.Messages[key], forms) || (back != nil && !maps.Equal(got.Back[key], back)) {
		return nil, errors.New("the file's layout is not one nabij can edit")
	}
	return []byte(out), nil
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// WithReview is the file's text with its meta saying it was reviewed by
// name on day, or (name "") that it is a draft again.
func WithReview(raw []byte, name string, day time.Time) ([]byte, error) {
	name = strings.TrimSpace(name)
	review, on := ReviewReviewed, day.Format(time.DateOnly)
	if name == "" {
		review, on = ReviewDraft, ""
	}
	text := string(raw)
	var err error
	for _, kv := range [][2]string{{"review", review}, {"reviewed_by", name}, {"reviewed_on", on}} {
		text, err = replaceTable(text, "meta", func(line string) bool { return assigns(line, kv[0]) }, []string{kv[0] + " = " + Quote(kv[1])})
		if err != nil {
			return nil, err
		}
	}
	got, err := ReadFile([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("the edited file does not read back: %w", err)
	}
	if got.Language.Review != review || got.Language.ReviewedBy != name || got.Language.ReviewedOn != on {
		return nil, errors.New("the file's layout is not one nabij can edit")
	}
	return []byte(text), nil
}

// replaceTable replaces, in the TOML table [name], the lines drop selects
// with lines: where the first of them stood, or at the end of the table's
// assignments when none did. Comments and blank lines are kept.
func replaceTable(text, name string, drop func(line string) bool, lines []string) (string, error) {
	src := strings.Split(text, "\n")
	start := -1
	for i, l := range src {
		if strings.TrimSpace(l) == "["+name+"]" {
			start = i
			break
		}
	}
	if start < 0 {
		return "", fmt.Errorf("the file has no [%s] table", name)
	}
	end := len(src)
	for i := start + 1; i < len(src); i++ {
		if strings.HasPrefix(strings.TrimSpace(src[i]), "[") {
			end = i
			break
		}
	}
	var out []string
	out = append(out, src[:start+1]...)
	placed := false
	lastAssign := start
	var body []string
	for _, l := range src[start+1 : end] {
		t := strings.TrimSpace(l)
		isAssign := t != "" && !strings.HasPrefix(t, "#")
		if isAssign && strings.Contains(t, `"""`) || isAssign && strings.Contains(t, `'''`) {
			return "", fmt.Errorf("[%s] has a multi-line string, which nabij does not edit", name)
		}
		if isAssign && drop(t) {
			if !placed {
				body = append(body, lines...)
				placed = true
				lastAssign = start + len(body)
			}
			continue
		}
		body = append(body, l)
		if isAssign {
			lastAssign = start + len(body)
		}
	}
	if !placed {
		i := lastAssign - start
		body = append(body[:i], append(append([]string(nil), lines...), body[i:]...)...)
	}
	out = append(out, body...)
	out = append(out, src[end:]...)
	return strings.Join(out, "\n"), nil
}

// assigns reports whether a TOML line assigns key.
func assigns(line, key string) bool {
	k, _, ok := strings.Cut(line, "=")
	return ok && strings.Trim(strings.TrimSpace(k), `"`) == key
}

func keyRE(key string) bool {
	if key == "" {
		return false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// Quote writes s as a TOML basic string: quotes, backslashes and control
// characters escaped, everything else (every script, the Unicode isolates)
// as it is.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
