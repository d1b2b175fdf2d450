package translations

import "testing"

func TestMatch(t *testing.T) {
	c := mustLoad(t)
	has := func(tag string) bool { _, ok := c.Language(tag); return ok }
	for _, tc := range []struct {
		in, want string
		ok       bool
		needs    string // skip when this file is not (yet) present
	}{
		{"nl", "nl", true, ""},
		{"NL-be", "nl", true, ""},
		{"en-US", "en", true, ""},
		{"prs", "fa-AF", true, ""},
		{"fa-AF", "fa-AF", true, ""},
		{"fa-IR", "fa", true, ""},
		{"fa", "fa", true, ""},
		{"pes", "fa", true, ""},
		{"ar", "ar", true, ""},
		{"ar-SY", "ar", true, ""},
		{"ar-IQ", "ar", true, ""},
		{"ar-SD", "ar", true, ""},
		{"apc", "ar", true, ""}, // Levantine Arabic
		{"arb", "ar", true, ""},
		{"ti-ER", "ti", true, ""},
		{"tir", "ti", true, ""},
		{"am-ET", "am", true, ""},
		{"pbt", "ps", true, ""},
		{"ps-AF", "ps", true, ""},
		{"uk-UA", "uk", true, ""},
		{"kmr", "ku", true, "ku"},
		{"ku-TR", "ku", true, "ku"},
		{"ckb", "ckb", true, "ckb"},
		{"ckb-IQ", "ckb", true, "ckb"},
		{"ku-Arab-IQ", "ckb", true, "ckb"},
		{"pt-BR", "pt", true, "pt"},
		{"ro-MD", "ro", true, "ro"},
		{"xx", "", false, ""},
		{"", "", false, ""},
		{"zh", "", false, ""},
		{"tig", "", false, ""}, // Tigre is not Tigrinya
		{"be", "", false, ""},  // x/text would offer Russian
		{"az", "", false, ""},  // x/text would offer Russian too
	} {
		if tc.needs != "" && !has(tc.needs) {
			continue
		}
		got, ok := c.Match(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// Fallbacks that depend on which files exist, with a catalog built for it.
func TestMatchWithoutSomeFiles(t *testing.T) {
	c, err := LoadFS(mapFS(map[string]string{
		"en.toml": file("en", "ltr", "draft", enForms),
		"fa.toml": file("fa", "rtl", "draft", enForms),
		"ku.toml": file("ku", "ltr", "draft", enForms),
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"prs", "fa", true},   // no Dari file: Iranian Persian is still readable
		{"fa-AF", "fa", true}, // same
		{"kmr", "ku", true},
		{"ckb", "", false},        // Sorani readers are not sent Kurmanji
		{"ku-Arab-IQ", "", false}, // nor is anyone reading Arabic script
		{"ar-SY", "", false},
	} {
		got, ok := c.Match(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
