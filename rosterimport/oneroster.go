package rosterimport

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/nabij-isk/nabij/school"
)

// ParseOneRoster reads a OneRoster 1.1 or 1.2 CSV zip (ROSTER.md section 2).
// Pupils are users with role student, their contacts the users with role
// parent, guardian or relative linked through agentSourcedIds (from either
// side). RowErrors name "file.csv:header" as Column and the line in that
// file as Row; an error about something a pupil lacks in another file
// (enrollments.csv, demographics.csv) names that file and the pupil's line
// in users.csv. It returns an error wrapping ErrUnreadable only when the zip
// cannot be read or has no users.csv.
func ParseOneRoster(r io.ReaderAt, size int64, today school.Date) (*Result, error) {
	tables, err := readTables(r, size)
	if err != nil {
		return nil, err
	}
	o := &oneRoster{users: tables[docUsers], demographics: tables[docDemographics],
		enrollments: tables[docEnrollments], classes: tables[docClasses]}
	o.roles = userRoles(o.users, tables[docRoles])
	o.classByID, o.enrollByUser = o.classes.index("sourcedId"), o.enrollments.index("userSourcedId")

	var has [numFields]bool
	for _, f := range []field{fPupilID, fGiven, fInfix, fFamily, fBirth, fClass, fMentor, fContactName, fRelation, fPhone, fChannel, fLanguage} {
		has[f] = true
	}
	has[fBirth] = o.demographics != nil
	has[fClass] = o.enrollments != nil && o.classes != nil
	o.b = newBuilder(today, has)
	if !has[fBirth] {
		o.b.missing["demographics.csv"] = true
		o.b.errs.add(cell{col: "demographics.csv", idx: -1}, "oneroster_no_demographics", nil, "the zip has no demographics.csv, which holds the pupils' birth dates")
	}
	if !has[fClass] {
		o.b.missing["enrollments.csv"] = true
		o.b.errs.add(cell{col: "enrollments.csv", idx: -1}, "oneroster_no_enrollments", nil, "the zip needs classes.csv and enrollments.csv, which put the pupils in classes")
	}
	o.read()
	res := o.b.finish(cell{row: 1, col: "users.csv", idx: -1, doc: docUsers})
	res.Rows = len(o.users.rows)
	return res, nil
}

type oneRoster struct {
	users, demographics, enrollments, classes *table
	roles                                     map[string]userRole
	classByID, enrollByUser                   map[string][]int
	b                                         *builder
}

// userRole is a user's role: from users.csv (1.1) or roles.csv (1.2),
// where the primary role wins.
type userRole struct {
	role    string
	c       cell
	primary bool
}

func userRoles(users, roles *table) map[string]userRole {
	m := map[string]userRole{}
	for i := range users.rows {
		if c := users.cell(i, "role"); c.val != "" {
			m[users.get(i, "sourcedId")] = userRole{strings.ToLower(c.val), c, true}
		}
	}
	if roles == nil {
		return m
	}
	for i := range roles.rows {
		uid, primary := roles.get(i, "userSourcedId"), strings.EqualFold(roles.get(i, "roleType"), "primary")
		if cur, ok := m[uid]; ok && (cur.primary || !primary) {
			continue
		}
		c := roles.cell(i, "role")
		m[uid] = userRole{strings.ToLower(c.val), c, primary}
	}
	return m
}

// family reports whether user row i is a contact nabij alerts: a parent,
// guardian or relative, or anyone nabij's own relationship column names.
func (o *oneRoster) family(i int) bool {
	switch o.roles[o.users.get(i, "sourcedId")].role {
	case "parent", "guardian", "relative":
		return true
	}
	return o.users.get(i, "metadata.nabij.relationship") != ""
}

