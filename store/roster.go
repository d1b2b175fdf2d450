package store

import (
	"fmt"
	"strings"

	"github.com/nabij-isk/nabij/school"
)

// ReplaceRoster puts r in place of the whole roster. Absence lists and
// messages stay: they are history.
func (t *Tx) ReplaceRoster(r *school.Roster) error {
	for _, b := range [][]byte{bucketClasses, bucketStudents, bucketUnits, bucketStudentFacts, bucketStudentsByPhone, bucketClassPupils} {
		if err := t.clear(b); err != nil {
			return err
		}
	}
	for _, c := range r.Classes {
		if err := t.put(bucketClasses, c.ID, c); err != nil {
			return err
		}
	}
	for _, u := range r.HousingUnits {
		if err := t.put(bucketUnits, u.ID, u); err != nil {
			return err
		}
	}
	for _, s := range r.Students {
		if err := t.put(bucketStudents, s.ID, s); err != nil {
			return err
		}
		for _, c := range s.Contacts {
			if err := t.tx.Bucket(bucketStudentsByPhone).Put([]byte(c.Phone+"|"+s.ID), nil); err != nil {
				return err
			}
		}
		facts := s.BirthDate.String() + "|" + s.Class
		if err := t.tx.Bucket(bucketStudentFacts).Put([]byte(s.ID), []byte(facts)); err != nil {
			return err
		}
		if err := t.tx.Bucket(bucketClassPupils).Put([]byte(s.Class+"|"+s.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

// buildClassPupils fills class_pupils from the pupils' facts: the
// migration to schema 4.
func buildClassPupils(tx kvTx) error {
	pupils := tx.Bucket(bucketClassPupils)
	return tx.Bucket(bucketStudentFacts).ForEach(func(id, facts []byte) error {
		_, class, ok := strings.Cut(string(facts), "|")
		if !ok {
			return fmt.Errorf("student_facts/%s: %q is not birth date|class", id, facts)
		}
		return pupils.Put([]byte(class+"|"+string(id)), nil)
	})
}

// Roster is the whole roster, sorted by id.
func (t *Tx) Roster() (*school.Roster, error) {
	r := &school.Roster{Classes: []school.Class{}, HousingUnits: []school.HousingUnit{}, Students: []school.Student{}}
	if err := each(t, bucketClasses, "", func(_ string, c *school.Class) error {
		r.Classes = append(r.Classes, *c)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := each(t, bucketUnits, "", func(_ string, u *school.HousingUnit) error {
		r.HousingUnits = append(r.HousingUnits, *u)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := each(t, bucketStudents, "", func(_ string, s *school.Student) error {
		r.Students = append(r.Students, *s)
		return nil
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// Class looks up a class.
func (t *Tx) Class(id string) (school.Class, bool, error) {
	var c school.Class
	ok, err := t.get(bucketClasses, id, &c)
	return c, ok, err
}

// Student looks up a pupil.
func (t *Tx) Student(id string) (school.Student, bool, error) {
	var s school.Student
	ok, err := t.get(bucketStudents, id, &s)
	return s, ok, err
}

// HousingUnit looks up a housing unit.
func (t *Tx) HousingUnit(id string) (school.HousingUnit, bool, error) {
	var u school.HousingUnit
	ok, err := t.get(bucketUnits, id, &u)
	return u, ok, err
}

// StudentFacts is what the rules need of a pupil, without reading the pupil
// whole: birth date and class.
func (t *Tx) StudentFacts(id string) (birth school.Date, class string, ok bool, err error) {
	raw := t.tx.Bucket(bucketStudentFacts).Get([]byte(id))
	if raw == nil {
		return school.Date{}, "", false, nil
	}
	day, class, _ := strings.Cut(string(raw), "|")
	birth, err = school.ParseDate(day)
	return birth, class, true, err
}

// StudentsByPhone lists the pupils a phone number is a contact of (siblings
// share their parents).
func (t *Tx) StudentsByPhone(phone string) []string {
	var out []string
	c := t.tx.Bucket(bucketStudentsByPhone).Cursor()
	p := []byte(phone + "|")
	for k, _ := c.Seek(p); k != nil && hasPrefix(k, p); k, _ = c.Next() {
		out = append(out, string(k[len(p):]))
	}
	return out
}

// ClassSize counts the pupils of a class, from the class's index (the
// class's keys only: a list's check read every pupil of the school before
// schema 4, 5,000 rows a list on PostgreSQL).
func (t *Tx) ClassSize(class string) int {
	n := 0
	c := t.tx.Bucket(bucketClassPupils).Cursor()
	p := []byte(class + "|")
	for k, _ := c.Seek(p); k != nil && hasPrefix(k, p); k, _ = c.Next() {
		n++
	}
	return n
}
