package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

func reviewService(t *testing.T) *Service {
	t.Helper()
	c, err := translations.Load()
	if err != nil {
		t.Fatal(err)
	}
	live := translations.NewLive(c)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	return &Service{Store: testStore(t), Translations: live, Location: time.UTC, Now: func() time.Time { return now },
		Planner: &alerts.Planner{Renderer: &alerts.Renderer{Catalog: live, School: "ISK Test"}}}
}

func TestCorrectionsAndTheirChecks(t *testing.T) {
	s := reviewService(t)
	ctx := context.Background()
	u, _, err := s.CreateReviewer(ctx, "Selam B.", "ti")
	if err != nil {
		t.Fatal(err)
	}
	// Only a reviewer reviews, and only their language.
	for _, other := range []school.User{{ID: "a", Role: school.RoleAdmin}, {ID: "c", Role: school.RoleCoordinator}} {
		if err := s.MarkReviewed(ctx, other); !errors.Is(err, school.ErrForbidden) {
			t.Errorf("%s marked a language reviewed: %v", other.Role, err)
		}
		if _, err := s.Review(ctx, other); !errors.Is(err, school.ErrForbidden) {
			t.Errorf("%s opened a review: %v", other.Role, err)
		}
	}
	if _, err := s.Roster(ctx, u); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("a reviewer read the roster: %v", err)
	}
	// The same text again changes nothing.
	v, err := s.Review(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	forms := map[string]string{}
	for _, f := range v.Messages[0].Forms {
		forms[f.Form] = f.Text
	}
	if err := s.CorrectTranslation(ctx, u, v.Messages[0].Key, forms, nil); !errors.Is(err, ErrUnchanged) {
		t.Errorf("the same text: %v", err)
	}
	// Reviewed, then corrected: a draft again until it is marked once more.
	if err := s.MarkReviewed(ctx, u); err != nil {
		t.Fatal(err)
	}
	if meta, _ := s.Translations.Language("ti"); meta.Review != translations.ReviewReviewed || meta.ReviewedBy != "Selam B." {
		t.Errorf("after marking: %+v", meta)
	}
	err = s.CorrectTranslation(ctx, u, "reply_thanks_call", map[string]string{"other": "የቐንየልና። ሎሚ ካብ {{.School}} ክድውለልኩም ኢና።"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if meta, _ := s.Translations.Language("ti"); meta.Review != translations.ReviewDraft {
		t.Errorf("a correction after the review left %+v", meta)
	}
}

func TestOverridesAtStart(t *testing.T) {
	s := reviewService(t)
	good, _ := translations.EmbeddedFile("ti")
	good, err := translations.WithReview(good, "Selam B.", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := translations.EmbeddedFile("ar")
	bad = []byte(strings.Replace(string(bad), "{{.Names}}", "{{.Nmes}}", 1))
	err = s.Store.Update(func(tx *store.Tx) error {
		if err := tx.PutTranslationOverride(&store.TranslationOverride{Language: "ti", TOML: string(good), By: "u1"}); err != nil {
			return err
		}
		return tx.PutTranslationOverride(&store.TranslationOverride{Language: "ar", TOML: string(bad), By: "u2"})
	})
	if err != nil {
		t.Fatal(err)
	}
	skipped, err := s.LoadTranslationOverrides(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil || len(skipped) != 1 || skipped[0] != "ar" {
		t.Fatalf("skipped %v, %v", skipped, err)
	}
	if ti, _ := s.Translations.Language("ti"); ti.ReviewedBy != "Selam B." {
		t.Errorf("the school's Tigrinya is not in force: %+v", ti)
	}
	if ar, _ := s.Translations.Language("ar"); ar.Review != translations.ReviewDraft {
		t.Errorf("the unusable Arabic file is in force: %+v", ar)
	}
}

func TestCorrectingAGenderVariant(t *testing.T) {
	s := reviewService(t)
	ctx := context.Background()
	u, _, err := s.CreateReviewer(ctx, "Selam B.", "ti")
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Review(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	var variant *ReviewMessage
	for i := range v.Messages {
		if v.Messages[i].Key == "alert_absent_f" {
			variant = &v.Messages[i]
		}
	}
	if variant == nil {
		t.Skip("Tigrinya has no gender variants (meta.gender)")
	}
	if variant.Gender != "f" || len(variant.Samples) != 1 || variant.Samples[0].Pupils != 1 {
		t.Errorf("the variant: %+v", variant)
	}
	forms := map[string]string{}
	for _, f := range variant.Forms {
		forms[f.Form] = f.Text
	}
	forms["one"] = "ሰላም ካብ {{.School}}። ሎሚ {{.Names}} ኣይመጸትን።"
	if err := s.CorrectTranslation(ctx, u, "alert_absent_f", forms, nil); err != nil {
		t.Fatal(err)
	}
	text, err := s.Translations.RenderGender("ti", "alert_absent", translations.Female, map[string]any{"School": "ISK Test", "Names": "Sara H."}, 1)
	if err != nil || !strings.Contains(text, "ኣይመጸትን") {
		t.Errorf("a girl's alert: %q %v", text, err)
	}
}
