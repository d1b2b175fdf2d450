package rosterimport

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/nabij-isk/nabij/school"
)

// cell is one value and where it stands in the file, so that any error about
// it names the row and column a person fixes.
type cell struct {
	val string
	row int
	col string // header as written, or the field's first alias when the file has no such column
	idx int    // column position, to list errors in reading order; -1 when there is no such column
	doc int    // which file of a OneRoster zip, to list errors file by file
}

// record is one data row, already sorted into fields.
type record struct {
	row   int
	cells [numFields]cell
}

func (r *record) blank() bool {
	for _, c := range r.cells {
		if c.val != "" {
			return false
		}
	}
	return true
}

// errorList gathers RowErrors, one per cell: a person fixes a cell once, and
// Roster.Normalize may find again what the rows already showed.
type errorList struct {
	list []positioned
	seen map[string]bool
}

type positioned struct {
	RowError
	idx, doc int
}

// add names c's problem, id with args (school.Problem), its English
// formatted as fmt.Sprintf does.
func (e *errorList) add(c cell, id string, args map[string]string, format string, a ...any) {
	e.addErr(c, school.Problemf(id, args, format, a...))
}

// addErr names c's problem err: a *school.Problem keeps its id, another
// error is English only.
func (e *errorList) addErr(c cell, err error) {
	key := fmt.Sprintf("%d\x00%d\x00%s", c.doc, c.row, c.col)
	if e.seen == nil {
		e.seen = map[string]bool{}
	}
	if e.seen[key] {
		return
	}
	e.seen[key] = true
	re := RowError{Row: c.row, Column: c.col, Message: err.Error()}
	if p, ok := err.(*school.Problem); ok {
		re.Problem = p
	}
	e.list = append(e.list, positioned{re, c.idx, c.doc})
}

// sorted lists the errors as they stand in the file: by row, then column.
func (e *errorList) sorted() []RowError {
	sort.SliceStable(e.list, func(a, b int) bool {
		x, y := e.list[a], e.list[b]
		if x.doc != y.doc {
			return x.doc < y.doc
		}
		if x.Row != y.Row {
			return x.Row < y.Row
		}
		xi, yi := x.idx, y.idx
		if xi < 0 {
			xi = math.MaxInt
		}
		if yi < 0 {
			yi = math.MaxInt
		}
		return xi < yi
	})
	out := make([]RowError, len(e.list))
	for i, p := range e.list {
		out[i] = p.RowError
	}
	return out
}

// pupilFields are the fields every row of one pupil must agree on.
var pupilFields = []field{fGiven, fInfix, fFamily, fFullName, fBirth, fClass, fUnit, fGender}

// pupil is one pupil merged from all of its rows.
type pupil struct {
	id      cell
	f       [numFields]cell   // the first non-empty value of each pupil field, or the first row's empty cell
	key     [numFields]string // what is compared between rows: the parsed date, the unit's slug
	tried   [numFields]bool   // a value was given, even a bad one (already reported)
	birth   school.Date
	mentors []string
}

func (p *pupil) name() string {
	n := strings.Join(strings.Fields(p.f[fGiven].val+" "+p.f[fInfix].val+" "+p.f[fFamily].val), " ")
	if p.f[fGiven].val == "" && p.f[fFamily].val == "" {
		n = strings.Join(strings.Fields(p.f[fFullName].val), " ")
	}
	return n
}

// nameCell is where an error about the pupil's name points.
func (p *pupil) nameCell() cell {
	for _, f := range []field{fGiven, fFamily, fFullName} {
		if p.f[f].val != "" {
			return p.f[f]
		}
	}
	for _, f := range []field{fGiven, fFamily, fFullName} {
		if p.f[f].idx >= 0 {
			return p.f[f]
		}
	}
	return p.f[fGiven]
}

// contactRow is the contact half of one row.
type contactRow struct {
	pupil                           *pupil
	phone, name, relation, lang, ch cell
	e164                            string
	role                            school.ContactRole
	language, second                string
	channel                         school.Channel
}

// builder turns records into a roster. Records come in file order; nothing
// is decided about a pupil or a phone number until every row is read,
// because a later row may complete an earlier one.
type builder struct {
	today  school.Date
	has    [numFields]bool
	errs   errorList
	rows   int
	pupils map[string]*pupil
	order  []*pupil
	// read are the contact halves of the rows as read, not yet parsed:
	// parseContacts parses them once the whole file is read, so that a file
	// refused at the row limit costs no phone number's parsing.
	read []*contactRow
	// contact are the rows of read that parsed.
	contact []*contactRow
	// parsed holds what this import parsed, by the cell as written: an
	// export repeats a family's phone number, relationship and language on
	// every sibling's row, and a phone number takes libphonenumber's time.
	parsed parsedCells
	// missing are the columns reported absent on the header, whose every
	// empty cell Roster.Normalize would report again.
	missing map[string]bool
}

