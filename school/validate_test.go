package school

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"06 1234 5678", "+31612345678", ""},
		{"+31 6-12345678", "+31612345678", ""},
		{"0031612345678", "+31612345678", ""},
		{"+32 470 12 34 56", "+32470123456", ""}, // a Belgian mobile
		{"", "", "required"},
		{"hello", "", "not a phone number"},
		{"06 1234", "", "not a valid phone number"},
		{"020 123 4567", "", "landline"},
	} {
		got, err := NormalizePhone(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NormalizePhone(%q) error = %v, want one mentioning %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizeLanguage(t *testing.T) {
	for in, want := range map[string]string{"prs": "fa-AF", "PRS": "fa-AF", "ti": "ti", "ar-sy": "ar-SY", "fa-af": "fa-AF"} {
		if got, err := NormalizeLanguage(in); err != nil || got != want {
			t.Errorf("NormalizeLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NormalizeLanguage("not a tag!"); err == nil {
		t.Error("a malformed tag was accepted")
	}
}

func validRoster() *Roster {
	return &Roster{
		Classes:      []Class{{ID: "1A", Name: "ISK 1A"}},
		HousingUnits: []HousingUnit{{ID: "kwe", Name: "KWE", Contacts: []Contact{{ID: "k1", Role: RoleWoonbegeleider, Name: "dienst", Phone: "0612345001"}}}},
		Students: []Student{{ID: "1001", Name: "Amanuel", Class: "1A", BirthDate: Date{2010, 3, 4}, HousingUnit: "kwe",
			Contacts: []Contact{{ID: "c1", Role: RoleGuardian, Name: "voogd", Phone: "+31612345002", Language: "prs", Channel: ChannelWhatsApp}}}},
	}
}

func TestRosterNormalizeFillsAndNormalises(t *testing.T) {
	r := validRoster()
	if err := r.Normalize(Date{2026, 11, 30}); err != nil {
		t.Fatal(err)
	}
	k := r.HousingUnits[0].Contacts[0]
	if k.Phone != "+31612345001" || k.Language != "nl" || k.Channel != ChannelSMS {
		t.Errorf("unit contact = %+v, want E.164, nl and sms filled in", k)
	}
	if c := r.Students[0].Contacts[0]; c.Language != "fa-AF" {
		t.Errorf("prs became %q, want fa-AF", c.Language)
	}
}

func TestRosterNormalizeNamesEveryBadField(t *testing.T) {
	r := validRoster()
	r.Students = append(r.Students, Student{ID: "1001", Name: "", Class: "9Z", BirthDate: Date{2030, 1, 1}, HousingUnit: "nowhere",
		Contacts: []Contact{{ID: "c1", Role: "uncle", Name: "x", Phone: "123", Language: "!!", Channel: "pigeon"}}})
	err := r.Normalize(Date{2026, 11, 30})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	got := map[string]bool{}
	for _, d := range ve.Details {
		got[d.Field] = true
	}
	for _, field := range []string{"students[1].id", "students[1].name", "students[1].class", "students[1].birth_date",
		"students[1].housing_unit", "students[1].contacts[0].role", "students[1].contacts[0].phone",
		"students[1].contacts[0].language", "students[1].contacts[0].channel", "students[1].contacts[0].id"} {
		if !got[field] {
			t.Errorf("no error for %s; got %v", field, ve.Details)
		}
	}
}

func TestListValidate(t *testing.T) {
	classOf := func(id string) (string, bool) {
		c, ok := map[string]string{"1": "1A", "2": "1A", "9": "2B"}[id]
		return c, ok
	}
	cal := &Calendar{Holidays: []Period{{Name: "kerstvakantie", First: Date{2026, 12, 19}, Last: Date{2027, 1, 3}}}}
	monday := Date{2026, 11, 30}
	ok := &AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "1", Kind: Absent}, {Student: "2", Kind: Late, Minutes: 20}}}
	if err := ok.Validate(classOf, cal); err != nil {
		t.Fatalf("valid list refused: %v", err)
	}
	for name, tc := range map[string]struct {
		list  AbsenceList
		field string
	}{
		"weekend":        {AbsenceList{Class: "1A", Date: Date{2026, 11, 28}}, "date"},
		"holiday":        {AbsenceList{Class: "1A", Date: Date{2026, 12, 21}}, "date"},
		"unknown":        {AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "7", Kind: Absent}}}, "absences[0].student"},
		"other class":    {AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "9", Kind: Absent}}}, "absences[0].student"},
		"twice":          {AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "1", Kind: Absent}, {Student: "1", Kind: Sick}}}, "absences[1].student"},
		"bad kind":       {AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "1", Kind: "gone"}}}, "absences[0].kind"},
		"late no mins":   {AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "1", Kind: Late}}}, "absences[0].minutes"},
		"excused reason": {AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "1", Kind: Excused}}}, "absences[0].reason"},
		"hours":          {AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "1", Kind: Absent, Hours: 13}}}, "absences[0].hours"},
		// A reason is a few words: 200,000 characters were kept and shown
		// on every page of the pupil (found by a pen test).
		"long reason":   {AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "1", Kind: Excused, Reason: strings.Repeat("é", MaxReason+1)}}}, "absences[0].reason"},
		"present hours": {AbsenceList{Class: "1A", Date: monday, Absences: []Absence{{Student: "1", Kind: Present, Hours: 2}}}, "absences[0].kind"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.list.Validate(classOf, cal)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if ve.Details[0].Field != tc.field {
				t.Errorf("field = %s (%s), want %s", ve.Details[0].Field, ve.Details[0].Message, tc.field)
			}
		})
	}
}

func TestAgeOn(t *testing.T) {
	born := Date{2008, 3, 4}
	if got := born.AgeOn(Date{2026, 3, 3}); got != 17 {
		t.Errorf("age the day before the 18th birthday = %d", got)
	}
	if got := born.AgeOn(Date{2026, 3, 4}); got != 18 {
		t.Errorf("age on the 18th birthday = %d", got)
	}
}

func TestGenderIsFMOrNothing(t *testing.T) {
	for raw, want := range map[string]string{"": "", "f": "f", " M ": "m"} {
		r := &Roster{Classes: []Class{{ID: "1A", Name: "1A"}}, Students: []Student{{ID: "1", Name: "A", Class: "1A", BirthDate: Date{2011, 1, 2}, Gender: raw}}}
		if err := r.Normalize(Date{2026, 11, 30}); err != nil || r.Students[0].Gender != want {
			t.Errorf("gender %q: %v, %q", raw, err, r.Students[0].Gender)
		}
	}
	r := &Roster{Classes: []Class{{ID: "1A", Name: "1A"}}, Students: []Student{{ID: "1", Name: "A", Class: "1A", BirthDate: Date{2011, 1, 2}, Gender: "x"}}}
	if err := r.Normalize(Date{2026, 11, 30}); err == nil || !strings.Contains(err.Error(), "gender") {
		t.Errorf("gender x: %v", err)
	}
}
