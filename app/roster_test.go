package app

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/rosterimport"
	"github.com/nabij-isk/nabij/school"
)

const importHeader = "leerlingnummer;roepnaam;achternaam;geboortedatum;klas;verzorger;relatie;telefoon;taal\n"

// oneRosterZip is a small OneRoster 1.1 export: 1001 and 1009 in class 1A,
// each with a parent; sms is the number of 1009's parent, as given.
func oneRosterZip(t *testing.T, sms string) *bytes.Reader {
	t.Helper()
	files := map[string]string{
		"users.csv": "sourcedId,status,role,givenName,familyName,middleName,identifier,sms,agentSourcedIds,metadata.nabij.language\n" +
			"u1,active,student,Amanuel,Tesfay,,1001,,p1,\n" +
			"u2,active,student,Sara,Dijk,van,1009,,p2,\n" +
			"p1,active,parent,Mebrat,Tesfay,,,0612345601,,ti\n" +
			"p2,active,parent,Karim,Dijk,van,," + sms + ",,ar\n",
		"demographics.csv": "sourcedId,birthDate,sex\nu1,2010-03-04,male\nu2,2011-06-05,female\n",
		"classes.csv":      "sourcedId,title,classCode,classType\nc1,ISK 1A,1A,homeroom\n",
		"enrollments.csv":  "sourcedId,classSourcedId,userSourcedId,role\ne1,c1,u1,student\ne2,c1,u2,student\n",
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"users.csv", "demographics.csv", "classes.csv", "enrollments.csv"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[name]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func TestRosterImportPreviewThenApply(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	svc := &Service{Store: testStore(t), Location: time.UTC, Now: func() time.Time { return now }}
	ctx := context.Background()
	contact := func(id, phone string) []school.Contact {
		return []school.Contact{{ID: id, Role: school.RoleParent, Name: "Ouder", Phone: phone}}
	}
	inUse := &school.Roster{Classes: []school.Class{{ID: "1A"}}, Students: []school.Student{
		{ID: "1001", Name: "Amanuel T.", Class: "1A", BirthDate: school.Date{Year: 2010, Month: 3, Day: 4}, PGN: "123456782", Contacts: contact("c1", "+31612345001")},
		{ID: "1002", Name: "Layla H.", Class: "1A", BirthDate: school.Date{Year: 2011, Month: 5, Day: 6}, Contacts: contact("c2", "+31612345002")},
	}}
	if err := svc.ReplaceRoster(ctx, inUse); err != nil {
		t.Fatal(err)
	}
	admin := school.User{ID: "u1", Role: school.RoleAdmin}
	file := func(s string) (*strings.Reader, int64) { return strings.NewReader(s), int64(len(s)) }
	pupils := func() []string {
		r, err := svc.Roster(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range r.Students {
			ids = append(ids, s.ID)
		}
		return ids
	}

	// Only an admin loads a roster.
	f, n := file(importHeader + "1001;Amanuel;T.;04-03-2010;1A;Moeder;ouder;0612345001;nl\n")
	if _, err := svc.PreviewRosterImport(ctx, school.User{ID: "u2", Role: school.RoleCoordinator}, f, n); !errors.Is(err, school.ErrForbidden) {
		t.Errorf("a coordinator's preview: %v, want ErrForbidden", err)
	}

	// A bad row: named, no id, nothing kept.
	f, n = file(importHeader + "1001;Amanuel;T.;04-03-2010;1A;Moeder;ouder;0612345001;nl\n" + "1009;Sara;M.;31-02-2011;1A;Moeder;ouder;12345;nl\n")
	imp, err := svc.PreviewRosterImport(ctx, admin, f, n)
	if err != nil {
		t.Fatal(err)
	}
	if imp.ID != "" || imp.Format != RosterCSV || imp.Rows != 2 || len(imp.Errors) == 0 || !imp.Changes.Empty() {
		t.Errorf("a file with bad rows: %+v, want its errors and no id", imp)
	}
	for _, e := range imp.Errors {
		if e.Row != 3 {
			t.Errorf("error %+v names row %d, want 3", e, e.Row)
		}
	}

	// Unreadable: no roster at all.
	for _, bad := range []string{"", "just some words\n", "PK\x03\x04 no zip"} {
		f, n = file(bad)
		if _, err := svc.PreviewRosterImport(ctx, admin, f, n); !errors.Is(err, rosterimport.ErrUnreadable) {
			t.Errorf("%q: %v, want ErrUnreadable", bad, err)
		}
	}

	// A good CSV: the preview, kept, nothing applied.
	f, n = file(importHeader + "1001;Amanuel;T.;04-03-2010;1A;Moeder;ouder;0612345001;nl\n" + "1009;Sara;M.;05-06-2011;1A;Moeder;ouder;0612345099;ti\n")
	imp, err = svc.PreviewRosterImport(ctx, admin, f, n)
	if err != nil {
		t.Fatal(err)
	}
	if imp.ID == "" || len(imp.Errors) != 0 || !imp.Expires.Equal(now.Add(RosterPreviewFor)) {
		t.Fatalf("a good file: %+v", imp)
	}
	// What applying changes: 1009 arrives, 1002 leaves.
	if got := imp.Changes; !reflect.DeepEqual(got.NewStudents, []string{"1009"}) || !reflect.DeepEqual(got.RemovedStudents, []string{"1002"}) {
		t.Errorf("changes %+v, want 1009 arriving and 1002 leaving", got)
	}
	if got := pupils(); !reflect.DeepEqual(got, []string{"1001", "1002"}) {
		t.Fatalf("the preview changed the roster: %v", got)
	}

	// Another admin cannot apply it; its own admin can, once.
	if _, err := svc.ApplyRosterImport(ctx, school.User{ID: "u9", Role: school.RoleAdmin}, imp.ID); !errors.Is(err, ErrRosterImportGone) {
		t.Errorf("another admin applies it: %v, want ErrRosterImportGone", err)
	}
	r, err := svc.ApplyRosterImport(ctx, admin, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Students) != 2 || len(r.Classes) != 1 {
		t.Errorf("applied %+v", r)
	}
	if got := pupils(); !reflect.DeepEqual(got, []string{"1001", "1009"}) {
		t.Errorf("after applying: %v", got)
	}
	stored, _ := svc.Roster(ctx, admin)
	if stored.Students[0].PGN != "123456782" {
		t.Errorf("1001's PGN %q: not kept across the import", stored.Students[0].PGN)
	}
	if _, err := svc.ApplyRosterImport(ctx, admin, imp.ID); !errors.Is(err, ErrRosterImportGone) {
		t.Errorf("applied twice: %v, want ErrRosterImportGone", err)
	}

	// A OneRoster zip, told by its content; its preview expires.
	z := oneRosterZip(t, "0612345602")
	imp, err = svc.PreviewRosterImport(ctx, admin, z, z.Size())
	if err != nil {
		t.Fatal(err)
	}
	if imp.Format != RosterOneRoster || imp.Rows != 4 || len(imp.Errors) != 0 || imp.ID == "" {
		t.Fatalf("a OneRoster zip: %+v", imp)
	}
	now = now.Add(RosterPreviewFor + time.Second)
	if _, err := svc.ApplyRosterImport(ctx, admin, imp.ID); !errors.Is(err, ErrRosterImportGone) {
		t.Errorf("an expired preview: %v, want ErrRosterImportGone", err)
	}
	imp, err = svc.PreviewRosterImport(ctx, admin, z, z.Size())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApplyRosterImport(ctx, admin, imp.ID); err != nil {
		t.Fatal(err)
	}
	stored, _ = svc.Roster(ctx, admin)
	if len(stored.Students) != 2 || stored.Students[1].Name != "Sara van Dijk" || stored.Students[0].PGN != "123456782" {
		t.Errorf("after the zip: %+v", stored.Students)
	}

	// A bad row in a zip is named by its file, row and column.
	z = oneRosterZip(t, "12345")
	imp, err = svc.PreviewRosterImport(ctx, admin, z, z.Size())
	if err != nil {
		t.Fatal(err)
	}
	if imp.ID != "" || len(imp.Errors) != 1 || imp.Errors[0].Row != 5 || imp.Errors[0].Column != "users.csv:sms" {
		t.Errorf("a bad zip: %+v", imp)
	}
}

// A preview names the pupils whose name is longer than BudgetedName
// characters (a warning: every alert about them costs an SMS part more);
// the file is still applied. (Left in session 11's note: the roster gave
// no warning.)
func TestARosterPreviewNamesTheLongNames(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	svc := &Service{Store: testStore(t), Location: time.UTC, Now: func() time.Time { return now }}
	ctx := context.Background()
	admin := school.User{ID: "u1", Role: school.RoleAdmin}
	csv := importHeader + "1001;Amanuel;Tesfay;04-03-2010;1A;Moeder;ouder;0612345001;nl\n" +
		"1002;Mohammed Abdirahman;Abdullahi Warsame;05-06-2011;1A;Vader;ouder;0612345002;so\n"
	imp, err := svc.PreviewRosterImport(ctx, admin, strings.NewReader(csv), int64(len(csv)))
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Errors) != 0 || imp.ID == "" || !slices.Equal(imp.LongNames, []string{"1002"}) {
		t.Fatalf("the preview: errors %v, id %q, long names %v; want no error, an id and [1002]", imp.Errors, imp.ID, imp.LongNames)
	}
	if _, err := svc.ApplyRosterImport(ctx, admin, imp.ID); err != nil {
		t.Errorf("a file with a long name is applied: %v", err)
	}
}
