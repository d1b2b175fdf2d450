package alerts

import "testing"

// A family types numbers in their own script: Arabic-Indic and Persian
// digits, full-width digits, Ge'ez numerals (additive: ፲፩ is ten and one).
func TestReadReplyInEveryNumeralSystem(t *testing.T) {
	options := map[string]string{"11": "p11", "12": "p12", "123": "p123"}
	for _, tc := range []struct {
		body  string
		reply Reply
		value string
	}{
		{"1", ReplySick, ""},
		{"١", ReplySick, ""},
		{"۲", ReplyCall, ""},
		{"፩", ReplySick, ""},
		{"፪", ReplyCall, ""},
		{"١١", ReplyOption, "p11"},
		{"۱۲", ReplyOption, "p12"},
		{"１２", ReplyOption, "p12"}, // full-width
		{"፲፩", ReplyOption, "p11"},
		{"፲፪.", ReplyOption, "p12"},
		{"፻፳፫", ReplyOption, "p123"}, // a hundred, twenty, three
		{" ١١ ", ReplyOption, "p11"},
		{"፲", ReplyText, ""}, // 10: no such option
		{"١٣", ReplyText, ""},
	} {
		r, v := ReadReply(tc.body, options)
		if r != tc.reply || v != tc.value {
			t.Errorf("ReadReply(%q) = %v %q, want %v %q", tc.body, r, v, tc.reply, tc.value)
		}
	}
	for in, want := range map[string]string{"፲፩": "11", "፺፱": "99", "፪፻": "200", "፻": "100", "፼": "10000", "፲፩ ና ፲፪": "11 ና 12"} {
		if got := normalizeDigits(in); got != want {
			t.Errorf("normalizeDigits(%q) = %q, want %q", in, got, want)
		}
	}
}
