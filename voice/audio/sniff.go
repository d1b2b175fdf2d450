package audio

import (
	"bytes"
	"unicode/utf8"
)

// sniffLen is how much of a file is looked at to tell its kind: enough for
// two MPEG audio frames at the highest bitrate.
const sniffLen = 4096

// kind is what sniff makes of a file's first bytes.
type kind int

const (
	kindUnknown kind = iota // not a recording (or not one sniff knows)
	kindWAV                 // RIFF/WAVE
	kindMP3                 // an ID3v2 tag, or MPEG-1/2/2.5 Layer III frames
	kindOther               // a sound or video format other than MP3 or WAV
)

// sniff tells a file's kind from its first bytes, and for one that is not
// MP3 or WAV what it looks like, in words for the admin ("a PDF document").
func sniff(b []byte) (kind, string) {
	has := func(off int, s string) bool {
		return len(b) >= off+len(s) && string(b[off:off+len(s)]) == s
	}
	switch {
	case has(0, "RIFF") && has(8, "WAVE"):
		return kindWAV, ""
	case has(0, "RIFF") && has(8, "AVI "):
		return kindOther, "an AVI video"
	case has(0, "RIFF") && has(8, "WEBP"):
		return kindUnknown, "a WebP image"
	case has(0, "RF64") || has(0, "BW64"):
		return kindOther, "a 64-bit WAV (RF64), which Twilio does not play"
	case has(0, "ID3"):
		return kindMP3, ""
	case has(0, "OggS") && bytes.Contains(b, []byte("OpusHead")):
		return kindOther, "an Opus recording (as WhatsApp voice messages are)"
	case has(0, "OggS") && bytes.Contains(b, []byte("\x01vorbis")):
		return kindOther, "an Ogg Vorbis recording"
	case has(0, "OggS"):
		return kindOther, "an Ogg file"
	case has(0, "fLaC"):
		return kindOther, "a FLAC recording"
	case has(0, "#!AMR"):
		return kindOther, "an AMR recording (as some phones make)"
	case has(4, "ftypM4A") || has(4, "ftypM4B") || has(4, "ftypM4P"):
		return kindOther, "an M4A (AAC) recording (as iPhones and many recording apps make)"
	case has(4, "ftypqt"):
		return kindOther, "a QuickTime video"
	case has(4, "ftyphei") || has(4, "ftypmif1") || has(4, "ftypavif"):
		return kindUnknown, "a HEIC or AVIF photo"
	case has(4, "ftyp3g"):
		return kindOther, "a 3GP recording or video (as some phones make)"
	case has(4, "ftyp"):
		return kindOther, "an MP4 video or M4A recording"
	case has(0, "\x1a\x45\xdf\xa3"):
		return kindOther, "a WebM or Matroska file (a video, or a recording made in a web browser)"
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return kindOther, "an AIFF recording"
	case has(0, "caff"):
		return kindOther, "a Core Audio (CAF) recording"
	case has(0, "\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
		return kindOther, "a Windows Media (WMA or WMV) file"
	case has(0, ".snd"):
		return kindOther, "a Sun audio (AU) file"
	case has(0, "MThd"):
		return kindUnknown, "a MIDI file (notes, not a recording)"
	case has(0, "\x89PNG"):
		return kindUnknown, "a PNG image"
	case has(0, "\xff\xd8\xff"):
		return kindUnknown, "a JPEG photo"
	case has(0, "GIF8"):
		return kindUnknown, "a GIF image"
	case has(0, "II*\x00") || has(0, "MM\x00*"):
		return kindUnknown, "a TIFF image"
	case has(0, "%PDF-"):
		return kindUnknown, "a PDF document"
	case has(0, "PK\x03\x04"):
		return kindUnknown, "a ZIP archive (or a Word, Excel or PowerPoint file)"
	case has(0, "\xd0\xcf\x11\xe0"):
		return kindUnknown, "an older Word, Excel or PowerPoint file"
	case has(0, "{\\rtf"):
		return kindUnknown, "a text document (RTF)"
	case has(0, "\x1f\x8b") || has(0, "7z\xbc\xaf") || has(0, "Rar!"):
		return kindUnknown, "a compressed archive"
	case has(0, "MZ") || has(0, "\x7fELF"):
		return kindUnknown, "a program"
	}
	if h, ok := parseFrameHeader(b); ok {
		switch {
		case h.layer != 3:
			return kindOther, "MPEG audio " + h.layerName() + ", not MP3 (Layer III)"
		case h.size() >= len(b):
			// One frame, or a file cut short within its second:
			// checkMP3 says which.
			return kindMP3, ""
		default:
			if next, ok := parseFrameHeader(b[h.size():]); ok && next.layer == 3 {
				return kindMP3, ""
			}
		}
	}
	if len(b) >= 2 && b[0] == 0xff && b[1]&0xf6 == 0xf0 {
		return kindOther, "AAC audio (ADTS)"
	}
	if looksLikeText(b) {
		trimmed := bytes.ToLower(bytes.TrimSpace(b))
		switch {
		case bytes.HasPrefix(trimmed, []byte("<!doctype html")) || bytes.HasPrefix(trimmed, []byte("<html")):
			return kindUnknown, "a web page (HTML)"
		case bytes.HasPrefix(trimmed, []byte("<?xml")) || bytes.HasPrefix(trimmed, []byte("<svg")):
			return kindUnknown, "an XML or SVG file"
		}
		return kindUnknown, "text"
	}
	return kindUnknown, ""
}

// looksLikeText says whether b is UTF-8 text: no control characters but
// tabs and line ends (a rune cut at the end of b is allowed).
func looksLikeText(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
		b = b[n:]
	}
	return true
}
