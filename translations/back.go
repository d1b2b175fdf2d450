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
	raw := c.BackTranslation(tag, key)
	if raw == "" {
		return ""
	}
	// Parsed once per language and key: the catalog does not change once
	// loaded, and a morning renders the same few texts hundreds of times.
	cached, ok := c.backTemplates.Load(tag + "\x00" + key)
	if !ok {
		t, err := template.New(key).Option("missingkey=zero").Parse(raw)
		if err != nil {
			return raw
		}
		cached, _ = c.backTemplates.LoadOrStore(tag+"\x00"+key, t)
	}
	t := cached.(*template.Template)
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return raw
	}
	return strings.ReplaceAll(b.String(), "<no value>", "")
}
