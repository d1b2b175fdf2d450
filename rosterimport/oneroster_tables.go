package rosterimport

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// The OneRoster files nabij reads, in the order their errors are listed.
const (
	docUsers = iota + 1
	docRoles
	docDemographics
	docEnrollments
	docClasses
)

var oneRosterFiles = map[string]int{
	"users.csv": docUsers, "roles.csv": docRoles, "demographics.csv": docDemographics,
	"enrollments.csv": docEnrollments, "classes.csv": docClasses,
}

// table is one CSV file of a OneRoster zip, its rows marked for deletion
// (status tobedeleted, in a delta export) already left out.
type table struct {
	name   string
	doc    int
	header []string
	col    map[string]int // lower-cased header → index
	rows   [][]string
	lines  []int
}

// readTables reads the files nabij uses from the zip. Files may sit in a
// folder inside the zip, and their names may differ in case: exports are
// zipped by hand as often as by software.
func readTables(r io.ReaderAt, size int64) (map[int]*table, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, unreadable("not a zip file: %v", err)
	}
	tables := map[int]*table{}
	workbook := false
	for _, f := range zr.File {
		name := strings.ToLower(path.Base(f.Name))
		// An Excel workbook (.xlsx) is a zip too.
		workbook = workbook || strings.EqualFold(f.Name, "xl/workbook.xml")
		doc, ok := oneRosterFiles[name]
		if !ok || f.FileInfo().IsDir() {
			continue
		}
		if tables[doc] != nil {
			return nil, unreadable("the zip holds two files named %s", name)
		}
		t, err := readTable(f, name, doc)
		if err != nil {
			return nil, err
		}
		tables[doc] = t
	}
	if tables[docUsers] == nil && workbook {
		return nil, unreadable("this is an Excel workbook; save it as CSV (UTF-8), or upload a OneRoster CSV export")
	}
	if tables[docUsers] == nil {
		return nil, unreadable("the zip has no users.csv; is it a OneRoster CSV export?")
	}
	return tables, nil
}

func readTable(f *zip.File, name string, doc int) (*table, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, unreadable("%s cannot be opened: %v", name, err)
	}
	defer rc.Close()
	// A zip's stated sizes are not to be trusted; the limit stops a zip bomb.
	text, err := decodeText(&sizeLimit{r: rc, left: maxFileSize})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord, cr.LazyQuotes, cr.TrimLeadingSpace = -1, true, true
	t := &table{name: name, doc: doc, col: map[string]int{}}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %w", name, readError(err))
		}
		if err != nil {
			return nil, unreadable("%s cannot be read as CSV: %v", name, err)
		}
		if t.header == nil {
			t.header = rec
			for i, h := range rec {
				h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
				if _, dup := t.col[h]; !dup {
					t.col[h] = i
				}
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		t.rows, t.lines = append(t.rows, rec), append(t.lines, line)
		if strings.EqualFold(t.get(len(t.rows)-1, "status"), "tobedeleted") {
			t.rows, t.lines = t.rows[:len(t.rows)-1], t.lines[:len(t.lines)-1]
		}
	}
	return t, nil
}

func (t *table) get(i int, col string) string {
	return t.cell(i, col).val
}

// cell is a value with its place in the zip: Column is "file.csv:header".
func (t *table) cell(i int, col string) cell {
	c := cell{row: t.lines[i], col: t.name + ":" + col, idx: -1, doc: t.doc}
	if j, ok := t.col[strings.ToLower(col)]; ok {
		c.col, c.idx = t.name+":"+strings.TrimSpace(strings.TrimPrefix(t.header[j], "\ufeff")), j
		if j < len(t.rows[i]) {
			c.val = cleanValue(t.rows[i][j])
		}
	}
	return c
}

// index maps the values of col to their row numbers, first row first.
func (t *table) index(col string) map[string][]int {
	m := map[string][]int{}
	if t == nil {
		return m
	}
	for i := range t.rows {
		if v := t.get(i, col); v != "" {
			m[v] = append(m[v], i)
		}
	}
	return m
}
