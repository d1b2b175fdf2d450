package app

import (
	"reflect"
	"testing"

	"github.com/nabij-isk/nabij/school"
)

func TestChangesOfNamesWhatTheRulesSee(t *testing.T) {
	old := &school.AbsenceList{Absences: []school.Absence{
		{Student: "a", Kind: school.Absent},
		{Student: "b", Kind: school.Late, Minutes: 25},
		{Student: "c", Kind: school.Excused, Reason: "tandarts"},
		{Student: "d", Kind: school.Sick},
	}}
	list := &school.AbsenceList{Absences: []school.Absence{
		{Student: "a", Kind: school.Absent},                      // the same
		{Student: "b", Kind: school.Late, Minutes: 40},           // minutes changed
		{Student: "c", Kind: school.Excused, Reason: "huisarts"}, // only the reason
		{Student: "e", Kind: school.Absent},                      // new on the list
	}} // d: taken off the list
	want := []pupilChange{
		{"b", []school.AbsenceKind{school.Late}},
		{"e", []school.AbsenceKind{school.Absent}},
		{"d", []school.AbsenceKind{school.Sick}},
	}
	if got := changesOf(old, list); !reflect.DeepEqual(got, want) {
		t.Errorf("changesOf = %v, want %v", got, want)
	}
	corrected := &school.AbsenceList{Absences: []school.Absence{{Student: "a", Kind: school.Excused, Reason: "rouw"}}}
	got := changesOf(&school.AbsenceList{Absences: []school.Absence{{Student: "a", Kind: school.Absent}}}, corrected)
	if want := []pupilChange{{"a", []school.AbsenceKind{school.Absent, school.Excused}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("absent corrected to excused: %v, want %v", got, want)
	}
	if got := changesOf(nil, corrected); !reflect.DeepEqual(got, []pupilChange{{"a", []school.AbsenceKind{school.Excused}}}) {
		t.Errorf("a first list: %v", got)
	}
}
