package translations

import (
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	arabic := func(n int) string { return strings.Repeat("ب", n) }
	for _, tc := range []struct {
		name, text string
		enc        string
		n          int
	}{
		{"empty", "", "GSM-7", 0},
		{"one char", "a", "GSM-7", 1},
		{"ascii 160", strings.Repeat("a", 160), "GSM-7", 1},
		{"ascii 161", strings.Repeat("a", 161), "GSM-7", 2},
		{"ascii 306", strings.Repeat("a", 306), "GSM-7", 2},
		{"ascii 307", strings.Repeat("a", 307), "GSM-7", 3},
		{"GSM accents", "Dag Ané, Søren, Åsa, Çelik, Müller, Niño, straße, § à é", "GSM-7", 1},
		{"ë forces UCS-2", "Hoe gaat het met Noël?", "UCS-2", 1},
		{"ş forces UCS-2", "Ayşe", "UCS-2", 1},
		{"ą forces UCS-2", "Wiązka", "UCS-2", 1},
		{"ë: 71 chars", "ë" + strings.Repeat("a", 70), "UCS-2", 2},
		{"€ is 2 septets, 80 fit", strings.Repeat("€", 80), "GSM-7", 1},
		{"€ is 2 septets, 81 don't", strings.Repeat("€", 81), "GSM-7", 2},
		{"159 + {", strings.Repeat("a", 159) + "{", "GSM-7", 2},
		{"form feed is 2 septets", strings.Repeat("a", 159) + "\f", "GSM-7", 2},
		// An escape pair is not split across parts: 152 + 2 does not fit in 153.
		{"escape pair not split", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 10), "GSM-7", 2},
		{"escape pair pushes a part", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), "GSM-7", 3},
		{"arabic 70", arabic(70), "UCS-2", 1},
		{"arabic 71", arabic(71), "UCS-2", 2},
		{"arabic 134", arabic(134), "UCS-2", 2},
		{"arabic 135", arabic(135), "UCS-2", 3},
		{"emoji is a surrogate pair", "😀", "UCS-2", 1},
		{"35 emoji = 70 units", strings.Repeat("😀", 35), "UCS-2", 1},
		{"69 units + emoji = 71", arabic(69) + "😀", "UCS-2", 2},
		// 66 + 2 + 66 = 134 units, but the pair cannot straddle two parts.
		{"surrogate pair not split", arabic(66) + "😀" + arabic(66), "UCS-2", 3},
	} {
		enc, n := Segments(tc.text)
		if enc != tc.enc || n != tc.n {
			t.Errorf("%s: Segments = %s, %d; want %s, %d", tc.name, enc, n, tc.enc, tc.n)
		}
	}
}
