package voice

import "strings"

// Text is what a speech engine says for one message, for one child and
// for several. {school} is replaced by the school's name. It never names a
// pupil: "your child", "your children".
type Text struct {
	One, Other string
	// Draft is true while no native speaker has checked the wording.
	Draft bool
}

// Texts are the spoken messages, by nabij's language code and kind. A
// language of Speakers without texts here is not spoken by the engine: its
// calls need the school's recordings.
//
// The absent message asks for a key; late, apology and thanks do not (a
// person who heard them to the end has been reached).
//
// English is the source; the Dutch was written by the nabij team, a Dutch
// speaker, and is marked draft until the school's verzuimcoördinator has
// read it aloud once. The other languages of Speakers are added from
// speech_drafts.go: drafts written without native speakers.
var Texts = map[string]map[Kind]Text{
	"en": {
		KindAbsent: {
			One: "Good morning, this is {school}. Your child is not at school today. We miss your child, " +
				"and we hope all is well. If your child is sick, press 1. If you would like us to call you back, press 2.",
			Other: "Good morning, this is {school}. Your children are not at school today. We miss them, " +
				"and we hope all is well. If a child is sick, press 1. If you would like us to call you back, press 2.",
		},
		KindLate: {
			One:   "Good morning, this is {school}. Your child came to school late today. Just so you know. Goodbye.",
			Other: "Good morning, this is {school}. Your children came to school late today. Just so you know. Goodbye.",
		},
		KindApology: {
			One:   "This is {school}. Sorry, our mistake: your child is at school today. Goodbye.",
			Other: "This is {school}. Sorry, our mistake: your children are at school today. Goodbye.",
		},
		KindThanks: {
			One:   "Thank you. We have your answer. Goodbye.",
			Other: "Thank you. We have your answer. Goodbye.",
		},
	},
	"nl": {
		KindAbsent: {
			One: "Goedemorgen, u spreekt met {school}. Uw kind is vandaag niet op school. We missen uw kind, " +
				"en we hopen dat alles goed is. Is uw kind ziek? Druk dan op 1. Wilt u dat we u terugbellen? Druk dan op 2.",
			Other: "Goedemorgen, u spreekt met {school}. Uw kinderen zijn vandaag niet op school. We missen ze, " +
				"en we hopen dat alles goed is. Is een kind ziek? Druk dan op 1. Wilt u dat we u terugbellen? Druk dan op 2.",
			Draft: true,
		},
		KindLate: {
			One:   "Goedemorgen, u spreekt met {school}. Uw kind kwam vandaag te laat op school. Zodat u het weet. Dag!",
			Other: "Goedemorgen, u spreekt met {school}. Uw kinderen kwamen vandaag te laat op school. Zodat u het weet. Dag!",
			Draft: true,
		},
		KindApology: {
			One:   "U spreekt met {school}. Sorry, onze fout: uw kind is vandaag wel op school. Dag!",
			Other: "U spreekt met {school}. Sorry, onze fout: uw kinderen zijn vandaag wel op school. Dag!",
			Draft: true,
		},
		KindThanks: {
			One:   "Dank u wel. We hebben uw antwoord. Dag!",
			Other: "Dank u wel. We hebben uw antwoord. Dag!",
			Draft: true,
		},
	},
}

// Spoken is what the speech engine says for kind in lang about children
// pupils, with the voice it says it in; ok is false when the engine does
// not speak lang or nabij has no text for it.
func Spoken(lang string, kind Kind, children int, school string) (text string, speech Speech, ok bool) {
	speech, ok = Speakers[lang]
	if !ok {
		return "", Speech{}, false
	}
	t, ok := Texts[lang][kind]
	if !ok {
		return "", Speech{}, false
	}
	text = t.One
	if children > 1 {
		text = t.Other
	}
	return strings.ReplaceAll(text, "{school}", school), speech, true
}

// AsksForKeys reports whether a call with kind asks the family for a key.
func AsksForKeys(kind Kind) bool { return kind == KindAbsent }
