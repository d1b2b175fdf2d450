package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// Review by the school's own speakers: an admin gives a speaker of a
// family's language a reviewer's sign-in link for that one language; the
// reviewer corrects nabij's draft messages and marks the language
// reviewed. The school keeps the whole language file, corrected, in its
// store (translation_overrides), checked on save exactly as the embedded
// files are, and every message written after the save uses it.

// ReviewNames are the sample pupils the review page writes messages about.
var ReviewNames = []string{"Amanuel T.", "Sara H."}

// CreateReviewer adds a reviewer of one language, which must be one nabij
// writes in ("ti", or a tag it matches, such as "ti-ER").
func (s *Service) CreateReviewer(ctx context.Context, name, language string) (school.User, string, error) {
	var errs []school.FieldError
	name = strings.TrimSpace(name)
	if name == "" {
		errs = append(errs, school.FieldError{Field: "name", Message: "a name is required"})
	}
	tag, ok := "", false
	if strings.TrimSpace(language) == "" {
		errs = append(errs, school.FieldError{Field: "language", Message: "a reviewer needs the language they review"})
	} else if tag, ok = s.Translations.Match(strings.TrimSpace(language)); !ok {
		var tags []string
		for _, l := range s.Translations.Languages() {
			tags = append(tags, l.Tag)
		}
		errs = append(errs, school.FieldError{Field: "language", Message: fmt.Sprintf("nabij has no messages in %q; one of %s", language, strings.Join(tags, ", "))})
	}
	if len(errs) > 0 {
		return school.User{}, "", &school.ValidationError{Details: errs}
	}
	token := newToken()
	u := school.User{Name: name, Role: school.RoleReviewer, Language: tag, TokenHash: HashToken(token)}
	if err := s.Store.Update(func(tx *store.Tx) error { return tx.PutUser(&u) }); err != nil {
		return school.User{}, "", err
	}
	return u, token, nil
}

// LoadTranslationOverrides puts the school's own files in force, at start.
// A file this nabij cannot use (the embedded English gained a key since it
// was saved, say) is left out, its language written in nabij's own wording,
// and named in the answer; the rest are used.
func (s *Service) LoadTranslationOverrides(log *slog.Logger) ([]string, error) {
	var all []store.TranslationOverride
	if err := s.Store.View(func(tx *store.Tx) error {
		var err error
		all, err = tx.TranslationOverrides()
		return err
	}); err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, nil
	}
	files := map[string][]byte{}
	var skipped []string
	for _, o := range all {
		if _, err := translations.CheckWith(o.Language, map[string][]byte{o.Language: []byte(o.TOML)}); err != nil {
			skipped = append(skipped, o.Language)
			// The reasons quote the file's texts: counted here, read with
			// `nabij translations export` and `nabij translations check`.
			problems := 1
			var refused *translations.RefusedError
			if errors.As(err, &refused) {
				problems = len(refused.Problems)
			}
			log.Warn("the school's own wording of a language cannot be used; nabij's own is", "language", o.Language, "problems", problems)
			continue
		}
		files[o.Language] = []byte(o.TOML)
	}
	c, err := translations.LoadWith(files)
	if err != nil {
		return skipped, err
	}
	s.Translations.Swap(c)
	log.Info("the school's own wording in force", "languages", len(files))
	return skipped, nil
}

// RefreshTranslationOverrides puts in force what another replica saved:
// the school's files are read, and loaded again when one was saved or
// removed since they were last put in force here. With one process (bbolt)
// a save is in force at once and this is not needed; with replicas
// (PostgreSQL) each calls it every few seconds.
func (s *Service) RefreshTranslationOverrides(ctx context.Context, log *slog.Logger) error {
	var all []store.TranslationOverride
	if err := s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var err error
		all, err = tx.TranslationOverrides()
		return err
	}); err != nil {
		return fmt.Errorf("refresh translations: %w", err)
	}
	seen := overridesStamp(all)
	s.translationsMu.Lock()
	defer s.translationsMu.Unlock()
	if seen == s.overridesSeen {
		return nil
	}
	if _, err := s.LoadTranslationOverrides(log); err != nil {
		return fmt.Errorf("refresh translations: %w", err)
	}
	s.overridesSeen = seen
	return nil
}

// overridesStamp names the school's files as saved: language and time.
func overridesStamp(all []store.TranslationOverride) string {
	var b strings.Builder
	for _, o := range all {
		fmt.Fprintf(&b, "%s@%s;", o.Language, o.At.UTC().Format(time.RFC3339Nano))
	}
	return b.String()
}

