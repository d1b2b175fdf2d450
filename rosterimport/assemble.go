package rosterimport

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nabij-isk/nabij/school"
)

// person is everything the rows say about one phone number. One number is
// one contact, with one id and the same details, under every pupil and
// housing unit it stands: a mother of two pupils is told once, and
// Roster.Normalize refuses one id with two sets of details.
type person struct {
	e164     string
	id       string
	first    *contactRow
	owner    string // the lowest pupil number the phone stands under
	names    []string
	nameCell cell
	role     school.ContactRole
	roleCell cell
	language string
	second   string
	langCell cell
	channel  school.Channel
	chCell   cell
}

func (p *person) contact() school.Contact {
	name := strings.Join(p.names, " / ")
	if name == "" {
		// "Moeder" is what staff would have typed as the name anyway.
		name = p.roleCell.val
	}
	return school.Contact{ID: p.id, Role: p.role, Name: name, Phone: p.e164,
		Language: p.language, SecondLanguage: p.second, Channel: p.channel}
}

// people merges the contact rows by phone number. Differing names are kept
// side by side (two parents sharing a phone); a differing relationship,
// language or channel is an error, since nabij could only guess which is right.
func (b *builder) people() map[string]*person {
	m := map[string]*person{}
	for _, c := range b.contact {
		p := m[c.e164]
		if p == nil {
			p = &person{e164: c.e164, first: c, owner: c.pupil.id.val,
				nameCell: c.name, roleCell: c.relation, langCell: c.lang, chCell: c.ch}
			m[c.e164] = p
		}
		p.owner = min(p.owner, c.pupil.id.val)
		if n := strings.Join(strings.Fields(c.name.val), " "); n != "" {
			if len(p.names) == 0 {
				p.nameCell = c.name
			}
			if !slices.ContainsFunc(p.names, func(o string) bool { return fold(o) == fold(n) }) {
				p.names = append(p.names, n)
			}
		}
		const conflict = "this phone number is given with %s %q on row %d; one number is one contact, so give it the same %s on every row"
		if c.role != "" {
			switch {
			case p.role == "":
				p.role, p.roleCell = c.role, c.relation
			case p.role != c.role:
				b.errs.add(c.relation, "contact_relationship_differs", map[string]string{"Value": p.roleCell.val, "Row": strconv.Itoa(p.roleCell.row)},
					conflict, "relationship", p.roleCell.val, p.roleCell.row, "relationship")
			}
		}
		if c.language != "" {
			switch {
			case p.language == "":
				p.language, p.second, p.langCell = c.language, c.second, c.lang
			case p.language != c.language || c.second != "" && p.second != "" && c.second != p.second:
				b.errs.add(c.lang, "contact_language_differs", map[string]string{"Value": p.langCell.val, "Row": strconv.Itoa(p.langCell.row)},
					conflict, "language", p.langCell.val, p.langCell.row, "language")
			case p.second == "":
				p.second = c.second
			}
		}
		if c.channel != "" {
			switch {
			case p.channel == "":
				p.channel, p.chCell = c.channel, c.ch
			case p.channel != c.channel:
				b.errs.add(c.ch, "contact_channel_differs", map[string]string{"Value": p.chCell.val, "Row": strconv.Itoa(p.chCell.row)},
					conflict, "channel", p.chCell.val, p.chCell.row, "channel")
			}
		}
	}
	for _, p := range m {
		p.id = contactID(p.owner, p.e164)
		if p.role == "" {
			// A verzorger column without a relatie column is the school's
			// list of parents.
			p.role = school.RoleParent
		}
		if len(p.names) == 0 && p.roleCell.val == "" && (b.has[fContactName] || b.has[fRelation]) {
			b.errs.add(p.first.name, "contact_name_required", nil, "a name is required for this contact (or a relatie, such as moeder)")
		}
	}
	return m
}

