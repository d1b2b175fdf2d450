package translations

import (
	"fmt"
	"sort"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// cldrCache holds pluralCategories per tag: probing costs about a thousand
// renders, and the rules cannot change while the program runs.
var cldrCache sync.Map // language.Tag -> []string

// pluralCategories returns, sorted, the CLDR plural forms go-i18n selects
// for tag: the forms a message that varies with the count must have.
//
// go-i18n's rule table is internal, so it is asked the exported way: by
// rendering a message whose forms are their own names for counts that reach
// every category, including those reached only by decimals (Russian
// "other") or by a million (French "many").
func pluralCategories(tag language.Tag) ([]string, error) {
	if v, ok := cldrCache.Load(tag); ok {
		return v.([]string), nil
	}
	b := i18n.NewBundle(language.Dutch)
	probe := &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	if err := b.AddMessages(tag, probe); err != nil {
		return nil, err
	}
	loc := i18n.NewLocalizer(b, tag.String())
	seen := map[string]bool{}
	for _, n := range probeCounts() {
		s, got, err := loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil {
			return nil, fmt.Errorf("count %v: %w", n, err)
		}
		// Another tag means go-i18n fell back to the Dutch default, so the
		// answer would describe Dutch, not tag.
		if got != tag {
			return nil, fmt.Errorf("count %v: go-i18n answered in %s", n, got)
		}
		seen[s] = true
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	cldrCache.Store(tag, out)
	return out, nil
}

// probeCounts reach every CLDR plural category go-i18n knows.
func probeCounts() []any {
	var out []any
	for i := 0; i <= 1000; i++ {
		out = append(out, i)
	}
	out = append(out, 1000000, 2000000)
	for _, s := range []string{"0.0", "0.1", "0.5", "1.0", "1.5", "2.0", "2.5", "3.5", "5.5", "10.0", "11.5", "100.5", "0.01", "1.25"} {
		out = append(out, s)
	}
	return out
}