// ReviewView is the review page of one language.
type ReviewView struct {
	Language translations.Language // as in force
	School   string
	// Own is when the school's own wording was last saved, and by whom;
	// nil while the language is nabij's draft.
	Own      *store.TranslationOverride
	OwnBy    string // the name of the user Own.By
	Messages []ReviewMessage
}

// ReviewMessage is one message of the language: as a phone shows it, beside
// English, and its texts to correct.
type ReviewMessage struct {
	Key     string
	Gender  string // "f" or "m" for a gender variant (KEY_f), else ""
	Samples []ReviewSample
	Forms   []ReviewText // the plural forms as the file has them
	Back    []ReviewText // the back-translation: "other", and "one" when the file gives one
	// Error is why a correction of this message was refused, for the page.
	Error []string
}

// ReviewSample is the message about a number of pupils (0: a message with
// no count).
type ReviewSample struct {
	Pupils   int
	Text     string
	English  string
	Back     string
	Encoding string
	Segments int
}

// ReviewText is one text of a message's file entry.
type ReviewText struct {
	Form string
	Text string
}

func (s *Service) mustReview(u school.User) (string, error) {
	if u.Role != school.RoleReviewer || u.Language == "" {
		return "", fmt.Errorf("%w: for the reviewer of a language", school.ErrForbidden)
	}
	return u.Language, nil
}

// currentFile is the school's file of lang, or the embedded one.
func currentFile(tx *store.Tx, lang string) ([]byte, *store.TranslationOverride, error) {
	o, ok, err := tx.TranslationOverride(lang)
	if err != nil {
		return nil, nil, err
	}
	if ok {
		return []byte(o.TOML), o, nil
	}
	raw, err := translations.EmbeddedFile(lang)
	return raw, nil, err
}

