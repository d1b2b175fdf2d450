// Package rosterimport reads the roster files schools can actually produce
// (the forgiving nabij CSV and OneRoster CSV zips of ROSTER.md) into a
// school.Roster, naming every bad row and column as a person fixes them in a
// spreadsheet, and previews what applying it would change.
package rosterimport

import (
	"errors"

	"github.com/nabij-isk/nabij/school"
)

// ErrUnreadable is a file that cannot be read as a roster at all (not CSV,
// no header row, no pupil number column); the web layer answers it with 400,
// unlike bad rows, which are data for the preview.
var ErrUnreadable = errors.New("rosterimport: unreadable file")

// RowError names a bad row and field of the file, as a person fixes it in a spreadsheet.
type RowError struct {
	// Row is the 1-based line number in the file (header = 1); 0 when the
	// error is about the file as a whole.
	Row int `json:"row"`
	// Column is the column header as written in the file, or the usual
	// Dutch header when the file has no such column. In a OneRoster zip it
	// is "file.csv:header".
	Column string `json:"column"`
	// Message may quote the cell (a name, a date): it is for the admin
	// fixing the file, not for logs.
	Message string `json:"message"`
	// Problem, when set, is Message with an id the staff pages say in
	// their own words (school.Problem); nil for a message only in English.
	Problem *school.Problem `json:"-"`
}

// Result is what an import would apply.
type Result struct {
	// Roster is ready for ReplaceRoster when Errors is empty; it has already
	// passed Roster.Normalize. It is nil whenever Errors is not empty, so that
	// half a roster can never be applied.
	Roster *school.Roster
	// Errors names every bad row and field; empty when the file can be applied.
	Errors []RowError
	// Mentors maps a class id to the mentor names of the "mentor" column, for
	// creating users; the roster itself has no place for them.
	Mentors map[string][]string
	// Rows is the number of data rows read (blank rows not counted).
	Rows int
}
