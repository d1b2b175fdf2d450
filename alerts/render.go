package alerts

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/nabij-isk/nabij/translations"

	"github.com/nabij-isk/nabij/school"
)

// Catalog is what rendering needs of the translations.
type Catalog interface {
	Match(tag string) (string, bool)
	Render(tag, key string, data map[string]any, count int) (string, error)
	// RenderGender is Render about pupils of a known gender ("f", "m", or
	// "" when the roster does not say).
	RenderGender(tag, key, gender string, data map[string]any, count int) (string, error)
	JoinNames(tag string, names []string) (string, error)
	// OptionList writes a question's options ("11 = Amanuel T.") as the
	// language lists them, isolated in a right-to-left language.
	OptionList(tag string, codes, names []string) (string, error)
	// BackTranslation is the English of what a key says in tag, with the
	// same placeholders: what a family actually read.
	RenderBack(tag, key string, data map[string]any) string
	// RenderBackFor is the back-translation of the text a family read
	// about count pupils of gender.
	RenderBackFor(tag, key string, data map[string]any, count int, gender string) string
	// Language is a language's meta: its direction and review state.
	Language(tag string) (translations.Language, bool)
}

// FallbackLanguage is sent when nabij has no messages in a contact's languages.
const FallbackLanguage = "nl"

// Renderer writes a message's body in its contact's language.
type Renderer struct {
	Catalog Catalog
	School  string // the name messages are signed with
	// ReplyHint appends "answer 1 or 2" to alerts; on only where replies are handled.
	ReplyHint bool
}

// Language picks the language a contact is written to in: their own, their
// second, or Dutch (fallback true).
func (r *Renderer) Language(c school.Contact) (tag string, fallback bool) {
	for _, want := range []string{c.Language, c.SecondLanguage} {
		if want == "" {
			continue
		}
		if tag, ok := r.Catalog.Match(want); ok {
			return tag, false
		}
	}
	return FallbackLanguage, true
}

// Render sets m.Body from its template, language and the pupils' names.
func (r *Renderer) Render(m *Message, names []string) error {
	return r.RenderPupils(m, names, nil)
}

// RenderPupils is Render with the pupils' genders (as the roster gives
// them, "" when it does not): a language that marks gender speaks of one
// pupil as she or he, or in its neutral wording.
func (r *Renderer) RenderPupils(m *Message, names, genders []string) error {
	gender := ""
	if len(names) == 1 && len(genders) == 1 {
		gender = genders[0]
	}
	joined, err := r.Catalog.JoinNames(m.Language, names)
	if err != nil {
		return fmt.Errorf("render %s: %w", m.Template, err)
	}
	data := map[string]any{"School": r.School, "Names": joined}
	var codes, optionNames []string
	if len(m.Options) > 0 {
		codes, optionNames = options(m.Options, m.Students, names)
		if data["Options"], err = r.Catalog.OptionList(m.Language, codes, optionNames); err != nil {
			return fmt.Errorf("render %s: %w", m.Template, err)
		}
	}
	var body, back string
	if len(m.Late) > 0 {
		body, back, err = r.morning(m, names, genders)
	} else {
		body, err = r.Catalog.RenderGender(m.Language, m.Template, gender, data, len(names))
		back = r.back(m.Language, m.Template, data, names, codes, optionNames, gender)
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", m.Template, err)
	}
	if r.ReplyHint && m.Template == TemplateAbsent {
		hint, err := r.Catalog.Render(m.Language, "alert_reply_hint", nil, -1)
		if err != nil {
			return fmt.Errorf("render reply hint: %w", err)
		}
		body += " " + hint
		back += " " + r.back(m.Language, "alert_reply_hint", data, names, nil, nil, "")
	}
	m.Body, m.Back = body, strings.TrimSpace(back)
	if meta, ok := r.Catalog.Language(m.Language); ok {
		m.Direction, m.Review = meta.Direction, meta.Review
	}
	m.names = joined
	return nil
}

// back renders the English back-translation of key in lang with the same
// data, names and options written the English way, so staff see what the
// family read.
func (r *Renderer) back(lang, key string, data map[string]any, names, codes, optionNames []string, gender string) string {
	en := map[string]any{}
	for k, v := range data {
		en[k] = v
	}
	if joined, err := r.Catalog.JoinNames("en", names); err == nil {
		en["Names"] = joined
	}
	if len(codes) > 0 {
		if list, err := r.Catalog.OptionList("en", codes, optionNames); err == nil {
			en["Options"] = list
		}
	}
	count := len(names)
	if count == 0 {
		count = -1
	}
	return r.Catalog.RenderBackFor(lang, key, en, count, gender)
}

// options are a question's codes in order with the names they stand for.
func options(options map[string]string, students, names []string) (codes, optionNames []string) {
	name := map[string]string{}
	for i, id := range students {
		if i < len(names) {
			name[id] = names[i]
		}
	}
	for code := range options {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		optionNames = append(optionNames, name[options[code]])
	}
	return codes, optionNames
}

// morning writes a morning alert about absent and late pupils as one text:
// the absent message about the absent pupils, then the late message about
// the late ones without the greeting both begin with ("We miss Amanuel
// today. We hope all is well. Sara came to school late today. Just so you
// know."). It is composed of the two messages' own sentences in the
// contact's language, so that no new wording goes out unreviewed; where a
// language's two messages do not begin with the same sentence, the late
// message follows whole.
func (r *Renderer) morning(m *Message, names, genders []string) (body, back string, err error) {
	var absent, late [2][]string // names, genders
	for i, id := range m.Students {
		g := ""
		if i < len(genders) {
			g = genders[i]
		}
		k := &absent
		if slices.Contains(m.Late, id) {
			k = &late
		}
		k[0], k[1] = append(k[0], names[i]), append(k[1], g)
	}
	a, aBack, err := r.sentences(m.Language, TemplateAbsent, absent[0], absent[1])
	if err != nil {
		return "", "", err
	}
	l, lBack, err := r.sentences(m.Language, TemplateLate, late[0], late[1])
	if err != nil {
		return "", "", err
	}
	return a + " " + afterSharedGreeting(a, l), aBack + " " + afterSharedGreeting(aBack, lBack), nil
}

// sentences renders key about names in lang, with its back-translation.
func (r *Renderer) sentences(lang, key string, names, genders []string) (string, string, error) {
	gender := ""
	if len(genders) == 1 {
		gender = genders[0]
	}
	joined, err := r.Catalog.JoinNames(lang, names)
	if err != nil {
		return "", "", err
	}
	data := map[string]any{"School": r.School, "Names": joined}
	text, err := r.Catalog.RenderGender(lang, key, gender, data, len(names))
	if err != nil {
		return "", "", err
	}
	return text, r.back(lang, key, data, names, nil, nil, gender), nil
}

// sentenceEnds are the marks that end a sentence in the languages nabij
// writes in (Latin, Arabic, Ge'ez).
const sentenceEnds = ".!?؟።"

// afterSharedGreeting is b without the whole sentences it begins with in
// common with a (the greeting "Good morning from ISK De Brug."), or all of
// b when they share no whole sentence.
func afterSharedGreeting(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	cut := 0
	for i, c := range b[:n] {
		if strings.ContainsRune(sentenceEnds, c) {
			end := i + utf8.RuneLen(c)
			if end < n && (b[end] == ' ' || b[end] == '\n') {
				cut = end + 1
			}
		}
	}
	return b[cut:]
}