func (o *oneRoster) read() {
	u := o.users
	byID := u.index("sourcedId")
	// links is pupil sourcedId → contact rows in users.csv; the link may be
	// given from the pupil's side, the contact's, or both.
	links := map[string][]int{}
	link := func(pupil string, contact int) {
		if !slices.Contains(links[pupil], contact) {
			links[pupil] = append(links[pupil], contact)
		}
	}
	for i := range u.rows {
		sid := u.get(i, "sourcedId")
		for _, a := range splitIDs(u.get(i, "agentSourcedIds")) {
			rows, ok := byID[a]
			switch {
			case o.roles[sid].role == "student" && !ok:
				o.b.errs.add(u.cell(i, "agentSourcedIds"), "oneroster_no_user", map[string]string{"Value": a}, "there is no user %q in users.csv", a)
			case o.roles[sid].role == "student" && o.family(rows[0]):
				link(sid, rows[0])
			case o.family(i) && ok && o.roles[a].role == "student":
				link(a, i)
			}
		}
	}
	birth := o.demographics.index("sourcedId")
	mentors := o.teachers()
	for i := range u.rows {
		sid := u.get(i, "sourcedId")
		if o.roles[sid].role != "student" {
			continue
		}
		var rec record
		rec.row = u.lines[i]
		rec.cells[fPupilID] = u.cell(i, "identifier")
		if rec.cells[fPupilID].val == "" {
			rec.cells[fPupilID] = u.cell(i, "sourcedId")
		}
		rec.cells[fGiven], rec.cells[fInfix], rec.cells[fFamily] = u.cell(i, "givenName"), u.cell(i, "middleName"), u.cell(i, "familyName")
		rec.cells[fBirth] = cell{row: u.lines[i], col: "demographics.csv", idx: -1, doc: docUsers}
		if rows, ok := birth[sid]; ok {
			rec.cells[fBirth] = o.demographics.cell(rows[0], "birthDate")
			rec.cells[fGender] = o.demographics.cell(rows[0], "sex") // OneRoster: female, male, other, unspecified
		}
		rec.cells[fClass] = cell{row: u.lines[i], col: "enrollments.csv", idx: -1, doc: docUsers}
		c, classID, ok := o.classOf(sid)
		if ok {
			rec.cells[fMentor].val = strings.Join(mentors[classID], "; ")
		}
		if ok || c.row != 0 {
			rec.cells[fClass] = c
		}
		slices.Sort(links[sid])
		if len(links[sid]) == 0 {
			o.b.add(&rec)
		}
		for _, k := range links[sid] {
			rec := rec
			rec.cells[fContactName] = u.cell(k, "givenName")
			rec.cells[fContactName].val = o.name(k)
			// sms is the number meant for text messages; phone may be a landline.
			if rec.cells[fPhone] = u.cell(k, "sms"); rec.cells[fPhone].val == "" {
				rec.cells[fPhone] = u.cell(k, "phone")
			}
			if rec.cells[fRelation] = u.cell(k, "metadata.nabij.relationship"); rec.cells[fRelation].val == "" {
				rec.cells[fRelation] = o.roles[u.get(k, "sourcedId")].c
			}
			rec.cells[fLanguage] = u.cell(k, "metadata.nabij.language")
			rec.cells[fChannel] = u.cell(k, "metadata.nabij.channel")
			o.b.add(&rec)
		}
	}
}

// classOf is the pupil's class: the one class they are enrolled in, or else
// their one homeroom. More is an error rather than a guess, since the class
// decides which mentor follows the pupil. When it reports an error it returns
// that error's cell (empty), so that the pupil's missing class is not
// reported a second time.
func (o *oneRoster) classOf(sid string) (c cell, classID string, ok bool) {
	if o.enrollments == nil || o.classes == nil {
		return cell{}, "", false
	}
	var reported cell
	var all, homerooms []int // enrollment rows
	rowOf := map[int]int{}   // enrollment row → classes row
	for _, e := range o.enrollByUser[sid] {
		if role := o.enrollments.get(e, "role"); role != "" && !strings.EqualFold(role, "student") {
			continue
		}
		cid := o.enrollments.cell(e, "classSourcedId")
		rows, found := o.classByID[cid.val]
		if !found {
			o.b.errs.add(cid, "oneroster_no_class", map[string]string{"Value": cid.val}, "there is no class %q in classes.csv", cid.val)
			reported = cid
			continue
		}
		rowOf[e] = rows[0]
		if !slices.ContainsFunc(all, func(x int) bool { return rowOf[x] == rows[0] }) {
			all = append(all, e)
			if strings.EqualFold(o.classes.get(rows[0], "classType"), "homeroom") {
				homerooms = append(homerooms, e)
			}
		}
	}
	pick := all
	if len(homerooms) > 0 {
		pick = homerooms
	}
	switch {
	case len(pick) == 0:
		reported.val = ""
		return reported, "", false
	case len(pick) > 1:
		reported = o.enrollments.cell(pick[1], "classSourcedId")
		o.b.errs.add(reported, "oneroster_homeroom", map[string]string{"Pupil": sid, "Count": strconv.Itoa(len(pick))}, "pupil %s is in %d classes and not in exactly one homeroom; mark their own class classType homeroom", sid, len(pick))
		reported.val = ""
		return reported, "", false
	}
	row := rowOf[pick[0]]
	if c = o.classes.cell(row, "classCode"); c.val == "" {
		c = o.classes.cell(row, "sourcedId")
	}
	return c, o.classes.get(row, "sourcedId"), true
}

// teachers is class sourcedId → the names of the teachers enrolled in it,
// the mentors of a homeroom.
func (o *oneRoster) teachers() map[string][]string {
	m := map[string][]string{}
	if o.enrollments == nil {
		return m
	}
	byID := o.users.index("sourcedId")
	for e := range o.enrollments.rows {
		uid, role := o.enrollments.get(e, "userSourcedId"), o.enrollments.get(e, "role")
		if role == "" {
			role = o.roles[uid].role
		}
		rows, ok := byID[uid]
		if !ok || !strings.EqualFold(role, "teacher") {
			continue
		}
		name := o.name(rows[0])
		if cid := o.enrollments.get(e, "classSourcedId"); name != "" && !slices.Contains(m[cid], name) {
			m[cid] = append(m[cid], name)
		}
	}
	return m
}

// name is the full name of user row i; in Dutch exports middleName holds
// the tussenvoegsel.
func (o *oneRoster) name(i int) string {
	return strings.Join(strings.Fields(o.users.get(i, "givenName")+" "+o.users.get(i, "middleName")+" "+o.users.get(i, "familyName")), " ")
}

// splitIDs reads a OneRoster list field: ids separated by commas.
func splitIDs(s string) []string {
	var ids []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}