// assemble builds the roster in file order and notes, for every path
// Roster.Normalize may name, the cell the value came from.
func (b *builder) assemble(people map[string]*person) (*school.Roster, map[string]cell) {
	r := &school.Roster{Classes: []school.Class{}, HousingUnits: []school.HousingUnit{}, Students: []school.Student{}}
	src := map[string]cell{}
	classes, units := map[string]cell{}, map[string]int{} // a class's id → the cell that named it first
	for _, p := range b.order {
		if name := p.key[fClass]; name != "" {
			id := classID(name)
			first, seen := classes[id]
			switch {
			case !seen:
				classes[id] = p.f[fClass]
				path := fmt.Sprintf("classes[%d]", len(r.Classes))
				src[path+".id"], src[path+".name"] = p.f[fClass], p.f[fClass]
				r.Classes = append(r.Classes, school.Class{ID: id, Name: name})
			case strings.Join(strings.Fields(first.val), " ") != name:
				// Two names, one id ("ISK 2" and "ISK-2", "1A" and "1A+"):
				// one class would take the other's pupils, and its mentors
				// would see them.
				b.errs.add(p.f[fClass], "class_id_taken", map[string]string{"Value": name, "Other": first.val, "Row": strconv.Itoa(first.row), "ID": id},
					"%q and %q (row %d) would both be class %s; name them apart", name, first.val, first.row, id)
			}
		}
		if id := p.key[fUnit]; id != "" {
			if _, ok := units[id]; !ok {
				units[id] = len(r.HousingUnits)
				path := fmt.Sprintf("housing_units[%d]", len(r.HousingUnits))
				src[path+".id"], src[path+".name"] = p.f[fUnit], p.f[fUnit]
				name := strings.Join(strings.Fields(p.f[fUnit].val), " ")
				r.HousingUnits = append(r.HousingUnits, school.HousingUnit{ID: id, Name: name, Contacts: []school.Contact{}})
			}
		}
	}
	students := map[*pupil]int{}
	for _, p := range b.order {
		path := fmt.Sprintf("students[%d]", len(r.Students))
		students[p] = len(r.Students)
		src[path+".id"], src[path+".pgn"] = p.id, p.id
		src[path+".name"] = p.nameCell()
		src[path+".class"] = p.f[fClass]
		src[path+".birth_date"] = p.f[fBirth]
		src[path+".housing_unit"] = p.f[fUnit]
		src[path+".gender"] = p.f[fGender]
		r.Students = append(r.Students, school.Student{ID: p.id.val, Name: p.name(), Class: classID(p.key[fClass]),
			BirthDate: p.birth, Gender: p.key[fGender], HousingUnit: p.key[fUnit], Contacts: []school.Contact{}})
	}
	placed := map[string]bool{}
	for _, c := range b.contact {
		per := people[c.e164]
		var path string
		// A woonbegeleider's phone is the housing unit's duty phone: it
		// goes to the unit once, not to each pupil living there.
		if unit := c.pupil.key[fUnit]; per.role == school.RoleWoonbegeleider && unit != "" {
			if key := "u\x00" + unit + "\x00" + c.e164; !placed[key] {
				placed[key] = true
				u := &r.HousingUnits[units[unit]]
				path = fmt.Sprintf("housing_units[%d].contacts[%d]", units[unit], len(u.Contacts))
				u.Contacts = append(u.Contacts, per.contact())
			}
		} else if key := "s\x00" + c.pupil.id.val + "\x00" + c.e164; !placed[key] {
			placed[key] = true
			s := &r.Students[students[c.pupil]]
			path = fmt.Sprintf("students[%d].contacts[%d]", students[c.pupil], len(s.Contacts))
			s.Contacts = append(s.Contacts, per.contact())
		}
		if path != "" {
			src[path+".id"], src[path+".phone"] = c.phone, c.phone
			src[path+".name"] = per.nameCell
			src[path+".role"] = per.roleCell
			src[path+".language"], src[path+".second_language"] = per.langCell, per.langCell
			src[path+".channel"] = per.chCell
		}
	}
	return r, src
}

// finish decides: every error found, or a normalised roster. An empty
// roster is an error, pointed at noPupils: applied, it would remove every pupil.
func (b *builder) finish(noPupils cell) *Result {
	b.parseContacts()
	b.checkPupils()
	roster, src := b.assemble(b.people())
	if len(b.order) == 0 {
		b.errs.add(noPupils, "no_pupils", nil, "there are no pupils in the file")
	}
	if err := roster.Normalize(b.today); err != nil {
		var ve *school.ValidationError
		if !errors.As(err, &ve) {
			b.errs.addErr(cell{idx: -1}, err)
		} else {
			for _, d := range ve.Details {
				c, ok := src[d.Field]
				if ok && c.idx < 0 && b.missing[c.col] {
					continue
				}
				if !ok {
					// Not expected: a path this package did not build. Named
					// by its path rather than lost.
					c = cell{col: d.Field, idx: -1}
				}
				b.errs.addErr(c, d.Err())
			}
		}
	}
	res := &Result{Rows: b.rows, Mentors: b.mentors(), Errors: b.errs.sorted()}
	if len(res.Errors) == 0 {
		res.Roster = roster
	}
	return res
}

// mentors gathers the mentor column by class, for creating mentor users.
func (b *builder) mentors() map[string][]string {
	m := map[string][]string{}
	for _, p := range b.order {
		class := classID(p.key[fClass])
		for _, n := range p.mentors {
			if class != "" && !slices.Contains(m[class], n) {
				m[class] = append(m[class], n)
			}
		}
	}
	for _, names := range m {
		sort.Strings(names)
	}
	return m
}
