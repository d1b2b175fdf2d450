// Package voice is what nabij says on a phone call to a family who cannot
// read: the messages a school records in its families' languages, and, for a
// language without a recording, the speech engine Twilio's <Say> speaks it
// with, where there is one.
//
// A call never speaks a pupil's name: a speech engine mangles names in a
// language it does not know, and a recording cannot hold every name. A call
// says "your child" (or "your children"); the family knows whom.
package voice

import "time"

// Kind is which message a recording or a spoken text is: one per message a
// call can carry.
type Kind string

// The messages of a call.
const (
	KindAbsent  Kind = "absent"  // a same-morning alert: not at school
	KindLate    Kind = "late"    // a same-morning alert: came late
	KindApology Kind = "apology" // the alert was a mistake
	KindThanks  Kind = "thanks"  // after a key: thank you, we know / we will call
)

// Kinds are the messages of a call, in the order pages list them.
var Kinds = []Kind{KindAbsent, KindLate, KindApology, KindThanks}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// KindOf is the call message for a message template (alerts.Template…):
// ok is false for a message a call does not carry (the "which child?"
// question is left to the coordinator on a call).
func KindOf(template string) (Kind, bool) {
	switch template {
	case "alert_absent":
		return KindAbsent, true
	case "alert_late":
		return KindLate, true
	case "apology":
		return KindApology, true
	case "reply_thanks_sick", "reply_thanks_call":
		return KindThanks, true
	}
	return "", false
}

// Speech is how Twilio's <Say> speaks a language: its language code and
// the voice nabij asks for.
type Speech struct {
	Language string // Twilio's language attribute, e.g. nl-NL
	Voice    string // Twilio's voice attribute, e.g. Google.nl-NL-Standard-A
}

// Speakers are the languages of nabij's translations that Twilio's <Say>
// speaks (Google's standard voices, as Twilio lists them), by nabij's
// language code. A language not here — Tigrinya, Dari, Pashto, Somali,
// Kurdish, Amharic among them — has no speech engine: a call in it needs
// the school's recording.
var Speakers = map[string]Speech{
	"nl": {"nl-NL", "Google.nl-NL-Standard-A"},
	"en": {"en-GB", "Google.en-GB-Standard-A"},
	"ar": {"ar-XA", "Google.ar-XA-Standard-A"},
	"uk": {"uk-UA", "Google.uk-UA-Standard-A"},
	"ru": {"ru-RU", "Google.ru-RU-Standard-A"},
	"tr": {"tr-TR", "Google.tr-TR-Standard-A"},
	"pl": {"pl-PL", "Google.pl-PL-Standard-A"},
	"ro": {"ro-RO", "Google.ro-RO-Standard-A"},
	"bg": {"bg-BG", "Google.bg-BG-Standard-A"},
	"es": {"es-ES", "Google.es-ES-Standard-A"},
	"fr": {"fr-FR", "Google.fr-FR-Standard-A"},
	"pt": {"pt-PT", "Google.pt-PT-Standard-A"},
	"lt": {"lt-LT", "Google.lt-LT-Standard-A"},
	"id": {"id-ID", "Google.id-ID-Standard-A"},
}

// Recording is a message the school recorded in one language: what is
// known of it besides its audio, which the store keeps apart.
type Recording struct {
	ID       string `json:"id"`
	Language string `json:"language"`
	Kind     Kind   `json:"kind"`
	// SpokenBy is who spoke it, as the admin wrote it (a colleague, an
	// interpreter): families hear a voice they may know.
	SpokenBy    string        `json:"spoken_by"`
	Format      string        `json:"format"` // mp3, wav
	ContentType string        `json:"content_type"`
	Duration    time.Duration `json:"duration"`
	Size        int64         `json:"size"`
	// Source is how it was made: "upload", or "phone" (nabij called the
	// admin and recorded).
	Source     string    `json:"source"`
	UploadedBy string    `json:"uploaded_by"` // a user id
	UploadedAt time.Time `json:"uploaded_at"`
}
