package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/rosterimport"
	"github.com/nabij-isk/nabij/school"
)

// A roster file's bad rows on the admin page are in the admin's language:
// a Dutch page says in Dutch what is wrong with each cell (the API says it
// in English), and a problem the catalogue has no words for stays in
// English, marked so. (The page showed the API's English to a Dutch admin.)
func TestARostersBadRowsAreInTheAdminsLanguage(t *testing.T) {
	t.Parallel()
	res, err := rosterimport.ParseCSV(strings.NewReader(strings.Join([]string{
		"leerlingnummer;roepnaam;achternaam;geboortedatum;klas;verzorger;relatie;telefoon;taal",
		"1001;Amanuel;T.;31-02-2011;1A;Moeder;moeder;0501234567;ti",
		"1002;Layla;H.;01-01-2011;1A;Vader;oom;0612345678;Klingon",
		"1003;Noor;K.;01-01-2030;1A;Moeder;moeder;0612345679;ar",
	}, "\n")), school.Date{Year: 2026, Month: 12, Day: 1})
	if err != nil {
		t.Fatal(err)
	}
	errs := append(res.Errors, rosterimport.RowError{Row: 4, Column: "klas", Message: "a rule only in English"})
	s := pageStub(admin)
	s.imp = &app.RosterImport{Format: app.RosterCSV, Rows: 2, Errors: errs}
	srv, _ := stubServer(s, Config{Catalog: mustCatalog(t)})
	req := multipartRoster(t, []byte("x"))
	req.URL.RawQuery = "lang=nl"
	rec := do(srv, req)
	isPage(t, "a Dutch preview", rec, 200,
		"Deze regels moeten eerst kloppen",
		"„31-02-2011” kan geen geboortedatum zijn: die datum bestaat niet of ligt vóór 1900. Schrijf dd-mm-jjjj, zoals 04-03-2010.",
		"„0501234567” is een vast nummer: dat kan geen sms of WhatsApp ontvangen. Geef een mobiel nummer op.",
		"„oom” is geen relatie die nabij kent. Schrijf ouder, voogd of woonbegeleider.",
		"„Klingon” is geen taal die nabij kent.",
		"Geboortedatum 2030-01-01 ligt in de toekomst.", // the roster's own check, after the import's
		`<td lang="en">a rule only in English</td>`)
	for _, english := range []string{"is not a date", "landline", "is not a relationship", "is not a language"} {
		if strings.Contains(rec.Body.String(), english) {
			t.Errorf("the Dutch page says %q", english)
		}
	}
	rec = do(srv, multipartRoster(t, []byte("x"))) // the stub's pages are English
	isPage(t, "an English preview", rec, 200, "“0501234567” is a landline, which cannot receive SMS or WhatsApp. Give a mobile number.",
		"<td>a rule only in English</td>")
}

// Every problem id the code names (school.Problemf, the roster import's
// errorList.add and its missing columns) has its words in both catalogues,
// filled with the arguments it is given, and the catalogues name no
// problem the code has not.
func TestEveryProblemHasItsWords(t *testing.T) {
	t.Parallel()
	// An id is a snake_case literal followed by its arguments (nil or a
	// map literal), in Problemf and in the roster import's errs.add.
	ids := regexp.MustCompile(`"([a-z_]+)", (nil|map\[string\]string\{[^}]*\})`)
	// A missing column's (checkHeader's missing) are given the names one
	// may give it.
	columns := regexp.MustCompile(`missing\("([a-z_]+)", "`)
	keys := regexp.MustCompile(`"([A-Z][a-zA-Z]*)": `)
	used := map[string]bool{}
	for _, dir := range []string{"../school", "../rosterimport"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			found := ids.FindAllStringSubmatch(string(src), -1)
			for _, m := range columns.FindAllStringSubmatch(string(src), -1) {
				found = append(found, []string{m[0], m[1], `{"Names": }`})
			}
			for _, m := range found {
				id := m[1]
				used[id] = true
				args := map[string]string{}
				for _, k := range keys.FindAllStringSubmatch(m[2], -1) {
					args[k[1]] = "«" + k[1] + "»"
				}
				for _, lang := range []string{"nl", "en"} {
					s, err := i18n.NewLocalizer(uiBundle, lang).Localize(&i18n.LocalizeConfig{MessageID: "problem_" + id, TemplateData: args})
					if err != nil {
						t.Errorf("%s: problem %s has no words in %s.toml", f, id, lang)
						continue
					}
					if strings.Contains(s, "<no value>") {
						t.Errorf("problem %s in %s names an argument the code does not give: %q", id, lang, s)
					}
					for k := range args {
						if !strings.Contains(s, "«"+k+"»") {
							t.Errorf("problem %s in %s leaves out %s: %q", id, lang, k, s)
						}
					}
				}
			}
		}
	}
	if len(used) < 35 {
		t.Fatalf("found %d problem ids in the code: the pattern no longer finds them", len(used))
	}
	for _, lang := range []string{"nl", "en"} {
		cat, err := os.ReadFile(filepath.Join("locales", lang+".toml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^problem_([a-z_]+) =`).FindAllStringSubmatch(string(cat), -1) {
			if !used[m[1]] {
				t.Errorf("%s.toml has problem_%s, which the code does not name", lang, m[1])
			}
		}
	}
}
