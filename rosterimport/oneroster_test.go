package rosterimport

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/school"
)

// zipDir zips testdata/dir under prefix; edit replaces a file's content, or
// leaves the file out when the new content is "".
func zipDir(t *testing.T, dir, prefix string, edit map[string]string) *bytes.Reader {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := edit[filepath.Base(name)]; ok {
			if e == "" {
				continue
			}
			data = []byte(e)
		}
		w, err := zw.Create(prefix + filepath.Base(name))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func parseZip(t *testing.T, z *bytes.Reader) *Result {
	t.Helper()
	res, err := ParseOneRoster(z, z.Size(), today)
	if err != nil {
		t.Fatalf("ParseOneRoster: %v", err)
	}
	return res
}

func TestOneRoster11(t *testing.T) {
	res := parseZip(t, zipDir(t, "oneroster11", "", nil))
	r := mustApply(t, res)
	if len(r.Students) != 3 || res.Rows != 8 {
		t.Fatalf("students %+v, rows %d; want 3 of 8 users (the tobedeleted one left out)", r.Students, res.Rows)
	}
	amanuel := student(t, r, "1001") // identifier, not sourcedId
	if amanuel.Name != "Amanuel Tesfay" || amanuel.Class != "ISK1A" || amanuel.BirthDate != (school.Date{Year: 2010, Month: 3, Day: 4}) {
		t.Errorf("1001 = %+v (homeroom over the scheduled class, birth date from demographics)", amanuel)
	}
	if amanuel.Gender != "m" {
		t.Errorf("1001's gender %q, want m from demographics' sex", amanuel.Gender)
	}
	if len(amanuel.Contacts) != 2 {
		t.Fatalf("1001 contacts = %+v", amanuel.Contacts)
	}
	mother, voogd := amanuel.Contacts[0], amanuel.Contacts[1]
	if mother.Phone != "+31612345601" || mother.Language != "ti" || mother.Role != school.RoleParent || mother.Name != "Mebrat Tesfay" {
		t.Errorf("mother = %+v, want the sms number (phone is a landline) and Tigrinya", mother)
	}
	if voogd.Role != school.RoleGuardian || voogd.Phone != "+31612345602" {
		t.Errorf("voogd = %+v", voogd)
	}
	hewan := student(t, r, "u-s3") // no identifier: the sourcedId
	if hewan.Class != "ISK1A" || len(hewan.Contacts) != 1 || hewan.Contacts[0] != mother {
		t.Errorf("u-s3 = %+v, want ISK1A and the same mother contact as her brother", hewan)
	}
	sara := student(t, r, "1002") // linked only from the contacts' side
	if sara.Name != "Sara van Dijk" || len(sara.Contacts) != 2 || sara.Contacts[0].Name != "Karim van Dijk" || sara.Contacts[0].Language != "ar" || sara.Contacts[1].Role != school.RoleWoonbegeleider {
		t.Errorf("1002 = %+v, want her father (ar) and the woonbegeleider of metadata.nabij.relationship", sara)
	}
	if !reflect.DeepEqual(res.Mentors, map[string][]string{"ISK1A": {"A. de Vries"}}) {
		t.Errorf("Mentors = %q, want the teacher of the homeroom", res.Mentors)
	}
}

func TestOneRoster12RolesFileInAFolder(t *testing.T) {
	res := parseZip(t, zipDir(t, "oneroster12", "export/", nil))
	r := mustApply(t, res)
	if len(r.Students) != 1 {
		t.Fatalf("students = %+v", r.Students)
	}
	s := r.Students[0]
	if s.ID != "3001" || s.Class != "2B" || s.BirthDate != (school.Date{Year: 2009, Month: 12, Day: 15}) || s.Gender != "f" {
		t.Errorf("student = %+v (gender from demographics' sex)", s)
	}
	// p1's primary role (parent) wins over the secondary one (teacher).
	if len(s.Contacts) != 1 || s.Contacts[0].Phone != "+380671234567" || s.Contacts[0].Language != "uk" || s.Contacts[0].Role != school.RoleParent {
		t.Errorf("contacts = %+v", s.Contacts)
	}
}

func TestOneRosterErrors(t *testing.T) {
	users, err := os.ReadFile("testdata/oneroster11/users.csv")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.NewReplacer(
		",06 1234 5601,", ",06 1234,", // line 6: too short a number in sms
		`"u-p1,u-g1"`, `"u-p1,u-x9"`, // line 2: an agent that does not exist
	).Replace(string(users))
	enrollments := "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role\n" +
		"e1,,,c2,org1,u-s1,student\ne2,,,c3,org1,u-s1,student\n" + // two classes, no homeroom
		"e3,,,c1,org1,u-s2,student\ne4,,,c9,org1,u-s3,student\n" // c9 is no class
	res := parseZip(t, zipDir(t, "oneroster11", "", map[string]string{"users.csv": bad, "enrollments.csv": enrollments}))
	want := []RowError{
		{Row: 2, Column: "users.csv:agentSourcedIds", Message: `there is no user "u-x9" in users.csv`},
		{Row: 6, Column: "users.csv:sms", Message: "not a valid phone number for its country"},
		{Row: 3, Column: "enrollments.csv:classSourcedId", Message: "pupil u-s1 is in 2 classes and not in exactly one homeroom; mark their own class classType homeroom"},
		{Row: 5, Column: "enrollments.csv:classSourcedId", Message: `there is no class "c9" in classes.csv`},
	}
	if !reflect.DeepEqual(inEnglish(res.Errors), want) || res.Roster != nil {
		t.Errorf("errors =\n%+v\nwant\n%+v", res.Errors, want)
	}
}

func TestOneRosterMissingFiles(t *testing.T) {
	res := parseZip(t, zipDir(t, "oneroster11", "", map[string]string{"demographics.csv": ""}))
	want := []RowError{{Row: 0, Column: "demographics.csv", Message: "the zip has no demographics.csv, which holds the pupils' birth dates"}}
	if !reflect.DeepEqual(inEnglish(res.Errors), want) {
		t.Errorf("errors = %+v, want only %+v", res.Errors, want)
	}
	z := zipDir(t, "oneroster11", "", map[string]string{"users.csv": ""})
	if _, err := ParseOneRoster(z, z.Size(), today); !errors.Is(err, ErrUnreadable) {
		t.Errorf("no users.csv: %v, want ErrUnreadable", err)
	}
	if _, err := ParseOneRoster(strings.NewReader("not a zip"), 9, today); !errors.Is(err, ErrUnreadable) {
		t.Errorf("not a zip: %v, want ErrUnreadable", err)
	}
	var xlsx bytes.Buffer
	zw := zip.NewWriter(&xlsx)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<x/>"))
	}
	zw.Close()
	if _, err := ParseOneRoster(bytes.NewReader(xlsx.Bytes()), int64(xlsx.Len()), today); !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "Excel workbook; save it as CSV") {
		t.Errorf("an Excel workbook: %v, want ErrUnreadable saying so", err)
	}
}
