package translations

import (
	"strings"

	"golang.org/x/text/language"
)

// aliases maps language codes that families' documents, phones or intake
// forms use to the written language we actually have a file for. x/text
// already folds some codes (kmr→ku, pes→fa, arb→ar, fas→fa, tir→ti), but not
// the ones below, and its matcher would refuse them.
var aliases = map[string]string{
	// Dari is written and read as Afghan Persian; our fa-AF file is Dari.
	"prs": "fa-AF",
	"pes": "fa",
	// Kurmanji (northern Kurdish, Latin script) is our "ku".
	"kmr": "ku",
	// Pashto's ISO 639-3 varieties, all reading the same written Pashto.
	"pbt": "ps", "pbu": "ps", "pst": "ps",
	// Spoken Arabic varieties: families read Modern Standard Arabic.
	"arb": "ar", "apc": "ar", "ajp": "ar", "acm": "ar", "apd": "ar",
	"arz": "ar", "ary": "ar", "aeb": "ar", "ayl": "ar", "ayp": "ar",
	"afb": "ar", "acw": "ar", "ars": "ar", "ayh": "ar", "ayn": "ar",
	"shu": "ar",
}

// Match returns the supported tag that serves a family's language tag, and
// ok=false when none does. It tries, in order:
//
//  1. the tag itself (after canonicalisation: "pt_BR" → "pt-BR", "fas" → "fa");
//  2. aliases (prs→fa-AF, kmr→ku, ku-Arab→ckb, Arabic varieties→ar, …);
//  3. the same language in another region or default script, via the x/text
//     matcher (ar-SY→ar, fa-IR→fa, pt-BR→pt, ti-ER→ti).
//
// Step 3 only accepts a high-confidence match of the same base language. The
// x/text matcher will also offer Russian for Azerbaijani or Belarusian, and
// a different script (Kurmanji in Latin letters for ku-Arab) to someone who
// cannot read it; for a message about a child, no message in a language the
// family chose is better than one in a language we guessed. Sorani (ckb)
// and Kurmanji (ku) are therefore never matched to each other either.
func (c *Catalog) Match(tag string) (string, bool) {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil {
		return "", false
	}
	if _, ok := c.langs[t.String()]; ok {
		return t.String(), true
	}
	base, _ := t.Base()
	target := aliases[base.String()]
	if script, conf := t.Script(); base.String() == "ku" && script.String() == "Arab" && conf == language.Exact {
		// Kurdish written in Arabic script is, in practice, Sorani; Windows
		// and older Android report Central Kurdish as ku-Arab(-IQ).
		target = "ckb"
	}
	if target != "" {
		if _, ok := c.langs[target]; ok {
			return target, true
		}
		// e.g. prs with no fa-AF file: continue as fa-AF, which may reach fa.
		t = language.MustParse(target)
		base, _ = t.Base()
	}
	if len(c.tags) == 0 {
		return "", false
	}
	_, idx, conf := c.matcher.Match(t)
	if conf < language.High {
		return "", false
	}
	if got, _ := c.tags[idx].Base(); got != base {
		return "", false
	}
	return c.tags[idx].String(), true
}
