package rosterimport

import (
	"reflect"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	old := mustApply(t, parseFile(t, "somtoday.csv"))
	// Next term: 1002 left, 1004 came, 1001's mother now wants Arabic, the
	// voogd's row moved up (not a change), and class ISK1B emptied while ISK2 began.
	next := mustApply(t, parseString(t, strings.Join([]string{
		"leerlingNummer;leerlingRoepnaam;leerlingAchternaam;leerlingGeboortedatum;leerlingStamgroep;verzorgerAchternaam;verzorgerMobielNummer;verzorgerLeerlingRelaties;Taal;Kanaal",
		"1001;Amanuel;Tesfay;04-03-2010;ISK1A;Voogd (Nidos);06-12345602;Voogd;Nederlands;sms",
		"1001;Amanuel;Tesfay;04-03-2010;ISK1A;Moeder Tesfay;06 1234 5601;Moeder;Arabisch;whatsapp",
		"1003;Olena;Kovalenko;15-12-2009;ISK1A;Kovalenko;0031612345604;Ouder;Oekraïens;SMS",
		"1004;Nour;Haddad;01-06-2011;ISK2;Vader;0612345605;vader;ar;",
	}, "\n")))
	mother := old.Students[0].Contacts[0].ID
	got := Diff(old, next)
	want := Changes{
		NewStudents:     []string{"1004"},
		ChangedStudents: []string{"1001"},
		RemovedStudents: []string{"1002"},
		NewContacts:     []string{next.Students[2].Contacts[0].ID},
		ChangedContacts: []string{mother},
		RemovedContacts: []string{old.Students[1].Contacts[0].ID},
		NewClasses:      []string{"ISK2"},
		RemovedClasses:  []string{"ISK1B"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff =\n%+v\nwant\n%+v", got, want)
	}
	if !Diff(next, next).Empty() {
		t.Errorf("a roster differs from itself: %+v", Diff(next, next))
	}
	if got := Diff(nil, old); len(got.NewStudents) != 3 || len(got.NewContacts) != 4 || len(got.RemovedStudents) != 0 {
		t.Errorf("Diff from nothing = %+v, want every pupil and contact new", got)
	}
}

func TestDiffSeesHousingUnitContacts(t *testing.T) {
	old := mustApply(t, parseFile(t, "kwe.csv"))
	next := mustApply(t, parseFile(t, "kwe.csv"))
	next.HousingUnits[0].Contacts[0].Channel = "sms"
	got := Diff(old, next)
	if !reflect.DeepEqual(got.ChangedContacts, []string{old.HousingUnits[0].Contacts[0].ID}) || len(got.ChangedStudents) != 0 {
		t.Errorf("Diff = %+v, want only the duty phone changed", got)
	}
}
