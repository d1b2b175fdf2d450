package alerts

import "testing"

// A Tigrinya or Amharic family ends a sentence with the Ethiopic full stop
// "።", as every message nabij sends them does ("… 1 ስደዱ።"); an Arabic or
// Dari one may end it with "،" or "؟", and a phone's keyboard may put an
// invisible direction mark around digits in right-to-left text. Each is an
// answer all the same. (Found by a review: "1።" went to the coordinator's
// inbox as free text, the pupil not marked sick, the family not thanked.)
func TestRepliesWithTheirOwnPunctuation(t *testing.T) {
	options := map[string]string{"11": "p11", "12": "p12"}
	for _, tc := range []struct {
		body  string
		reply Reply
		value string
	}{
		{"1.", ReplySick, ""},
		{"1።", ReplySick, ""},
		{"፩።", ReplySick, ""},
		{"፲፪።", ReplyOption, "p12"},
		{"١١،", ReplyOption, "p11"},
		{"٢؟", ReplyCall, ""},
		{"\u200f١\u200f", ReplySick, ""},
		{"\ufeff2", ReplyCall, ""},
		{"۱۲۔", ReplyOption, "p12"},
		{"1 2", ReplyText, ""}, // not an answer: kept as the family wrote it
	} {
		if r, v := ReadReply(tc.body, options); r != tc.reply || v != tc.value {
			t.Errorf("ReadReply(%q) = %v %q, want %v %q", tc.body, r, v, tc.reply, tc.value)
		}
	}
}