func newBuilder(today school.Date, has [numFields]bool) *builder {
	return &builder{today: today, has: has, pupils: map[string]*pupil{}, missing: map[string]bool{}}
}

func (b *builder) add(rec *record) {
	if rec.blank() {
		return
	}
	b.rows++
	idc := rec.cells[fPupilID]
	switch {
	case idc.val == "":
		b.errs.add(idc, "pupil_number_required", nil, "a pupil number is required on every row")
		return
	case !school.ValidID(idc.val):
		b.errs.add(idc, "pupil_number_unusable", map[string]string{"Value": idc.val}, "%q is not a pupil number nabij can use: 1 to 64 letters, digits, '-', '_' or '.'", idc.val)
		return
	}
	p := b.pupils[idc.val]
	if p == nil {
		p = &pupil{id: idc}
		for _, f := range pupilFields {
			p.f[f] = rec.cells[f]
			p.f[f].val = ""
		}
		b.pupils[idc.val] = p
		b.order = append(b.order, p)
	}
	for _, f := range pupilFields {
		b.mergePupilField(p, f, rec.cells[f])
	}
	p.mentors = append(p.mentors, splitMentors(rec.cells[fMentor].val)...)
	b.addContact(p, rec)
}

func (b *builder) mergePupilField(p *pupil, f field, c cell) {
	if c.val == "" {
		return
	}
	p.tried[f] = true
	key := strings.Join(strings.Fields(c.val), " ")
	switch f {
	case fBirth:
		d, err := parseDate(c.val)
		if err != nil {
			b.errs.addErr(c, err)
			return
		}
		key = d.String()
		if p.f[f].val == "" {
			p.birth = d
		}
	case fUnit:
		key = slug(c.val)
	case fGender:
		g, ok := parseGender(c.val)
		if !ok {
			b.errs.add(c, "gender_unknown", map[string]string{"Value": c.val}, "%q is no gender nabij knows: write m or v (man, vrouw, jongen, meisje, male, female), or leave it empty", c.val)
			return
		}
		key = g
	}
	if p.f[f].val == "" {
		p.f[f], p.key[f] = c, key
		return
	}
	if p.key[f] != key {
		b.errs.add(c, "pupil_rows_differ", map[string]string{"Value": c.val, "Row": strconv.Itoa(p.f[f].row), "Other": p.f[f].val, "Pupil": p.id.val},
			"%q differs from row %d (%q); all rows of pupil %s must agree", c.val, p.f[f].row, p.f[f].val, p.id.val)
	}
}

func (b *builder) addContact(p *pupil, rec *record) {
	c := &contactRow{pupil: p, phone: rec.cells[fPhone], name: rec.cells[fContactName],
		relation: rec.cells[fRelation], lang: rec.cells[fLanguage], ch: rec.cells[fChannel]}
	// Language and channel alone do not make a contact: a thuistaal column
	// may be filled on rows that carry only the pupil.
	if c.phone.val == "" && c.name.val == "" && c.relation.val == "" {
		return
	}
	b.read = append(b.read, c)
}

// parseContacts parses the contact rows read, in file order, reporting
// their bad cells; the rows that parse are the contacts.
func (b *builder) parseContacts() {
	for _, c := range b.read {
		if b.parseContact(c) {
			b.contact = append(b.contact, c)
		}
	}
	b.read = nil
}

// parseContact parses the phone number, relationship, language and channel
// of one contact row, reporting each bad cell; it reports whether all parsed.
func (b *builder) parseContact(c *contactRow) bool {
	ok := true
	var err error
	switch {
	case c.phone.val == "":
		if b.has[fPhone] {
			who := c.name.val
			if who == "" {
				who = c.relation.val
			}
			b.errs.add(c.phone, "contact_phone_required", map[string]string{"Who": who}, "a phone number is required for contact %q", who)
		}
		ok = false
	default:
		if c.e164, err = b.parsed.phone(c.phone.val); err != nil {
			b.errs.addErr(c.phone, err)
			ok = false
		}
	}
	if c.relation.val != "" {
		if c.role, err = b.parsed.role(c.relation.val); err != nil {
			b.errs.addErr(c.relation, err)
			ok = false
		}
	}
	if c.language, c.second, err = b.parsed.language(c.lang.val); err != nil {
		b.errs.addErr(c.lang, err)
		ok = false
	}
	if c.channel, err = parseChannel(c.ch.val); err != nil {
		b.errs.addErr(c.ch, err)
		ok = false
	}
	return ok
}