// Review is the review page of u's language.
func (s *Service) Review(ctx context.Context, u school.User) (_ *ReviewView, err error) {
	defer failed(&err, "review by %s", u.ID)
	lang, err := s.mustReview(u)
	if err != nil {
		return nil, err
	}
	var raw []byte
	v := &ReviewView{School: s.Planner.Renderer.School}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var err error
		if raw, v.Own, err = currentFile(tx, lang); err != nil || v.Own == nil {
			return err
		}
		if by, ok, err := tx.User(v.Own.By); err == nil && ok {
			v.OwnBy = by.Name
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	file, err := translations.ReadFile(raw)
	if err != nil {
		return nil, err
	}
	cat := s.Translations.Catalog() // one catalog for the whole page
	meta, ok := cat.Language(lang)
	if !ok {
		return nil, school.NotFound("language %s", lang)
	}
	v.Language = meta
	for _, key := range cat.Keys() {
		v.Messages = append(v.Messages, s.reviewMessage(cat, lang, key, "", file))
		for _, g := range []string{translations.Female, translations.Male} {
			if _, ok := file.Messages[key+"_"+g]; ok {
				v.Messages = append(v.Messages, s.reviewMessage(cat, lang, key, g, file))
			}
		}
	}
	return v, nil
}

func (s *Service) reviewMessage(cat *translations.Catalog, lang, key, gender string, file *translations.FileMessages) ReviewMessage {
	fileKey := key
	if gender != "" {
		fileKey = key + "_" + gender
	}
	m := ReviewMessage{Key: fileKey, Gender: gender}
	counts := []int{-1}
	switch {
	case gender != "":
		counts = []int{1}
	case cat.IsPlural(key):
		counts = []int{1, 2}
	}
	for _, n := range counts {
		names := ReviewNames
		if n == 1 {
			names = ReviewNames[:1]
		}
		sample := ReviewSample{Pupils: max(n, 0)}
		data, en := s.reviewData(cat, lang, names), s.reviewData(cat, translations.BaseLanguage, names)
		text, err := cat.RenderGender(lang, key, gender, data, n)
		if err != nil {
			text = err.Error()
		}
		sample.Text = text
		sample.Encoding, sample.Segments = translations.Segments(text)
		if sample.English, err = cat.Render(translations.BaseLanguage, key, en, n); err != nil {
			sample.English = err.Error()
		}
		sample.Back = cat.RenderBackFor(lang, key, en, n, gender)
		m.Samples = append(m.Samples, sample)
	}
	forms := file.Messages[fileKey]
	for _, f := range []string{"zero", "one", "two", "few", "many", "other"} {
		if text, ok := forms[f]; ok {
			m.Forms = append(m.Forms, ReviewText{Form: f, Text: text})
		}
	}
	back := file.Back[fileKey]
	if file.BackTable[fileKey] {
		m.Back = append(m.Back, ReviewText{Form: "one", Text: back["one"]})
	}
	m.Back = append(m.Back, ReviewText{Form: "other", Text: back["other"]})
	return m
}

// reviewData are the values a message is written with on the review page:
// the school's name and the sample pupils, joined and listed as lang does.
func (s *Service) reviewData(cat *translations.Catalog, lang string, names []string) map[string]any {
	joined, err := cat.JoinNames(lang, names)
	if err != nil {
		joined = strings.Join(names, ", ")
	}
	codes := make([]string, len(names))
	for i := range names {
		codes[i] = fmt.Sprint(11 + i)
	}
	options, err := cat.OptionList(lang, codes, names)
	if err != nil {
		options = ""
	}
	return map[string]any{"School": s.Planner.Renderer.School, "Names": joined, "Options": options,
		"Rest": strings.Join(names[:len(names)-1], ", "), "Last": names[len(names)-1]}
}

// ErrUnchanged is a correction that says what the file says already.
var ErrUnchanged = errors.New("nothing changed")

// CorrectTranslation saves a reviewer's correction of one message of their
// language: its plural forms and, when back is not nil, its English
// back-translation. The language file with the correction must load and
// pass every check the embedded files pass; otherwise nothing changes and
// the error is a *translations.RefusedError with every reason. A
// correction makes a reviewed language a draft again, until it is marked
// reviewed once more.
func (s *Service) CorrectTranslation(ctx context.Context, u school.User, key string, forms, back map[string]string) (err error) {
	defer failed(&err, "correct translation %s by %s", key, u.ID)
	lang, err := s.mustReview(u)
	if err != nil {
		return err
	}
	return s.saveTranslation(ctx, u, lang, func(raw []byte, file *translations.FileMessages) ([]byte, error) {
		if _, ok := file.Messages[key]; !ok {
			return nil, school.NotFound("message %s in %s", key, lang)
		}
		out, err := translations.WithMessage(raw, key, forms, back)
		if err != nil {
			return nil, &translations.RefusedError{Tag: lang, Problems: []string{err.Error()}}
		}
		if string(out) != string(raw) && file.Language.Review == translations.ReviewReviewed {
			return translations.WithReview(out, "", s.Now())
		}
		return out, nil
	})
}

// MarkReviewed marks u's language reviewed by u, today, in the school's
// own file of it.
func (s *Service) MarkReviewed(ctx context.Context, u school.User) (err error) {
	defer failed(&err, "mark reviewed by %s", u.ID)
	lang, err := s.mustReview(u)
	if err != nil {
		return err
	}
	return s.saveTranslation(ctx, u, lang, func(raw []byte, _ *translations.FileMessages) ([]byte, error) {
		return translations.WithReview(raw, u.Name, s.Now().In(s.Location))
	})
}

// saveTranslation edits the school's file of lang, checks it with every
// other file in force, keeps it and puts the catalog in force: all of it,
// or (an error) nothing.
func (s *Service) saveTranslation(ctx context.Context, u school.User, lang string, edit func([]byte, *translations.FileMessages) ([]byte, error)) error {
	s.translationsMu.Lock()
	defer s.translationsMu.Unlock()
	var next *translations.Catalog
	err := s.Store.UpdateContext(ctx, func(tx *store.Tx) error {
		raw, _, err := currentFile(tx, lang)
		if err != nil {
			return err
		}
		file, err := translations.ReadFile(raw)
		if err != nil {
			return err
		}
		out, err := edit(raw, file)
		if err != nil {
			return err
		}
		if string(out) == string(raw) {
			return ErrUnchanged
		}
		all, err := tx.TranslationOverrides()
		if err != nil {
			return err
		}
		files := map[string][]byte{lang: out}
		for _, o := range all {
			if o.Language != lang {
				files[o.Language] = []byte(o.TOML)
			}
		}
		if next, err = translations.CheckWith(lang, files); err != nil {
			return err
		}
		return tx.PutTranslationOverride(&store.TranslationOverride{Language: lang, TOML: string(out), By: u.ID, At: s.Now()})
	})
	if err != nil {
		return err
	}
	s.Translations.Swap(next)
	return nil
}

// TranslationFile is the school's own file of lang (a tag nabij matches),
// or the embedded one when the school has none: the file to bring back
// into the project.
func (s *Service) TranslationFile(ctx context.Context, lang string) (_ string, _ []byte, _ *store.TranslationOverride, err error) {
	defer failed(&err, "translation file %s", lang)
	tag, ok := s.Translations.Match(lang)
	if !ok || !slices.ContainsFunc(s.Translations.Languages(), func(l translations.Language) bool { return l.Tag == tag }) {
		return "", nil, nil, school.NotFound("nabij has no messages in %q", lang)
	}
	var raw []byte
	var o *store.TranslationOverride
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		var err error
		raw, o, err = currentFile(tx, tag)
		return err
	})
	return tag, raw, o, err
}
