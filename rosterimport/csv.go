package rosterimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/nabij-isk/nabij/school"
)

// maxFileSize bounds what is read into memory; a large ISK roster is well
// under a megabyte.
const maxFileSize = 32 << 20

// maxRows bounds the rows of one file: a school board's whole export is a
// few tens of thousands; a file of a million tiny rows is refused at the
// limit rather than held in memory row by row.
const maxRows = 100_000

// headerSearch is how many leading rows may precede the header: exports
// often start with a title or an export date.
const headerSearch = 10

// ParseCSV reads a nabij CSV roster (ROSTER.md section 1). It returns an
// error wrapping ErrUnreadable only when the file cannot be read as a roster
// at all; bad rows and fields are listed in Result.Errors.
func ParseCSV(r io.Reader, today school.Date) (*Result, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("rosterimport: reading the file: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, unreadable("the file is larger than %d MB", maxFileSize>>20)
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, unreadable("the file is empty")
	}
	text, skipped, comma := separator(text)
	// A title line above the header may mislead the guess, so each
	// separator is tried until one gives a header with a pupil number column.
	var cr *csv.Reader
	var cols columns
	headerRow := 0
	for _, sep := range []rune{comma, ';', ',', '\t'} {
		if cr, cols, headerRow, err = findHeader(text, sep); err != nil || headerRow > 0 {
			break
		}
		if skipped > 0 {
			break // Excel's sep= line is not a guess
		}
	}
	switch {
	case err != nil:
		return nil, err
	case headerRow == 0:
		return nil, unreadable("no header row with a column for the pupil number (%s)", strings.Join(aliases[fPupilID][:4], ", "))
	}
	headerRow += skipped

	var has [numFields]bool
	for f := range numFields {
		has[f] = cols.has(f)
	}
	b := newBuilder(today, has)
	b.checkHeader(headerRow)
	for rows := 0; ; rows++ {
		if rows == maxRows {
			return nil, unreadable("the file has more than %d rows", maxRows)
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// The reader's place in the file is uncertain after this, so the
			// rest is not guessed at; the error keeps the roster from applying.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line + skipped
			}
			b.errs.add(cell{row: line, idx: -1}, "this line cannot be read as CSV (%v); the lines after it were not read", err)
			break
		}
		line, _ := cr.FieldPos(0)
		rr := record{row: line + skipped}
		for f := range numFields {
			rr.cells[f] = cols.cell(f, rec, rr.row)
		}
		b.add(&rr)
	}
	return b.finish(cell{row: headerRow, idx: -1}), nil
}

// findHeader reads up to headerSearch records with separator sep, looking
// for the header; the reader is left just after it.
func findHeader(text string, sep rune) (cr *csv.Reader, cols columns, line int, err error) {
	cr = csv.NewReader(strings.NewReader(text))
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes = sep, -1, true
	// With a tab separator, trimming leading space would eat empty fields.
	cr.TrimLeadingSpace = sep != '\t'
	for range headerSearch {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, cols, 0, unreadable("the start of the file cannot be read as CSV: %v", err)
		}
		if cols = matchHeader(rec); cols.has(fPupilID) {
			line, _ = cr.FieldPos(0)
			return cr, cols, line, nil
		}
	}
	return cr, cols, 0, nil
}

func unreadable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnreadable, fmt.Sprintf(format, args...))
}

// decodeText turns the bytes into UTF-8 text. Excel on Windows saves "CSV"
// in Windows-1252 and "Unicode text" in UTF-16; both are common in schools,
// and a rejected file only sends someone hunting for an export setting.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", unreadable("this is an Excel workbook or a zip file; save it as CSV (UTF-8)")
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", unreadable("the file is not valid UTF-16 text")
		}
		data = out
	case !utf8.Valid(data):
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return "", unreadable("the file is not text")
		}
		data = out
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", unreadable("the file is not text")
	}
	return strings.TrimPrefix(string(data), "\ufeff"), nil
}

// separator finds the field separator: Excel's own "sep=;" first line, or
// else the commonest of ; , and tab outside quotes on the first line that has
// any. Dutch Excel writes ';', most other software ','.
func separator(text string) (rest string, skipped int, comma rune) {
	first, after, _ := strings.Cut(text, "\n")
	if f := strings.TrimSpace(first); len(f) == 5 && strings.EqualFold(f[:4], "sep=") && strings.ContainsRune(";,\t|", rune(f[4])) {
		return after, 1, rune(f[4])
	}
	lines := strings.SplitN(text, "\n", headerSearch+1)
	for _, line := range lines[:min(headerSearch, len(lines))] {
		counts := map[rune]int{}
		quoted := false
		for _, r := range line {
			switch {
			case r == '"':
				quoted = !quoted
			case !quoted && (r == ';' || r == ',' || r == '\t'):
				counts[r]++
			}
		}
		best := rune(0)
		for _, r := range []rune{';', ',', '\t'} { // ties go to ';', Dutch Excel's choice
			if counts[r] > counts[best] {
				best = r
			}
		}
		if best != 0 {
			return text, 0, best
		}
	}
	return text, 0, ','
}