// parsedCells remembers, within one import, what a cell's text parsed to
// (or the error), by the text: the parsers are pure, so a repeated phone
// number, relationship or language is parsed once.
type parsedCells struct {
	phones    map[string]parsedPhone
	roles     map[string]parsedRole
	languages map[string]parsedLanguage
}

type parsedPhone struct {
	e164 string
	err  error
}

type parsedRole struct {
	role school.ContactRole
	err  error
}

type parsedLanguage struct {
	first, second string
	err           error
}

// phone is normalizePhone(s), parsed once per import.
func (p *parsedCells) phone(s string) (string, error) {
	if r, ok := p.phones[s]; ok {
		return r.e164, r.err
	}
	e164, err := normalizePhone(s)
	if p.phones == nil {
		p.phones = map[string]parsedPhone{}
	}
	p.phones[s] = parsedPhone{e164, err}
	return e164, err
}

// role is parseRole(s), parsed once per import.
func (p *parsedCells) role(s string) (school.ContactRole, error) {
	if r, ok := p.roles[s]; ok {
		return r.role, r.err
	}
	role, err := parseRole(s)
	if p.roles == nil {
		p.roles = map[string]parsedRole{}
	}
	p.roles[s] = parsedRole{role, err}
	return role, err
}

// language is parseLanguage(s), parsed once per import.
func (p *parsedCells) language(s string) (first, second string, err error) {
	if r, ok := p.languages[s]; ok {
		return r.first, r.second, r.err
	}
	first, second, err = parseLanguage(s)
	if p.languages == nil {
		p.languages = map[string]parsedLanguage{}
	}
	p.languages[s] = parsedLanguage{first, second, err}
	return first, second, err
}

// checkPupils reports what a pupil lacks once all of its rows are read.
// A field whose column the file lacks was reported once, on the header.
func (b *builder) checkPupils() {
	for _, p := range b.order {
		if p.name() == "" && (b.has[fGiven] || b.has[fFamily] || b.has[fFullName]) {
			b.errs.add(p.nameCell(), "pupil_name_required", map[string]string{"Pupil": p.id.val}, "a name is required for pupil %s", p.id.val)
		}
		if !p.tried[fBirth] && b.has[fBirth] {
			b.errs.add(p.f[fBirth], "pupil_birth_required", map[string]string{"Pupil": p.id.val}, "a birth date is required for pupil %s", p.id.val)
		}
		if !p.tried[fClass] && b.has[fClass] {
			b.errs.add(p.f[fClass], "pupil_class_required", map[string]string{"Pupil": p.id.val}, "a class is required for pupil %s", p.id.val)
		}
	}
}

// checkHeader reports the columns nabij cannot do without, once, on the
// header row, instead of on every row.
func (b *builder) checkHeader(headerRow int) {
	missing := func(id, what string, fs ...field) {
		for _, f := range fs {
			if b.has[f] {
				return
			}
		}
		var names []string
		for _, f := range fs {
			b.missing[aliases[f][0]] = true
			names = append(names, aliases[f][:min(3, len(aliases[f]))]...)
		}
		b.errs.add(cell{row: headerRow, col: aliases[fs[0]][0], idx: -1}, id, map[string]string{"Names": strings.Join(names, ", ")},
			"the file has no column for %s; name one %s", what, strings.Join(names, ", "))
	}
	missing("column_name_missing", "the pupil's name", fGiven, fFamily, fFullName)
	missing("column_birth_missing", "the birth date", fBirth)
	missing("column_class_missing", "the class", fClass)
	if b.has[fContactName] || b.has[fRelation] {
		missing("column_phone_missing", "the contact's phone number", fPhone)
	}
	if b.has[fPhone] {
		missing("column_contact_missing", "the contact's name or relationship", fContactName, fRelation)
	}
}

// parseGender reads a pupil's gender as school systems write it: "f", "m",
// or "" for one they do not record ("other", "unspecified", "onbekend").
func parseGender(v string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "v", "vrouw", "vrouwelijk", "meisje", "f", "female", "woman", "girl":
		return "f", true
	case "m", "man", "mannelijk", "jongen", "male", "boy":
		return "m", true
	case "", "x", "o", "onbekend", "anders", "other", "unspecified", "unknown":
		return "", true
	}
	return "", false
}
