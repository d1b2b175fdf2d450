package voice

import "testing"

// A recording comes first, then the speech engine where it speaks the
// language and nabij has the text, else nothing.
func TestSourceOf(t *testing.T) {
	rec := &Recording{ID: "rec1", SpokenBy: "Mehret T."}
	for _, tc := range []struct {
		lang string
		rec  *Recording
		want Source
	}{
		{"ti", rec, Source{Use: UseRecording, Recording: "rec1", SpokenBy: "Mehret T."}},
		{"nl", rec, Source{Use: UseRecording, Recording: "rec1", SpokenBy: "Mehret T."}},
		{"nl", nil, Source{Use: UseSpeech, Speech: Speakers["nl"]}},
		{"so", nil, Source{Use: UseNone}}, // no speech engine speaks Somali
		{"ti", nil, Source{Use: UseNone}},
	} {
		if got := SourceOf(tc.lang, KindAbsent, tc.rec); got != tc.want {
			t.Errorf("SourceOf(%s, %v) = %+v, want %+v", tc.lang, tc.rec != nil, got, tc.want)
		}
	}
	for _, k := range Kinds {
		if _, ok := Engine("en", k); !ok {
			t.Errorf("no engine for English %s", k)
		}
	}
}
