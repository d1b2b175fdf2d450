package translations

import (
	"fmt"
	"unicode"
	"unicode/utf16"
)

// SMS limits. A single message carries 140 bytes; splitting it into parts
// costs a 6-byte header per part, hence the smaller per-part limits.
const (
	gsmSingle  = 160 // septets
	gsmPart    = 153
	ucs2Single = 70 // UTF-16 code units
	ucs2Part   = 67
)

// gsmBasic is the GSM 03.38 default alphabet (one septet each). Note what is
// missing: ë, ş, ą, ç, á, í, ó, ú, ê … A single one of those switches the
// whole message to UCS-2 and cuts its capacity by more than half.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension characters are sent as ESC + character: two septets each.
const gsmExtension = "\f^{}\\[~]|€"

var gsmSeptets = func() map[rune]int {
	m := make(map[rune]int, len(gsmBasic)+len(gsmExtension))
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// Segments returns the encoding an SMS gateway will use for text ("GSM-7"
// or "UCS-2") and how many message parts it will be billed as. Empty text
// is 0 parts.
//
// When a text is split, a two-septet extension character or a UTF-16
// surrogate pair (emoji) is never cut across parts, as gateways do; so a
// long text can need one part more than length/153 or length/67 suggests.
func Segments(text string) (encoding string, segments int) {
	if text == "" {
		return "GSM-7", 0
	}
	encoding, sizes := smsUnits(text)
	single, part := gsmSingle, gsmPart
	if encoding == "UCS-2" {
		single, part = ucs2Single, ucs2Part
	}
	total := 0
	for _, n := range sizes {
		total += n
	}
	if total <= single {
		return encoding, 1
	}
	segments, used := 1, 0
	for _, n := range sizes {
		if used+n > part {
			segments++
			used = 0
		}
		used += n
	}
	return encoding, segments
}

// smsUnits returns the encoding a gateway picks for text and the cost of
// each character in that encoding's unit (septets for GSM-7, UTF-16 code
// units for UCS-2). Segments and the length Check reports share it, so the
// length shown to a reviewer is the one the segments were counted from.
func smsUnits(text string) (encoding string, sizes []int) {
	gsm := true
	for _, r := range text {
		n, ok := gsmSeptets[r]
		if !ok {
			gsm = false
			break
		}
		sizes = append(sizes, n)
	}
	if gsm {
		return "GSM-7", sizes
	}
	sizes = sizes[:0]
	for _, r := range text {
		// Invalid UTF-8 decodes to U+FFFD, one unit, like the gateway
		// would send it.
		n := utf16.RuneLen(r)
		if n < 1 {
			n = 1
		}
		sizes = append(sizes, n)
	}
	return "UCS-2", sizes
}

// smsLength is the length of text in the unit its encoding is billed in.
func smsLength(text string) int {
	_, sizes := smsUnits(text)
	n := 0
	for _, s := range sizes {
		n += s
	}
	return n
}

// scripts names the writing systems our languages use, so a reviewer reads
// "Arabic script" (nothing to fix) rather than a single letter that looks
// like the culprit.
var scripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Arabic script", unicode.Arabic},
	{"Cyrillic script", unicode.Cyrillic},
	{"Ge'ez script", unicode.Ethiopic},
	{"Greek script", unicode.Greek},
	{"Hebrew script", unicode.Hebrew},
	{"Armenian script", unicode.Armenian},
	{"Georgian script", unicode.Georgian},
	{"Devanagari script", unicode.Devanagari},
	{"Han script", unicode.Han},
}

// ucs2Reason says why text cannot be sent as GSM-7: the script of the first
// character outside the GSM alphabet, or that character itself when it is a
// Latin letter or punctuation a translator could replace (ë, ş, „, –). It
// is "" for GSM-7 text.
func ucs2Reason(text string) string {
	for _, r := range text {
		if _, ok := gsmSeptets[r]; ok {
			continue
		}
		for _, s := range scripts {
			if unicode.Is(s.table, r) {
				return s.name
			}
		}
		if unicode.IsGraphic(r) && !unicode.IsSpace(r) {
			return fmt.Sprintf("UCS-2 because of '%c'", r)
		}
		// Invisible characters (no-break space, direction marks) are the
		// ones a reviewer cannot see; name them by code point.
		return fmt.Sprintf("UCS-2 because of U+%04X", r)
	}
	return ""
}
