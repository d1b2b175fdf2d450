package web

import (
	"strconv"
	"strings"

	"github.com/nabij-isk/nabij/school"
)

// Reading the request's values into typed ones: app takes a school.Date,
// never the string of a URL. A bad value is a 422 naming its field, as
// API.md shows it.

// dateParam reads a required date of the request (a path parameter, say).
func dateParam(field, raw string) (school.Date, error) {
	d, err := school.ParseDate(raw)
	if err != nil {
		return d, invalid(field, err.Error())
	}
	return d, nil
}

// optionalDate reads a date that may be left out: empty, it is the zero
// date (no filter).
func optionalDate(field, raw string) (school.Date, error) {
	if raw == "" {
		return school.Date{}, nil
	}
	return dateParam(field, raw)
}

// periodParams reads the from and to of a period, both required; each bad
// one is named.
func periodParams(rawFrom, rawTo string) (from, to school.Date, err error) {
	var bad []school.FieldError
	from, err1 := school.ParseDate(rawFrom)
	if err1 != nil {
		bad = append(bad, school.FieldError{Field: "from", Message: "a date YYYY-MM-DD is required"})
	}
	to, err2 := school.ParseDate(rawTo)
	if err2 != nil {
		bad = append(bad, school.FieldError{Field: "to", Message: "a date YYYY-MM-DD is required"})
	}
	if len(bad) > 0 {
		return from, to, &school.ValidationError{Details: bad}
	}
	return from, to, nil
}

// invalid is a 422 for one field.
func invalid(field, msg string) error {
	return &school.ValidationError{Details: []school.FieldError{{Field: field, Message: msg}}}
}

// twoCounts reads the "N-M" a page's confirmation link carries (a list
// saved: entries and messages; a roster applied: pupils and classes). Only
// numbers: a link must not make a page say what its sender wants.
func twoCounts(q string) (int, int, bool) {
	a, b, ok := strings.Cut(q, "-")
	if !ok {
		return 0, 0, false
	}
	n, errA := strconv.Atoi(a)
	m, errB := strconv.Atoi(b)
	if errA != nil || errB != nil || n < 0 || m < 0 || n > 1_000_000 || m > 1_000_000 {
		return 0, 0, false
	}
	return n, m, true
}
