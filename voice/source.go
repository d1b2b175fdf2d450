package voice

// Use is what a call in a language uses for one message.
type Use string

// What a call can use: the school's recording, the speech engine, or
// nothing (a call in that language cannot carry the message).
const (
	UseRecording Use = "recording"
	UseSpeech    Use = "speech"
	UseNone      Use = "none"
)

// Source is what a call in a language uses for one message: the
// recording (its id, and who spoke it), else the speech engine (its
// language and voice), else none.
type Source struct {
	Use       Use    `json:"use"`
	Recording string `json:"recording,omitempty"` // the recording's id, for UseRecording
	SpokenBy  string `json:"spoken_by,omitempty"` // for UseRecording
	// Speech is the language and voice the engine speaks in, for UseSpeech.
	Speech Speech `json:"-"`
}

// Engine is the speech engine's voice for kind in lang: ok only when
// Twilio's <Say> speaks lang (Speakers) and nabij has the text for it
// (Texts), as Spoken needs.
func Engine(lang string, kind Kind) (Speech, bool) {
	sp, ok := Speakers[lang]
	if !ok {
		return Speech{}, false
	}
	if _, ok := Texts[lang][kind]; !ok {
		return Speech{}, false
	}
	return sp, true
}

// SourceOf is what a call in lang uses for kind, given the school's
// recording of it when there is one (rec nil: none): a recording comes
// first, then the speech engine.
func SourceOf(lang string, kind Kind, rec *Recording) Source {
	if rec != nil {
		return Source{Use: UseRecording, Recording: rec.ID, SpokenBy: rec.SpokenBy}
	}
	if sp, ok := Engine(lang, kind); ok {
		return Source{Use: UseSpeech, Speech: sp}
	}
	return Source{Use: UseNone}
}
