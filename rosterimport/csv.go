package rosterimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nabij-isk/nabij/school"
)

// maxFileSize bounds the file: a large ISK roster is well under a
// megabyte, a school board's whole export a few.
const maxFileSize = 32 << 20

// maxRows bounds the rows of one file: a school board's whole export is a
// few tens of thousands; a file of a million tiny rows is refused at the
// limit rather than read to its end.
const maxRows = 100_000

// headerSearch is how many leading rows may precede the header: exports
// often start with a title or an export date.
const headerSearch = 10

// sniffSize is how much of the file is looked at before the rest is read
// row by row: enough to decide the encoding, the separator and the header.
const sniffSize = 64 << 10

var (
	errTooLarge = fmt.Errorf("the file is larger than %d MB", maxFileSize>>20)
	errNotText  = errors.New("the file is not text")
)

// ParseCSV reads a nabij CSV roster (ROSTER.md section 1) row by row: only
// its first 64 KB and the pupils read so far are held in memory. It returns
// an error wrapping ErrUnreadable only when the file cannot be read as a
// roster at all (too large, more than 100,000 rows, not text, no header);
// bad rows and fields are listed in Result.Errors.
func ParseCSV(r io.Reader, today school.Date) (*Result, error) {
	text, err := decodeText(&sizeLimit{r: r, left: maxFileSize})
	if err != nil {
		return nil, err
	}
	head, atEOF, err := readHead(text)
	if err != nil {
		return nil, err
	}
	if atEOF && strings.TrimSpace(head) == "" {
		return nil, unreadable("the file is empty")
	}
	// The header is looked for in the head's whole lines only.
	sniff := head
	if !atEOF {
		sniff = head[:strings.LastIndexByte(head, '\n')+1]
	}
	sniff, skipped, comma := separator(sniff)
	// A title line above the header may mislead the guess, so each
	// separator is tried until one gives a header with a pupil number column.
	var cols columns
	headerRow, headerRecords := 0, 0
	for _, sep := range []rune{comma, ';', ',', '\t'} {
		if cols, headerRow, headerRecords, err = findHeader(sniff, sep); err != nil || headerRow > 0 {
			comma = sep
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

	if skipped > 0 {
		_, head, _ = strings.Cut(head, "\n")
	}
	cr := newCSVReader(io.MultiReader(strings.NewReader(head), text), comma)
	for range headerRecords {
		if _, err := cr.Read(); err != nil {
			return nil, unreadable("the start of the file cannot be read as CSV: %v", err)
		}
	}
	var has [numFields]bool
	for f := range numFields {
		has[f] = cols.has(f)
	}
	b := newBuilder(today, has)
	b.checkHeader(headerRow)
	for rows := 0; ; rows++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if rows == maxRows {
			return nil, unreadable("the file has more than %d rows", maxRows)
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return nil, readError(err)
		}
		if err != nil {
			// The reader's place in the file is uncertain after this, so the
			// rest is not guessed at; the error keeps the roster from applying.
			b.errs.add(cell{row: pe.Line + skipped, idx: -1}, "csv_line_unreadable", nil, "this line cannot be read as CSV (%v); the lines after it were not read", err)
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

func newCSVReader(r io.Reader, sep rune) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes = sep, -1, true
	// With a tab separator, trimming leading space would eat empty fields.
	cr.TrimLeadingSpace = sep != '\t'
	return cr
}

// readHead reads the first sniffSize bytes of text (all of it when the file
// is shorter, atEOF), without Excel's byte order mark.
func readHead(text io.Reader) (head string, atEOF bool, err error) {
	buf := make([]byte, sniffSize)
	n, err := io.ReadFull(text, buf)
	switch {
	case err == io.EOF, err == io.ErrUnexpectedEOF:
		atEOF = true
	case err != nil:
		return "", false, readError(err)
	}
	return strings.TrimPrefix(string(buf[:n]), "\ufeff"), atEOF, nil
}

// readError says why the file stopped being readable part way.
func readError(err error) error {
	switch {
	case errors.Is(err, errTooLarge), errors.Is(err, errNotText):
		return unreadable("%v", err)
	case errors.Is(err, errUTF16):
		return unreadable("the file is not valid UTF-16 text")
	}
	return fmt.Errorf("rosterimport: reading the file: %w", err)
}

// findHeader reads up to headerSearch records of text with separator sep,
// looking for the header: its line and how many records up to and with it.
func findHeader(text string, sep rune) (cols columns, line, records int, err error) {
	cr := newCSVReader(strings.NewReader(text), sep)
	for records < headerSearch {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return cols, 0, 0, unreadable("the start of the file cannot be read as CSV: %v", err)
		}
		records++
		if cols = matchHeader(rec); cols.has(fPupilID) {
			line, _ = cr.FieldPos(0)
			return cols, line, records, nil
		}
	}
	return cols, 0, 0, nil
}

func unreadable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnreadable, fmt.Sprintf(format, args...))
}

// sizeLimit reads at most left bytes, and fails with errTooLarge when the
// file goes on.
type sizeLimit struct {
	r    io.Reader
	left int64
}

func (l *sizeLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, err := l.r.Read(one[:]); n > 0 {
			return 0, errTooLarge
		} else if err != nil {
			return 0, err
		}
		return 0, nil
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
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
