package translations

import "unicode/utf16"

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
	var sizes []int // cost of each character in septets or code units
	gsm := true
	for _, r := range text {
		n, ok := gsmSeptets[r]
		if !ok {
			gsm = false
			break
		}
		sizes = append(sizes, n)
	}
	single, part := gsmSingle, gsmPart
	encoding = "GSM-7"
	if !gsm {
		encoding = "UCS-2"
		single, part = ucs2Single, ucs2Part
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
