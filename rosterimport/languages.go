package rosterimport

import (
	"strings"

	"github.com/nabij-isk/nabij/school"
)

// languageNames are the language names staff type, in Dutch or English
// (folded: lower case, no accents), by BCP 47 tag. Names are tried before
// tags because no name of four letters or more is a tag, so a name is never
// misread as one.
var languageNames = func() map[string]string {
	m := map[string]string{}
	for _, l := range []struct {
		tag   string
		names []string
	}{
		{"nl", []string{"nederlands", "dutch", "vlaams"}},
		{"en", []string{"engels", "english"}},
		{"ar", []string{"arabisch", "arabic"}},
		{"ti", []string{"tigrinya", "tigrinja", "tigrijnya", "tigrinia"}},
		{"am", []string{"amhaars", "amharic", "amhaarse"}},
		{"fa-AF", []string{"dari"}},
		{"fa", []string{"perzisch", "farsi", "persian"}},
		{"ps", []string{"pasjtoe", "pasjtoes", "pashto", "pashtu", "pasjto"}},
		{"so", []string{"somalisch", "somali"}},
		{"ku", []string{"koerdisch", "kurdish", "kurmanji", "kurmandji"}},
		{"ckb", []string{"sorani"}},
		{"tr", []string{"turks", "turkish"}},
		{"pl", []string{"pools", "polish"}},
		{"uk", []string{"oekraiens", "ukrainian"}},
		{"ru", []string{"russisch", "russian"}},
		{"ro", []string{"roemeens", "romanian", "moldavisch"}},
		{"bg", []string{"bulgaars", "bulgarian"}},
		{"lt", []string{"litouws", "lithuanian"}},
		{"fr", []string{"frans", "french"}},
		{"es", []string{"spaans", "spanish"}},
		{"pt", []string{"portugees", "portuguese"}},
		{"id", []string{"indonesisch", "indonesian"}},
		{"tig", []string{"tigre"}},
		{"om", []string{"oromo", "afaan oromo"}},
		{"ur", []string{"urdu"}},
		{"de", []string{"duits", "german"}},
		{"it", []string{"italiaans", "italian"}},
		{"hu", []string{"hongaars", "hungarian"}},
		{"lv", []string{"lets", "latvian"}},
		{"sq", []string{"albanees", "albanian"}},
		{"sr", []string{"servisch", "serbian"}},
		{"hr", []string{"kroatisch", "croatian"}},
		{"bs", []string{"bosnisch", "bosnian"}},
		{"el", []string{"grieks", "greek"}},
		{"hy", []string{"armeens", "armenian"}},
		{"ka", []string{"georgisch", "georgian"}},
		{"zh", []string{"chinees", "chinese", "mandarijn", "mandarin"}},
		{"vi", []string{"vietnamees", "vietnamese"}},
		{"sw", []string{"swahili"}},
		{"hi", []string{"hindi"}},
		{"bn", []string{"bengaals", "bengali"}},
		{"ta", []string{"tamil"}},
		{"cs", []string{"tsjechisch", "czech"}},
		{"sk", []string{"slowaaks", "slovak"}},
	} {
		for _, n := range l.names {
			m[n] = l.tag
		}
	}
	return m
}()

// parseLanguage reads the taal column: a language name or a BCP 47 tag, or
// two of them ("Tigrinya/Engels"), the second being the contact's
// SecondLanguage, tried when nabij has no messages in the first. Empty means
// Dutch, which Roster.Normalize fills in.
func parseLanguage(s string) (first, second string, err error) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == ',' || r == ';' || r == '+' })
	if len(parts) > 2 {
		return "", "", school.Problemf("language_too_many", map[string]string{"Value": s}, "%q names more than two languages; give the best one, and at most one more after a /", s)
	}
	tags := make([]string, 0, 2)
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		tag, err := languageTag(p)
		if err != nil {
			return "", "", err
		}
		tags = append(tags, tag)
	}
	switch len(tags) {
	case 0:
		return "", "", nil
	case 1:
		return tags[0], "", nil
	}
	if tags[0] == tags[1] {
		return tags[0], "", nil
	}
	return tags[0], tags[1], nil
}

func languageTag(s string) (string, error) {
	if tag, ok := languageNames[strings.Join(strings.Fields(fold(s)), " ")]; ok {
		return tag, nil
	}
	tag, err := school.NormalizeLanguage(s)
	if err != nil {
		return "", school.Problemf("language_unknown", map[string]string{"Value": s}, "%q is not a language nabij knows; write its name (such as Tigrinya, Arabisch, Dari) or a code such as ti, ar, fa-AF", s)
	}
	return tag, nil
}
