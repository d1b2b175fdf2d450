package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// The bench's school day: a Monday in term time, late enough that the list
// deadline (08:45) and the morning digest (08:50) have passed, so the
// service's own rhythm does not run during a measurement.
const (
	clockStart = "2026-11-30T09:05:00+01:00"
	region     = "midden"
	classSize  = 30
	// mentors is the number of mentor accounts (and so of concurrent
	// clients in the list measurements); classes are dealt to them in turn.
	mentors = 32
)

var today = school.Date{Year: 2026, Month: time.November, Day: 30}

// benchSchool is a generated ISK: classes of 30 pupils, one contact each,
// every phone different (so no two pupils share a message).
type benchSchool struct {
	roster  *school.Roster
	classes []string
	pupils  map[string][]string // class → pupil ids, in order
	phoneOf map[string]string   // contact id → phone
}

var languages = []string{"nl", "ar", "ti", "uk", "fa-AF", "so", "tr", "pl", "en", "ps"}

func newSchool(pupils int) *benchSchool {
	s := &benchSchool{roster: &school.Roster{Classes: []school.Class{}, HousingUnits: []school.HousingUnit{}},
		pupils: map[string][]string{}, phoneOf: map[string]string{}}
	nClasses := (pupils + classSize - 1) / classSize
	for c := range nClasses {
		id := fmt.Sprintf("k%03d", c)
		s.classes = append(s.classes, id)
		s.roster.Classes = append(s.roster.Classes, school.Class{ID: id, Name: "ISK " + id})
	}
	for i := range pupils {
		class := s.classes[i/classSize]
		id := fmt.Sprintf("%06d", 100000+i)
		contact := "c" + id
		phone := fmt.Sprintf("+3161%07d", i)
		channel := school.ChannelSMS
		if i%3 == 2 {
			channel = school.ChannelWhatsApp
		}
		s.roster.Students = append(s.roster.Students, school.Student{ID: id, Name: "Leerling " + id, Class: class,
			BirthDate: school.Date{Year: 2009 + i%6, Month: time.Month(1 + i%12), Day: 1 + i%28},
			Contacts: []school.Contact{{ID: contact, Role: school.RoleParent, Name: "ouder", Phone: phone,
				Language: languages[i%len(languages)], Channel: channel}}})
		s.pupils[class] = append(s.pupils[class], id)
		s.phoneOf[contact] = phone
	}
	return s
}

func (s *benchSchool) rosterJSON() []byte {
	raw, err := json.Marshal(s.roster)
	if err != nil {
		panic(err)
	}
	return raw
}

// mentorClasses are the classes of mentor m (0 ≤ m < mentors).
func (s *benchSchool) mentorClasses(m int) []string {
	var out []string
	for i := m; i < len(s.classes); i += mentors {
		out = append(out, s.classes[i])
	}
	return out
}

// mixedList is a whole-class list: every pupil named, the kinds rotating
// absent, late (25 min), sick, excused, shifted by seq so that successive
// lists differ. Roughly a quarter of the class is "absent": those get alerts.
func (s *benchSchool) mixedList(class string, seq int) []school.Absence {
	ids := s.pupils[class]
	out := make([]school.Absence, len(ids))
	for i, id := range ids {
		switch (i + seq) % 4 {
		case 0:
			out[i] = school.Absence{Student: id, Kind: school.Absent}
		case 1:
			out[i] = school.Absence{Student: id, Kind: school.Late, Minutes: 25}
		case 2:
			out[i] = school.Absence{Student: id, Kind: school.Sick}
		default:
			out[i] = school.Absence{Student: id, Kind: school.Excused, Reason: "appointment"}
		}
	}
	return out
}

// absentList names every pupil of class: the first absent of them absent,
// the others excused (absent < 0: all absent).
func (s *benchSchool) absentList(class string, absent int) []school.Absence {
	ids := s.pupils[class]
	out := make([]school.Absence, len(ids))
	for i, id := range ids {
		if absent < 0 || i < absent {
			out[i] = school.Absence{Student: id, Kind: school.Absent}
		} else {
			out[i] = school.Absence{Student: id, Kind: school.Excused, Reason: "appointment"}
		}
	}
	return out
}

func listBody(a []school.Absence) []byte {
	raw, err := json.Marshal(map[string]any{"absences": a})
	if err != nil {
		panic(err)
	}
	return raw
}

// pastSchoolDays are the school days before today, newest first, as the
// service's calendar (region midden, no free days) counts them.
func pastSchoolDays(n int) []school.Date {
	holidays, err := school.NationalHolidays(region)
	if err != nil {
		panic(err)
	}
	cal := &school.Calendar{Holidays: holidays}
	var out []school.Date
	for d := today.AddDays(-1); len(out) < n && today.DaysUntil(d) > -400; d = d.AddDays(-1) {
		if cal.IsSchoolDay(d) {
			out = append(out, d)
		}
	}
	return out
}
