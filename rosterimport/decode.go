package rosterimport

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

var errUTF16 = errors.New("not valid UTF-16")

// decodeText turns the file into UTF-8 text as it is read. Excel on Windows
// saves "CSV" in Windows-1252 and "Unicode text" in UTF-16; both are common
// in schools, and a rejected file only sends someone hunting for an export
// setting. The encoding is decided on the first 64 KB: a UTF-16 byte order
// mark, or bytes there that are not UTF-8 (Windows-1252 throughout). A file
// whose start is UTF-8 stays UTF-8, a later byte that is not being read as
// Windows-1252 — a name typed in another program and pasted in.
func decodeText(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	start, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, readError(err)
	}
	var t transform.Transformer
	switch {
	case bytes.HasPrefix(start, []byte("PK\x03\x04")), bytes.HasPrefix(start, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return nil, unreadable("this is an Excel workbook or a zip file; save it as CSV (UTF-8)")
	case bytes.HasPrefix(start, []byte{0xFF, 0xFE}), bytes.HasPrefix(start, []byte{0xFE, 0xFF}):
		t = utf16Strict{unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()}
	case !validUTF8Start(start, err == io.EOF):
		t = charmap.Windows1252.NewDecoder()
	default:
		t = utf8Or1252{}
	}
	return noNUL{transform.NewReader(br, t)}, nil
}

// validUTF8Start reports whether the start of a file is UTF-8; a character
// cut off at the end of the start (not the end of the file) does not count.
func validUTF8Start(p []byte, atEOF bool) bool {
	if !atEOF {
		for i := 0; i < utf8.UTFMax && i < len(p); i++ {
			if utf8.RuneStart(p[len(p)-1-i]) {
				if !utf8.FullRune(p[len(p)-1-i:]) {
					p = p[:len(p)-1-i]
				}
				break
			}
		}
	}
	return utf8.Valid(p)
}

// utf8Or1252 passes UTF-8 through and reads a byte that is not UTF-8 as
// Windows-1252.
type utf8Or1252 struct{ transform.NopResetter }

func (utf8Or1252) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		r, size := rune(src[nSrc]), 1
		if r >= utf8.RuneSelf {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if r, size = utf8.DecodeRune(src[nSrc:]); r == utf8.RuneError && size == 1 {
				r = charmap.Windows1252.DecodeByte(src[nSrc])
			}
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	return nDst, nSrc, nil
}

// utf16Strict is the UTF-16 decoder, its failure named.
type utf16Strict struct{ transform.Transformer }

func (u utf16Strict) Transform(dst, src []byte, atEOF bool) (int, int, error) {
	nDst, nSrc, err := u.Transformer.Transform(dst, src, atEOF)
	if err != nil && err != transform.ErrShortDst && err != transform.ErrShortSrc {
		err = errUTF16
	}
	return nDst, nSrc, err
}

// noNUL fails on a NUL character: a binary file, or a UTF-16 file without
// its byte order mark.
type noNUL struct{ r io.Reader }

func (n noNUL) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if bytes.IndexByte(p[:k], 0) >= 0 {
		return 0, errNotText
	}
	return k, err
}
