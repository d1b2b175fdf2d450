package rosterimport

import (
	"sort"
	"strings"
)

// field is one thing nabij reads from a row, whatever the school's system calls it.
type field int

const (
	fPupilID field = iota
	fGiven
	fInfix
	fFamily
	fFullName
	fBirth
	fClass
	fMentor
	fUnit
	fContactName
	fRelation
	fPhone
	fChannel
	fLanguage
	fGender
	numFields
)

// aliases are the headers each field is recognised by, best first: the Dutch
// words of ROSTER.md, then the field names of Somtoday and Magister exports,
// then English. The first alias is the header named in an error about a
// column the file does not have. Headers are compared by headerKey, so case,
// spaces and underscores do not matter.
var aliases = [numFields][]string{
	fPupilID:     {"leerlingnummer", "stamnummer", "stamnr", "id", "leerlingNummer", "stamnr_str", "student id", "student number", "pupil id"},
	fGiven:       {"roepnaam", "voornaam", "leerlingRoepnaam", "Roepnaam", "given name", "first name"},
	fInfix:       {"tussenvoegsel", "tussenv", "voorvoegsel", "leerlingVoorvoegsel", "Tussenv", "infix", "prefix"},
	fFamily:      {"achternaam", "leerlingAchternaam", "Achternaam", "family name", "last name", "surname"},
	fFullName:    {"naam", "volledige naam", "leerlingnaam", "name", "full name"},
	fBirth:       {"geboortedatum", "geb_datum", "leerlingGeboortedatum", "geb_datum_str", "birth date", "date of birth", "birthdate"},
	fClass:       {"klas", "stamgroep", "stamklas", "groep", "leerlingStamgroep", "Klas", "class"},
	fMentor:      {"mentor", "mentoren", "leerlingMentoren", "leerlingMentor", "mentors"},
	fUnit:        {"kwe", "woonvoorziening", "housing unit"},
	fContactName: {"verzorger", "contactnaam", "contact", "verzorgerAchternaam", "contactpersoon", "verzorgernaam", "contact name"},
	fRelation:    {"relatie", "verzorgerLeerlingRelaties", "verzorgerLeerlingRelatie", "relatie tot leerling", "relationship"},
	fPhone:       {"telefoon", "mobiel", "verzorgerMobielNummer", "telefoonnummer", "mobiel nummer", "gsm", "phone", "mobile", "phone number"},
	fChannel:     {"kanaal", "channel"},
	fLanguage:    {"taal", "voertaal", "thuistaal", "contacttaal", "language"},
	fGender:      {"geslacht", "leerlingGeslacht", "gender", "sex"},
}

// fieldByKey is aliases inverted: header key → field and rank among its aliases.
var fieldByKey = func() map[string][2]int {
	m := map[string][2]int{}
	for f, list := range aliases {
		for rank, a := range list {
			if _, dup := m[headerKey(a)]; !dup {
				m[headerKey(a)] = [2]int{f, rank}
			}
		}
	}
	return m
}()

// headerKey is how headers are compared: exports differ in case and in
// word separators ("Geb_datum", "geboorte datum", "leerlingNummer").
func headerKey(h string) string {
	h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch r {
		case ' ', '_', '-', '.', '\t', '\u00a0':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// columns is where each field stands in the file, best alias first: when an
// export has two columns for one field (klas and stamgroep), the better one is
// read and the other fills in when it is empty.
type columns struct {
	header []string // as written, trimmed
	idx    [numFields][]int
}

func matchHeader(header []string) columns {
	c := columns{header: make([]string, len(header))}
	type hit struct{ col, rank int }
	var hits [numFields][]hit
	for i, h := range header {
		c.header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if fr, ok := fieldByKey[headerKey(h)]; ok {
			hits[fr[0]] = append(hits[fr[0]], hit{i, fr[1]})
		}
	}
	for f, hs := range hits {
		sort.SliceStable(hs, func(a, b int) bool { return hs[a].rank < hs[b].rank })
		for _, h := range hs {
			c.idx[f] = append(c.idx[f], h.col)
		}
	}
	return c
}

func (c columns) has(f field) bool { return len(c.idx[f]) > 0 }

// cell picks the value of f from a CSV record, with where it came from.
func (c columns) cell(f field, rec []string, row int) cell {
	out := cell{row: row, col: aliases[f][0], idx: -1}
	for n, i := range c.idx[f] {
		if n == 0 {
			out.col, out.idx = c.header[i], i
		}
		if i < len(rec) {
			if v := cleanValue(rec[i]); v != "" {
				return cell{val: v, row: row, col: c.header[i], idx: i}
			}
		}
	}
	return out
}

// cleanValue trims a cell and undoes the tricks spreadsheets use to keep a
// leading zero: a leading apostrophe, or a formula ="0612345678".
func cleanValue(v string) string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, `="`) && strings.HasSuffix(v, `"`) && len(v) >= 3 {
		v = strings.TrimSpace(v[2 : len(v)-1])
	}
	return strings.TrimSpace(strings.TrimPrefix(v, "'"))
}
