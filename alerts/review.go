package alerts

import "github.com/nabij-isk/nabij/translations"

// StampReview records on m which wording of its language went out: the
// review state of the language's file in the catalog (the school's own
// wording, once a speaker at the school reviewed it), and when it is
// reviewed, by whom and on which day. Render sets the state; this adds
// who and when, read in the same catalog.
func (r *Renderer) StampReview(m *Message) {
	m.ReviewedBy, m.ReviewedOn = "", ""
	meta, ok := r.Catalog.Language(m.Language)
	if !ok {
		return
	}
	m.Review = meta.Review
	if meta.Review == translations.ReviewReviewed {
		m.ReviewedBy, m.ReviewedOn = meta.ReviewedBy, meta.ReviewedOn
	}
}
