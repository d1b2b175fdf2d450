package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// oneRosterExport is a small OneRoster 1.1 CSV zip: 1001 and 1009 in class
// 1A, each with a parent; sms is the number of 1009's parent as exported.
func oneRosterExport(t *testing.T, sms string) []byte {
	t.Helper()
	files := [][2]string{
		{"users.csv", "sourcedId,status,role,givenName,familyName,middleName,identifier,sms,agentSourcedIds,metadata.nabij.language\n" +
			"u1,active,student,Amanuel,Tesfay,,1001,,p1,\n" +
			"u2,active,student,Sara,Dijk,van,1009,,p2,\n" +
			"p1,active,parent,Mebrat,Tesfay,,,0612345601,,ti\n" +
			"p2,active,parent,Karim,Dijk,van,," + sms + ",,ar\n"},
		{"demographics.csv", "sourcedId,birthDate,sex\nu1,2010-03-04,male\nu2,2011-06-05,female\n"},
		{"classes.csv", "sourcedId,title,classCode,classType\nc1,ISK 1A,1A,homeroom\n"},
		{"enrollments.csv", "sourcedId,classSourcedId,userSourcedId,role\ne1,c1,u1,student\ne2,c1,u2,student\n"},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create("export/" + f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pupilIDs is the roster's pupils, by id, as the admin sees them.
func pupilIDs(h *harness) []string {
	h.t.Helper()
	var r struct{ Students []struct{ ID string } }
	h.mustCall(200, "GET", "/api/v1/roster", adminToken, nil, &r)
	var ids []string
	for _, s := range r.Students {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestAdminLoadsAOneRosterZip(t *testing.T) {
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	var admin struct{ ID string }
	h.mustCall(201, "POST", "/api/v1/users", adminToken, map[string]any{"name": "Beheer", "role": "admin"}, &admin)
	a := newStaff(h)
	if code := a.signIn(h.signInLink(admin.ID)); code != 303 {
		t.Fatalf("admin sign-in: %d", code)
	}
	upload := func(file []byte) (int, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("csrf", a.csrf("/admin"))
		f, _ := w.CreateFormFile("file", "oneroster.zip")
		f.Write(file)
		w.Close()
		req, _ := http.NewRequest("POST", h.url+"/admin/roster", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := a.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	// A bad number in users.csv: the row and column named, nothing to apply.
	code, body := upload(oneRosterExport(t, "12345"))
	if code != 200 || !strings.Contains(body, "<td>5</td><td>users.csv:sms</td>") || strings.Contains(body, `name="import"`) {
		t.Fatalf("a zip with a bad row: %d, its row not named:\n%s", code, body)
	}
	code, body = upload(oneRosterExport(t, "0612345602"))
	m := regexp.MustCompile(`name="import" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if code != 200 || m == nil || !strings.Contains(body, "1009") || !strings.Contains(body, "1002, 1003, 1004, 2001") {
		t.Fatalf("a good zip: %d, no preview of 1009 arriving and four leaving", code)
	}
	if got := pupilIDs(h); len(got) != 5 {
		t.Fatalf("the preview changed the roster: %v", got)
	}
	if code, _ := a.post("/admin/roster/apply", url.Values{"csrf": {a.csrf("/admin")}, "import": {m[1]}}); code != 303 {
		t.Fatalf("apply: %d", code)
	}
	if got := pupilIDs(h); !reflect.DeepEqual(got, []string{"1001", "1009"}) {
		t.Errorf("after applying the zip: %v", got)
	}
}

func TestRosterImportCommand(t *testing.T) {
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	env := map[string]string{"NABIJ_ADMIN_TOKEN": adminToken}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	roster := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"roster", "import"}, append(args, "--url", h.url)...), func(k string) string { return env[k] }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	before := pupilIDs(h)
	header := "leerlingnummer;roepnaam;achternaam;geboortedatum;klas;verzorger;relatie;telefoon;taal\n"

	// Bad rows: each named, nothing changed, even with --apply.
	bad := write("bad.csv", []byte(header+
		"1001;Amanuel;T.;04-03-2010;1A;Voogd;voogd;0612345002;nl\n"+
		"1002;Layla;H.;31-02-2011;1A;Moeder;ouder;12345;Arabisch\n"))
	code, out, errOut := roster(bad, "--apply")
	if code != 1 || !strings.Contains(errOut, "nothing was changed") || !strings.Contains(errOut, "row 3, geboortedatum:") || !strings.Contains(errOut, "row 3, telefoon:") {
		t.Errorf("bad rows: exit %d, %q %q", code, out, errOut)
	}
	if got := pupilIDs(h); !reflect.DeepEqual(got, before) {
		t.Fatalf("a file with bad rows changed the roster: %v", got)
	}

	// A good CSV: the preview, and nothing changed without --apply.
	good := write("good.csv", []byte(header+
		"1001;Amanuel;T.;04-03-2010;1A;Voogd;voogd;0612345002;nl\n"+
		"1009;Sara;M.;05-06-2011;1A;Moeder;ouder;0612345099;Tigrinya\n"))
	code, out, errOut = roster(good)
	if code != 0 || !strings.Contains(out, "a nabij CSV, 2 rows") || !regexp.MustCompile(`pupils arriving +1  1009\n`).MatchString(out) ||
		!regexp.MustCompile(`pupils leaving +4  1002, 1003, 1004, 2001\n`).MatchString(out) || !strings.Contains(out, "Nothing was changed") {
		t.Errorf("preview: exit %d:\n%s%s", code, out, errOut)
	}
	if got := pupilIDs(h); !reflect.DeepEqual(got, before) {
		t.Fatalf("the preview changed the roster: %v", got)
	}
	// A name over the alerts' budget is named, as a note.
	long := write("long.csv", []byte(header+"1001;Mohammed Abdirahman;Abdullahi Warsame;04-03-2010;1A;Voogd;voogd;0612345002;nl\n"))
	if code, out, errOut := roster(long); code != 0 || !strings.Contains(out, "Note: names longer than 30 characters (every message about these pupils costs an SMS part more): 1001") {
		t.Errorf("a long name: exit %d:\n%s%s", code, out, errOut)
	}
	code, out, errOut = roster(good, "--apply")
	if code != 0 || !strings.Contains(out, "pupils arriving") || !strings.Contains(out, "Applied: 2 pupils in 1 classes.") {
		t.Errorf("--apply: exit %d:\n%s%s", code, out, errOut)
	}
	if got := pupilIDs(h); !reflect.DeepEqual(got, []string{"1001", "1009"}) {
		t.Fatalf("after --apply: %v", got)
	}

	// A OneRoster zip: a bad row named, then the good one applied.
	code, _, errOut = roster(write("bad.zip", oneRosterExport(t, "12345")), "--apply")
	if code != 1 || !strings.Contains(errOut, "row 5, users.csv:sms:") {
		t.Errorf("a zip with a bad row: exit %d, %q", code, errOut)
	}
	zipFile := write("export.zip", oneRosterExport(t, "0612345602"))
	code, out, errOut = roster(zipFile)
	if code != 0 || !strings.Contains(out, "a OneRoster zip, 4 rows") || !regexp.MustCompile(`pupils changed +2  1001, 1009\n`).MatchString(out) {
		t.Errorf("a zip's preview: exit %d:\n%s%s", code, out, errOut)
	}
	var r struct{ Students []struct{ Name string } }
	h.mustCall(200, "GET", "/api/v1/roster", adminToken, nil, &r)
	if r.Students[1].Name != "Sara M." {
		t.Fatalf("the zip's preview changed the roster: %+v", r.Students)
	}
	if code, out, errOut = roster(zipFile, "--apply"); code != 0 || !strings.Contains(out, "Applied: 2 pupils in 1 classes.") {
		t.Errorf("a zip --apply: exit %d:\n%s%s", code, out, errOut)
	}
	h.mustCall(200, "GET", "/api/v1/roster", adminToken, nil, &r)
	if r.Students[1].Name != "Sara van Dijk" {
		t.Errorf("after the zip: %+v", r.Students)
	}

	// An applied preview is gone; the API says so.
	h.mustCall(404, "POST", "/api/v1/roster/imports/0123456789abcdef/apply", adminToken, nil, nil)
}
