package translations

import "sync/atomic"

// Live is the catalog the running service writes with: a *Catalog that a
// school's correction replaces at once (Swap), for every message rendered
// after it. Each method reads the catalog in force when it is called;
// a message rendered while a correction is saved may take its body from
// the one and its back-translation from the other, never half a catalog.
// Safe for concurrent use.
type Live struct {
	cur atomic.Pointer[Catalog]
}

// NewLive is a Live catalog that starts with c.
func NewLive(c *Catalog) *Live {
	l := &Live{}
	l.cur.Store(c)
	return l
}

// Catalog is the catalog in force.
func (l *Live) Catalog() *Catalog { return l.cur.Load() }

// Swap puts c in force.
func (l *Live) Swap(c *Catalog) { l.cur.Store(c) }

// Match delegates to the catalog in force.
func (l *Live) Match(tag string) (string, bool) { return l.Catalog().Match(tag) }

// Render delegates to the catalog in force.
func (l *Live) Render(tag, key string, data map[string]any, count int) (string, error) {
	return l.Catalog().Render(tag, key, data, count)
}

// JoinNames delegates to the catalog in force.
func (l *Live) JoinNames(tag string, names []string) (string, error) {
	return l.Catalog().JoinNames(tag, names)
}

// OptionList delegates to the catalog in force.
func (l *Live) OptionList(tag string, codes, names []string) (string, error) {
	return l.Catalog().OptionList(tag, codes, names)
}

// RenderBack delegates to the catalog in force.
func (l *Live) RenderBack(tag, key string, data map[string]any) string {
	return l.Catalog().RenderBack(tag, key, data)
}

// Language delegates to the catalog in force.
func (l *Live) Language(tag string) (Language, bool) { return l.Catalog().Language(tag) }

// Languages delegates to the catalog in force.
func (l *Live) Languages() []Language { return l.Catalog().Languages() }

// Keys delegates to the catalog in force.
func (l *Live) Keys() []string { return l.Catalog().Keys() }

// IsPlural delegates to the catalog in force.
func (l *Live) IsPlural(key string) bool { return l.Catalog().IsPlural(key) }

// BackTranslation delegates to the catalog in force.
func (l *Live) BackTranslation(tag, key string) string { return l.Catalog().BackTranslation(tag, key) }

// Direction delegates to the catalog in force.
func (l *Live) Direction(tag string) string { return l.Catalog().Direction(tag) }

// Isolate delegates to the catalog in force.
func (l *Live) Isolate(tag, s string) string { return l.Catalog().Isolate(tag, s) }

// AlertText delegates to the catalog in force.
func (l *Live) AlertText(tag, school string, names []string) (string, error) {
	return l.Catalog().AlertText(tag, school, names)
}

// Check delegates to the catalog in force.
func (l *Live) Check() []Report { return l.Catalog().Check() }

// RenderGender delegates to the catalog in force.
func (l *Live) RenderGender(tag, key, gender string, data map[string]any, count int) (string, error) {
	return l.Catalog().RenderGender(tag, key, gender, data, count)
}

// RenderBackFor delegates to the catalog in force.
func (l *Live) RenderBackFor(tag, key string, data map[string]any, count int, gender string) string {
	return l.Catalog().RenderBackFor(tag, key, data, count, gender)
}

// BackTranslationFor delegates to the catalog in force.
func (l *Live) BackTranslationFor(tag, key string, count int, gender string) string {
	return l.Catalog().BackTranslationFor(tag, key, count, gender)
}

// AlertTextGender delegates to the catalog in force.
func (l *Live) AlertTextGender(tag, school string, names []string, gender string) (string, error) {
	return l.Catalog().AlertTextGender(tag, school, names, gender)
}
