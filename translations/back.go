package translations

import (
	"fmt"
	"strings"
)

// RenderBack renders the English back-translation of key in tag with data,
// so staff read what a family read. Names in data should be joined the
// English way (JoinNames("en", …)). A placeholder without a value stays
// empty rather than failing: this text is for staff, never sent.
func (c *Catalog) RenderBack(tag, key string, data map[string]any) string {
	return c.RenderBackFor(tag, key, data, -1, "")
}

// RenderBackFor renders the back-translation of what a family read about
// count pupils of gender (see BackTranslationFor): one English text per
// plural form and gender variant, so staff never read "Amanuel T. are".
func (c *Catalog) RenderBackFor(tag, key string, data map[string]any, count int, gender string) string {
	raw := c.BackTranslationFor(tag, key, count, gender)
	if raw == "" {
		return ""
	}
	// Only the simple placeholders are filled in, by replacement, not by
	// text/template: a back-translation is a reviewer's text, and
	// anything else between braces ({{range 1e9}}, say) must not run.
	// Check refuses such a text; this holds for one kept before it did.
	out := placeholderRE.ReplaceAllStringFunc(raw, func(m string) string {
		v, ok := data[placeholderRE.FindStringSubmatch(m)[1]]
		if !ok || v == nil {
			return ""
		}
		return fmt.Sprint(v)
	})
	// "Amanuel T." at the end of a sentence: no "Amanuel T..".
	if names, _ := data["Names"].(string); strings.HasSuffix(names, ".") {
		out = strings.ReplaceAll(out, names+".", names)
	}
	return out
}
