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
	t, err := template.New(key).Option("missingkey=zero").Parse(raw)
	if err != nil {
		return raw
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return raw
	}
	return strings.ReplaceAll(b.String(), "<no value>", "")
}
