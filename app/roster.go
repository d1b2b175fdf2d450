package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/nabij-isk/nabij/rosterimport"
	"github.com/nabij-isk/nabij/school"
)

// RosterFormat is the kind of roster file an import read.
type RosterFormat string

// The roster files nabij reads (rosterimport).
const (
	// RosterCSV is the forgiving nabij CSV of a school's own export.
	RosterCSV RosterFormat = "csv"
	// RosterOneRoster is a OneRoster 1.1 or 1.2 CSV zip.
	RosterOneRoster RosterFormat = "oneroster"
)

// zipMagic starts every zip file, a OneRoster export among them.
var zipMagic = []byte("PK\x03\x04")

// ErrRosterImportGone is an import to apply that is not (or no longer)
// waiting: applied already, expired after RosterPreviewFor, or another
// admin's.
var ErrRosterImportGone = errors.New("the preview is gone (it lasts 15 minutes): upload the file again")

// RosterImport is a roster file read and compared with the roster in use:
// what applying it would change, or every bad row. Nothing is applied yet.
type RosterImport struct {
	// ID names the import for ApplyRosterImport; empty when Errors is not,
	// since a file with a bad row is never applied.
	ID string
	// Format is the kind of file read, decided by its content.
	Format RosterFormat
	// Rows is the number of data rows read (in a OneRoster zip, users.csv's).
	Rows int
	// Errors names every bad row and field, as the admin fixes them.
	Errors []rosterimport.RowError
	// Changes is what applying would change (ids only); empty with Errors.
	Changes rosterimport.Changes
	// Expires is when the import stops waiting to be applied.
	Expires time.Time
	// LongNames are the pupils (ids) whose name is longer than
	// BudgetedName: every alert about them costs families an SMS part more
	// than the translations' budget (translations.MaxAlertSegmentsFullName
	// holds names up to that length). A warning: the file is applied.
	LongNames []string
}

// BudgetedName is the longest pupil's name, in characters, the alerts'
// SMS budget is held to.
const BudgetedName = 30

// PreviewRosterImport reads a roster file of size bytes for admin u — a
// OneRoster zip when it starts as a zip does, else a nabij CSV — and
// answers what applying it would change, the import waiting in the store
// (not in memory) until u applies it or RosterPreviewFor passes. A file
// with bad rows answers them all and keeps nothing. Pupils keep their PGN
// from the roster in use where the file has none (exports carry none, and
// a DUO melding needs it). A file that cannot be read as a roster at all is
// an error wrapping rosterimport.ErrUnreadable.
func (s *Service) PreviewRosterImport(ctx context.Context, u school.User, file io.ReaderAt, size int64) (*RosterImport, error) {
	if u.Role != school.RoleAdmin {
		return nil, fmt.Errorf("%w: only an admin loads a roster", school.ErrForbidden)
	}
	format := RosterCSV
	start := make([]byte, len(zipMagic))
	if n, _ := file.ReadAt(start, 0); bytes.Equal(start[:n], zipMagic) {
		format = RosterOneRoster
	}
	var res *rosterimport.Result
	var err error
	switch format {
	case RosterOneRoster:
		res, err = rosterimport.ParseOneRoster(file, size, s.Today())
	default:
		res, err = rosterimport.ParseCSV(io.NewSectionReader(file, 0, size), s.Today())
	}
	switch {
	case errors.Is(err, rosterimport.ErrUnreadable):
		return nil, err // its message is for the admin, as it is
	case err != nil:
		return nil, fmt.Errorf("preview roster import: read the %s file: %w", format, err)
	}
	imp := &RosterImport{Format: format, Rows: res.Rows, Errors: res.Errors}
	if len(res.Errors) > 0 {
		return imp, nil
	}
	old, err := s.Roster(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("preview roster import: read the roster in use: %w", err)
	}
	keepPGNs(old, res.Roster)
	imp.Changes = rosterimport.Diff(old, res.Roster)
	for _, st := range res.Roster.Students {
		if utf8.RuneCountInString(st.Name) > BudgetedName {
			imp.LongNames = append(imp.LongNames, st.ID)
		}
	}
	if imp.ID, imp.Expires, err = s.keepRosterPreview(ctx, u, res.Roster); err != nil {
		return nil, fmt.Errorf("preview roster import: keep the preview: %w", err)
	}
	return imp, nil
}

// ApplyRosterImport puts u's import id in place of the roster, once, before
// it expires (else ErrRosterImportGone), and answers the roster applied.
func (s *Service) ApplyRosterImport(ctx context.Context, u school.User, id string) (*school.Roster, error) {
	if u.Role != school.RoleAdmin {
		return nil, fmt.Errorf("%w: only an admin loads a roster", school.ErrForbidden)
	}
	r, ok, err := s.takeRosterPreview(ctx, u, id)
	switch {
	case err != nil:
		return nil, fmt.Errorf("apply roster import: take the preview: %w", err)
	case !ok:
		return nil, ErrRosterImportGone
	}
	if err := s.ReplaceRoster(ctx, r); err != nil {
		return nil, fmt.Errorf("apply roster import: %w", err)
	}
	return r, nil
}

// keepPGNs carries each pupil's PGN over from the roster in use: school
// exports carry no PGN, and a DUO melding needs it.
func keepPGNs(old, next *school.Roster) {
	pgn := map[string]string{}
	for _, s := range old.Students {
		pgn[s.ID] = s.PGN
	}
	for i := range next.Students {
		if next.Students[i].PGN == "" {
			next.Students[i].PGN = pgn[next.Students[i].ID]
		}
	}
}
