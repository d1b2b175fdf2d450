package voice

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// school is the school's name the tests put in a text: two words, as a
// real one often is.
const school = "ISK Groningen"

// The limits of a text that is heard, not read: a family on a phone
// cannot read back a sentence they missed.
const (
	maxRunes         = 400 // with the school's name in place
	maxSentenceWords = 20
)

// TestTextsAreSpoken checks every language with texts is one Twilio's
// <Say> speaks: a text in another language would never be heard.
func TestTextsAreSpoken(t *testing.T) {
	for lang := range Texts {
		if _, ok := Speakers[lang]; !ok {
			t.Errorf("%s has texts but is not in Speakers", lang)
		}
	}
}

// TestTextsComplete checks every language has the four messages, for one
// child and for several, with the school's name where English has it and
// nothing else to fill in: no template syntax, no pupil's name.
func TestTextsComplete(t *testing.T) {
	en := Texts["en"]
	for lang, texts := range Texts {
		for kind := range texts {
			if !kind.Valid() {
				t.Errorf("%s: a text for %q, not a kind of call", lang, kind)
			}
		}
		for _, kind := range Kinds {
			text, ok := texts[kind]
			if !ok {
				t.Errorf("%s %s: no text", lang, kind)
				continue
			}
			for form, s := range forms(text) {
				where := lang + " " + string(kind) + " " + form
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s: empty", where)
					continue
				}
				if got, want := strings.Count(s, "{school}"), strings.Count(forms(en[kind])[form], "{school}"); got != want {
					t.Errorf("%s: {school} %d times, English %d: %q", where, got, want, s)
				}
				if strings.Contains(s, "{{") {
					t.Errorf("%s: template syntax: %q", where, s)
				}
				if rest := strings.ReplaceAll(s, "{school}", ""); strings.ContainsAny(rest, "{}") {
					t.Errorf("%s: a placeholder besides {school} (never a name): %q", where, s)
				}
			}
		}
	}
}

// TestTextsKeys checks the absent message asks for key 1 and then key 2,
// as digits, at its end (a family presses when they hear the key, and
// the message before it is not cut short), and that no other message
// names a key: only the absent message is answered with one.
func TestTextsKeys(t *testing.T) {
	for lang, texts := range Texts {
		for kind, text := range texts {
			for form, s := range forms(text) {
				where := lang + " " + string(kind) + " " + form
				digits := digitsOf(s)
				if !AsksForKeys(kind) {
					if digits != "" {
						t.Errorf("%s: digits %q in a message that asks for no key: %q", where, digits, s)
					}
					continue
				}
				if digits != "12" {
					t.Errorf("%s: digits %q, want 1 and then 2 (once each, as digits): %q", where, digits, s)
					continue
				}
				// "If …, press 1. If …, press 2." or, as Dutch has it,
				// "Is … ? Press 1 then. Would you … ? Press 2 then."
				sentences := sentencesOf(s)
				n := len(sentences)
				if n < 2 || digitsOf(sentences[n-1]) != "2" ||
					(digitsOf(sentences[n-2]) != "1" && (n < 3 || digitsOf(sentences[n-3]) != "1")) {
					t.Errorf("%s: the keys are not asked for at the end, 1 then 2: %q", where, sentences)
				}
			}
		}
	}
}

// TestTextsSpeakable checks what can be checked of a text without hearing
// it: short enough to follow, short sentences, and none of the written
// signs an engine reads out or stumbles on ("Bapak/Ibu" is read "Bapak
// slash Ibu").
func TestTextsSpeakable(t *testing.T) {
	for lang, texts := range Texts {
		for kind, text := range texts {
			for form, s := range forms(text) {
				where := lang + " " + string(kind) + " " + form
				spoken := strings.ReplaceAll(s, "{school}", school)
				if n := utf8.RuneCountInString(spoken); n > maxRunes {
					t.Errorf("%s: %d characters, more than %d: %q", where, n, maxRunes, spoken)
				}
				for _, sentence := range sentencesOf(spoken) {
					if n := len(strings.Fields(sentence)); n > maxSentenceWords {
						t.Errorf("%s: a sentence of %d words, more than %d: %q", where, n, maxSentenceWords, sentence)
					}
				}
				if i := strings.IndexAny(s, `/\()[]<>&*#_"|~`); i >= 0 {
					t.Errorf("%s: %q is written, not spoken: %q", where, s[i:i+1], s)
				}
				if s != strings.TrimSpace(s) || strings.Contains(s, "  ") || strings.Contains(s, " .") {
					t.Errorf("%s: stray spaces: %q", where, s)
				}
			}
		}
	}
}

// TestSpokenPutsTheSchoolsName checks Spoken says the text for one child
// or several with the school's name in place, in the language's voice.
func TestSpokenPutsTheSchoolsName(t *testing.T) {
	for lang, texts := range Texts {
		for kind, text := range texts {
			for _, c := range []struct {
				children int
				want     string
			}{{1, text.One}, {2, text.Other}, {5, text.Other}} {
				got, speech, ok := Spoken(lang, kind, c.children, school)
				if !ok {
					t.Errorf("Spoken(%s, %s, %d): not spoken", lang, kind, c.children)
					continue
				}
				if want := strings.ReplaceAll(c.want, "{school}", school); got != want {
					t.Errorf("Spoken(%s, %s, %d) = %q, want %q", lang, kind, c.children, got, want)
				}
				if strings.Count(got, school) != strings.Count(c.want, "{school}") || strings.Contains(got, "{") {
					t.Errorf("Spoken(%s, %s, %d) = %q: the school's name not in place, or a placeholder left", lang, kind, c.children, got)
				}
				if speech != Speakers[lang] {
					t.Errorf("Spoken(%s, %s, %d) speaks with %+v, want %+v", lang, kind, c.children, speech, Speakers[lang])
				}
			}
		}
	}
	if _, _, ok := Spoken("ti", KindAbsent, 1, school); ok {
		t.Error("Spoken(ti): spoken, but no engine speaks Tigrinya")
	}
	if _, _, ok := Spoken("en", Kind("goodbye"), 1, school); ok {
		t.Error(`Spoken(en, "goodbye"): spoken, but it is no kind of call`)
	}
}

// TestTextsDraft checks every language but the English source is marked
// draft: none has been read aloud by a native speaker yet.
func TestTextsDraft(t *testing.T) {
	for lang, texts := range Texts {
		for kind, text := range texts {
			if lang == "en" && text.Draft {
				t.Errorf("en %s: the source is marked draft", kind)
			}
			if lang != "en" && !text.Draft {
				t.Errorf("%s %s: not marked draft", lang, kind)
			}
		}
	}
}

// forms are a text's two forms by name.
func forms(text Text) map[string]string {
	return map[string]string{"one": text.One, "other": text.Other}
}

// digitsOf is the digits of s, in order, in any script.
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sentencesOf splits s after each full stop, question or exclamation mark
// (Arabic's ؟ too) that ends a sentence.
func sentencesOf(s string) []string {
	var sentences []string
	start := 0
	runes := []rune(s)
	for i, r := range runes {
		if !strings.ContainsRune(".?!؟", r) {
			continue
		}
		if i+1 < len(runes) && !unicode.IsSpace(runes[i+1]) {
			continue
		}
		if sentence := strings.TrimSpace(string(runes[start : i+1])); sentence != "" {
			sentences = append(sentences, sentence)
		}
		start = i + 1
	}
	if rest := strings.TrimSpace(string(runes[start:])); rest != "" {
		sentences = append(sentences, rest)
	}
	return sentences
}
