package translations

import (
	"strings"
	"text/template"
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
	// Parsed once per text: the catalog does not change once loaded, and a
	// morning renders the same few texts hundreds of times.
	cached, ok := c.backTemplates.Load(raw)
	if !ok {
		t, err := template.New(key).Option("missingkey=zero").Parse(raw)
		if err != nil {
			return raw
		}
		cached, _ = c.backTemplates.LoadOrStore(raw, t)
	}
	t := cached.(*template.Template)
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return raw
	}
	out := strings.ReplaceAll(b.String(), "<no value>", "")
	// "Amanuel T." at the end of a sentence: no "Amanuel T..".
	if names, _ := data["Names"].(string); strings.HasSuffix(names, ".") {
		out = strings.ReplaceAll(out, names+".", names)
	}
	return out
}
