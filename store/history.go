package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/nabij-isk/nabij/school"
)

// History entries are the bulk of the store (every pupil, every day
// absent) and the end-of-day sweep reads all of them, so they are kept in a
// small binary form rather than JSON: a version byte, the kind, the minutes,
// the hours, then the class, reason and reporter as length-prefixed strings.

const historyV1 = 1

var kindCodes = map[school.AbsenceKind]byte{school.Absent: 1, school.Late: 2, school.Sick: 3, school.Excused: 4}
var codeKinds = map[byte]school.AbsenceKind{1: school.Absent, 2: school.Late, 3: school.Sick, 4: school.Excused}

func encodeHistory(e HistoryEntry) []byte {
	b := make([]byte, 0, 16+len(e.Class)+len(e.Reason)+len(e.ReportedBy))
	b = append(b, historyV1, kindCodes[e.Kind])
	b = binary.AppendUvarint(b, uint64(e.Minutes))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(e.Hours))
	for _, s := range []string{e.Class, e.Reason, e.ReportedBy} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

var errHistory = errors.New("history entry is damaged")

func decodeHistory(date school.Date, student string, b []byte) (HistoryEntry, error) {
	e := HistoryEntry{Date: date}
	e.Student = student
	if len(b) < 2 || b[0] != historyV1 {
		return e, errHistory
	}
	e.Kind = codeKinds[b[1]]
	b = b[2:]
	minutes, n := binary.Uvarint(b)
	if n <= 0 || len(b[n:]) < 8 {
		return e, errHistory
	}
	e.Minutes = int(minutes)
	b = b[n:]
	e.Hours = math.Float64frombits(binary.BigEndian.Uint64(b))
	b = b[8:]
	for _, dst := range []*string{&e.Class, &e.Reason, &e.ReportedBy} {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b[n:])) < l {
			return e, errHistory
		}
		*dst = string(b[n : n+int(l)])
		b = b[n+int(l):]
	}
	return e, nil
}

// parseHistoryKey splits "student|YYYY-MM-DD".
func parseHistoryKey(k []byte) (string, school.Date, error) {
	if len(k) < 12 || k[len(k)-11] != '|' {
		return "", school.Date{}, errHistory
	}
	d, err := school.ParseDate(string(k[len(k)-10:]))
	return string(k[:len(k)-11]), d, err
}

// RuleEntry is what the rules read of a day of history.
type RuleEntry struct {
	Date    school.Date
	Kind    school.AbsenceKind
	Minutes int
	Hours   float64
}

// RuleHistory lists a pupil's days as the rules read them, oldest first,
// appended to buf: the list's transaction reads the history of every pupil
// whose entry changed, and this reads only the fixed fields, allocating
// nothing per day.
func (t *Tx) RuleHistory(student string, buf []RuleEntry) ([]RuleEntry, error) {
	c := t.tx.Bucket(bucketHistory).Cursor()
	p := []byte(student + "|")
	for k, v := c.Seek(p); k != nil && hasPrefix(k, p); k, v = c.Next() {
		if len(k) != len(p)+10 {
			continue // not a day of this pupil's
		}
		d, ok := school.DateFromBytes(k[len(p):])
		if !ok || len(v) < 2 || v[0] != historyV1 {
			return buf, fmt.Errorf("history %s: %w", k, errHistory)
		}
		minutes, n := binary.Uvarint(v[2:])
		if n <= 0 || len(v[2+n:]) < 8 {
			return buf, fmt.Errorf("history %s: %w", k, errHistory)
		}
		buf = append(buf, RuleEntry{Date: d, Kind: codeKinds[v[1]], Minutes: int(minutes),
			Hours: math.Float64frombits(binary.BigEndian.Uint64(v[2+n:]))})
	}
	return buf, nil
}
