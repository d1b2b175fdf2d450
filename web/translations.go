package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/translations"
)

type previewEntry struct {
	Key             string `json:"key"`
	Text            string `json:"text"`
	BackTranslation string `json:"back_translation"`
	Encoding        string `json:"encoding"`
	Segments        int    `json:"segments"`
}

type preview struct {
	languageView
	Entries []previewEntry `json:"entries"`
}

// languages lists the languages nabij writes in, with their review state.
func (h *handlers) languages(c echo.Context) error {
	return c.JSON(http.StatusOK, viewAll(h.cfg.Catalog.Languages(), viewLanguage))
}

// preview shows every message of a language as a family would read it,
// with what it says in English and what it costs in SMS segments. names
// (comma-separated) stand in for pupils; the default is one realistic name.
func (h *handlers) preview(c echo.Context) error {
	cat := h.cfg.Catalog
	tag, ok := cat.Match(c.Param("lang"))
	if !ok {
		return &apiError{http.StatusNotFound, "not_found", "nabij has no messages in " + c.Param("lang"), nil}
	}
	meta, _ := cat.Language(tag)
	names := []string{"Amanuel T."}
	if raw := strings.TrimSpace(c.QueryParam("names")); raw != "" {
		names = strings.Split(raw, ",")
	}
	joined, err := cat.JoinNames(tag, names)
	if err != nil {
		return err
	}
	data := map[string]any{"School": h.cfg.SchoolName, "Names": joined, "Options": "11 = " + names[0],
		"Rest": joined, "Last": names[len(names)-1]}
	en := map[string]any{}
	for k, v := range data {
		en[k] = v
	}
	if joinedEN, err := cat.JoinNames("en", names); err == nil {
		en["Names"] = joinedEN
	}
	out := preview{languageView: viewLanguage(meta), Entries: []previewEntry{}}
	for _, key := range cat.Keys() {
		count := -1
		if cat.IsPlural(key) {
			count = len(names)
		}
		text, err := cat.Render(tag, key, data, count)
		if err != nil {
			return err
		}
		enc, segs := translations.Segments(text)
		out.Entries = append(out.Entries, previewEntry{Key: key, Text: text, BackTranslation: cat.RenderBack(tag, key, en), Encoding: enc, Segments: segs})
	}
	return c.JSON(http.StatusOK, out)
}
