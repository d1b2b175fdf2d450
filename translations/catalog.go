package translations

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed messages/*.toml
var embedded embed.FS

// BaseLanguage is the language whose keys and placeholders every other file
// must match. It is English rather than Dutch because the spec, the
// back-translations and most translators work from English.
const BaseLanguage = "en"

// FallbackLanguage is the school's own language. The package never falls back
// to it by itself; it is exported so callers that choose to send in Dutch
// name the same language the bundle was built with.
const FallbackLanguage = "nl"

// Review states a file may declare. Anything else is refused, so a typo such
// as "reviewd" cannot make a draft look trustworthy.
const (
	ReviewDraft    = "draft"
	ReviewReviewed = "reviewed"
)

// Language describes one translation file.
type Language struct {
	Tag         string `json:"tag"`  // BCP 47 tag, equal to the file name without .toml
	Name        string `json:"name"` // endonym, as the family would write it
	EnglishName string `json:"english_name"`
	Direction   string `json:"direction"` // "ltr" or "rtl"
	Review      string `json:"review"`    // ReviewDraft or ReviewReviewed
	ReviewedBy  string `json:"reviewed_by"`
	ReviewedOn  string `json:"reviewed_on"` // YYYY-MM-DD
	Note        string `json:"note"`
	// Gender says the language marks the pupil's gender in a sentence about
	// one pupil (Tigrinya, Amharic, Arabic verbs…): its messages about one
	// pupil then have a feminine and a masculine variant (KEY_f, KEY_m)
	// beside the neutral KEY, used when the roster does not say.
	Gender bool `json:"gender"`
}

// Genders of a pupil, as the roster gives them; "" is not known.
const (
	Female = "f"
	Male   = "m"
)

// genderKey is the variant of key for gender: "alert_absent_f".
func genderKey(key, gender string) string { return key + "_" + gender }

// baseOfVariant is the key a gender variant belongs to, or "" when key is
// none: "alert_absent_f" → "alert_absent".
func baseOfVariant(key string) (base, gender string) {
	for _, g := range []string{Female, Male} {
		if b, ok := strings.CutSuffix(key, "_"+g); ok {
			return b, g
		}
	}
	return "", ""
}

// Catalog is a loaded, validated set of translation files. It is safe for
// concurrent use once loaded.
type Catalog struct {
	langs   map[string]*entry
	keys    []string        // base-language keys, sorted
	plural  map[string]bool // keys whose base form varies with the count
	bundle  *i18n.Bundle
	tags    []language.Tag // supported tags, same order as supported
	support []string       // supported tag strings, sorted
	matcher language.Matcher
}

type entry struct {
	lang     Language
	tag      language.Tag
	messages map[string]map[string]string // key -> plural form -> text
	// back is the English back-translation: key -> form -> text, the forms
	// "one" (about one pupil) and "other" (about several, or any count).
	back      map[string]map[string]string
	localizer *i18n.Localizer
}

// fileData mirrors the TOML layout; messages are decoded as plain maps so a
// misspelt plural form shows up as an unknown name instead of vanishing.
type fileData struct {
	Meta struct {
		Language    string `toml:"language"`
		Name        string `toml:"name"`
		EnglishName string `toml:"english_name"`
		Direction   string `toml:"direction"`
		Review      string `toml:"review"`
		ReviewedBy  string `toml:"reviewed_by"`
		ReviewedOn  string `toml:"reviewed_on"`
		Note        string `toml:"note"`
		Gender      bool   `toml:"gender"`
	} `toml:"meta"`
	Messages map[string]map[string]string `toml:"messages"`
	// Back is a key's English back-translation: a text, or a table with a
	// text for "one" pupil and for "other" counts where the English differs
	// ("Amanuel T. is at school" / "Amanuel T. and Sara H. are").
	Back map[string]toml.Primitive `toml:"back"`
}

// pluralForms are the CLDR category names go-i18n understands, in CLDR order.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// Load returns the catalog of the files embedded in the binary.
//
// The files are read once per process and the catalog shared: a catalog
// is never changed once loaded (a school's own wording makes a new one,
// LoadWith), and the tests start hundreds of services in one process.
func Load() (*Catalog, error) {
	loaded.once.Do(func() {
		sub, err := fs.Sub(embedded, "messages")
		if err != nil {
			loaded.err = err
			return
		}
		loaded.c, loaded.err = LoadFS(sub)
	})
	return loaded.c, loaded.err
}

// loaded is the embedded catalog, read by the first Load.
var loaded struct {
	once sync.Once
	c    *Catalog
	err  error
}

// LoadFS loads every *.toml file at the root of fsys. It exists for tests and
// for a school's own files later; it applies exactly the same checks as Load.
// The base language (en) must be present, since it defines the keys.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	c := &Catalog{
		langs:  make(map[string]*entry),
		plural: make(map[string]bool),
		// Dutch is the school's language; go-i18n needs a default, but Render
		// checks the tag it got back, so the default is never used silently.
		bundle: i18n.NewBundle(language.Dutch),
	}
	var errs []error
	for _, name := range names {
		e, err := loadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("translations: %s: %w", name, err))
			continue
		}
		c.langs[e.lang.Tag] = e
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	base, ok := c.langs[BaseLanguage]
	if !ok {
		return nil, fmt.Errorf("translations: base language file %s.toml is missing", BaseLanguage)
	}
	for key, forms := range base.messages {
		c.keys = append(c.keys, key)
		// A key is plural when English distinguishes forms; languages without
		// plural inflection (e.g. Indonesian) then simply give only "other".
		_, hasOther := forms["other"]
		c.plural[key] = !(len(forms) == 1 && hasOther)
	}
	sort.Strings(c.keys)

	for tag := range c.langs {
		c.support = append(c.support, tag)
	}
	sort.Strings(c.support)
	for _, tag := range c.support {
		e := c.langs[tag]
		msgs := make([]*i18n.Message, 0, len(e.messages))
		for key, forms := range e.messages {
			msgs = append(msgs, &i18n.Message{
				ID:    key,
				Zero:  forms["zero"],
				One:   forms["one"],
				Two:   forms["two"],
				Few:   forms["few"],
				Many:  forms["many"],
				Other: forms["other"],
			})
		}
		// AddMessages fails for a tag go-i18n has no plural rule for; that is
		// a real problem (counts could not be rendered), so it is not ignored.
		if err := c.bundle.AddMessages(e.tag, msgs...); err != nil {
			return nil, fmt.Errorf("translations: %s.toml: %w", tag, err)
		}
		e.localizer = i18n.NewLocalizer(c.bundle, tag)
		c.tags = append(c.tags, e.tag)
	}
	c.matcher = language.NewMatcher(c.tags)
	return c, nil
}

func loadFile(fsys fs.FS, name string) (*entry, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var f fileData
	md, err := toml.Decode(string(raw), &f)
	if err != nil {
		return nil, err
	}
	m := f.Meta
	want := strings.TrimSuffix(path.Base(name), ".toml")
	if m.Language != want {
		return nil, fmt.Errorf("meta.language %q does not match the file name (want %q)", m.Language, want)
	}
	tag, err := language.Parse(m.Language)
	if err != nil {
		return nil, fmt.Errorf("meta.language %q: %w", m.Language, err)
	}
	// Only canonical tags, so "fa-af.toml" or "in.toml" cannot sit next to
	// fa-AF and id as a second, silently shadowed copy.
	if tag.String() != m.Language {
		return nil, fmt.Errorf("meta.language %q is not canonical; use %q", m.Language, tag.String())
	}
	if m.Direction != "ltr" && m.Direction != "rtl" {
		return nil, fmt.Errorf("meta.direction %q: want \"ltr\" or \"rtl\"", m.Direction)
	}
	switch m.Review {
	case ReviewDraft:
	case ReviewReviewed:
		// "reviewed" is a claim staff will rely on; it must say by whom and when.
		if strings.TrimSpace(m.ReviewedBy) == "" {
			return nil, errors.New("meta.review is \"reviewed\" but meta.reviewed_by is empty")
		}
		if _, err := time.Parse(time.DateOnly, m.ReviewedOn); err != nil {
			return nil, fmt.Errorf("meta.reviewed_on %q: want YYYY-MM-DD", m.ReviewedOn)
		}
	default:
		return nil, fmt.Errorf("meta.review %q: want %q or %q", m.Review, ReviewDraft, ReviewReviewed)
	}
	if m.Name == "" || m.EnglishName == "" {
		return nil, errors.New("meta.name and meta.english_name are required")
	}
	for key, forms := range f.Messages {
		if len(forms) == 0 {
			return nil, fmt.Errorf("messages.%s has no forms", key)
		}
		for form, text := range forms {
			if !isPluralForm(form) {
				return nil, fmt.Errorf("messages.%s: unknown plural form %q", key, form)
			}
			// Parse now so a broken template fails at start-up, not in the
			// middle of the morning's alerts.
			if _, err := template.New(key).Parse(text); err != nil {
				return nil, fmt.Errorf("messages.%s.%s: %w", key, form, err)
			}
		}
	}
	back := make(map[string]map[string]string, len(f.Back))
	for key, prim := range f.Back {
		var text string
		if err := md.PrimitiveDecode(prim, &text); err == nil {
			back[key] = map[string]string{"other": text}
			continue
		}
		var forms map[string]string
		if err := md.PrimitiveDecode(prim, &forms); err != nil {
			return nil, fmt.Errorf("back.%s: want a text, or a table of \"one\" and \"other\"", key)
		}
		for form := range forms {
			if form != "one" && form != "other" {
				return nil, fmt.Errorf("back.%s.%s: a back-translation has a text for \"one\" pupil and for \"other\" counts", key, form)
			}
		}
		back[key] = forms // a table without "other" is for Check to report
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("unknown fields %v", und)
	}
	return &entry{
		lang: Language{
			Tag:         m.Language,
			Name:        m.Name,
			EnglishName: m.EnglishName,
			Direction:   m.Direction,
			Review:      m.Review,
			ReviewedBy:  m.ReviewedBy,
			ReviewedOn:  m.ReviewedOn,
			Note:        m.Note,
			Gender:      m.Gender,
		},
		tag:      tag,
		messages: f.Messages,
		back:     back,
	}, nil
}

func isPluralForm(s string) bool {
	for _, f := range pluralForms {
		if f == s {
			return true
		}
	}
	return false
}

// Languages returns every loaded language, sorted by tag.
func (c *Catalog) Languages() []Language {
	out := make([]Language, 0, len(c.support))
	for _, tag := range c.support {
		out = append(out, c.langs[tag].lang)
	}
	return out
}

// Language returns the metadata of a loaded language. tag must be exact (use
// Match first for a family's tag).
func (c *Catalog) Language(tag string) (Language, bool) {
	e, ok := c.langs[tag]
	if !ok {
		return Language{}, false
	}
	return e.lang, true
}

// Keys returns the message keys of the base language, sorted.
func (c *Catalog) Keys() []string {
	return append([]string(nil), c.keys...)
}

// IsPlural reports whether key takes a count in Render.
func (c *Catalog) IsPlural(key string) bool {
	return c.plural[key]
}

// BackTranslation returns the English back-translation of key in tag, or ""
// when the file has none: the text for any count ("other").
func (c *Catalog) BackTranslation(tag, key string) string {
	return c.BackTranslationFor(tag, key, -1, "")
}

// BackTranslationFor is the back-translation of what a family read: of the
// gender variant the message used (when the file has one for it), for one
// pupil or for several. count < 0 means any count.
func (c *Catalog) BackTranslationFor(tag, key string, count int, gender string) string {
	e, ok := c.langs[tag]
	if !ok {
		return ""
	}
	forms := e.back[key]
	if v := c.variant(e, key, count, gender); v != key {
		if f, ok := e.back[v]; ok {
			forms = f
		}
	}
	if count == 1 && forms["one"] != "" {
		return forms["one"]
	}
	return forms["other"]
}

// variant is the message key a text about count pupils of gender uses in
// e: the gender variant for one pupil whose gender is known, when the
// language has it; otherwise key itself (the neutral wording).
func (c *Catalog) variant(e *entry, key string, count int, gender string) string {
	if count != 1 || (gender != Female && gender != Male) || !e.lang.Gender {
		return key
	}
	if _, ok := e.messages[genderKey(key, gender)]; ok {
		return genderKey(key, gender)
	}
	return key
}

// Direction returns "rtl" or "ltr" for tag. An unknown tag gets "ltr", the
// direction of the school's own language, because a caller laying out text
// needs some answer and Render will already have refused the tag.
func (c *Catalog) Direction(tag string) string {
	if e, ok := c.langs[tag]; ok {
		return e.lang.Direction
	}
	return "ltr"
}
