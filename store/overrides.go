package store

import (
	"time"
)

// TranslationOverride is a school's own wording of one language: the whole
// language file, as checked when it was saved, and who saved it when.
type TranslationOverride struct {
	Language string    `json:"language"`
	TOML     string    `json:"toml"`
	By       string    `json:"by"` // user id
	At       time.Time `json:"at"`
}

// PutTranslationOverride keeps o as the school's file of its language, in
// place of the one before.
func (t *Tx) PutTranslationOverride(o *TranslationOverride) error {
	return t.put(bucketTransOverrides, o.Language, o)
}

// TranslationOverride is the school's own file of lang, if it has one.
func (t *Tx) TranslationOverride(lang string) (*TranslationOverride, bool, error) {
	if t.tx.Bucket(bucketTransOverrides) == nil {
		return nil, false, nil // a store opened read-only before this bucket was made
	}
	var o TranslationOverride
	ok, err := t.get(bucketTransOverrides, lang, &o)
	if !ok || err != nil {
		return nil, false, err
	}
	return &o, true, nil
}

// TranslationOverrides are all of the school's own files, by language.
func (t *Tx) TranslationOverrides() ([]TranslationOverride, error) {
	if t.tx.Bucket(bucketTransOverrides) == nil {
		return nil, nil
	}
	var out []TranslationOverride
	err := each(t, bucketTransOverrides, "", func(_ string, o *TranslationOverride) error {
		out = append(out, *o)
		return nil
	})
	return out, err
}
