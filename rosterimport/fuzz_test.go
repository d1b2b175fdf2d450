package rosterimport

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/school"
)

// FuzzParseCSV checks that no file makes ParseCSV panic, and that what it
// returns is either errors or a roster Roster.Normalize accepts unchanged,
// so that an import never hands ReplaceRoster something it would refuse.
func FuzzParseCSV(f *testing.F) {
	files, err := filepath.Glob("testdata/*.csv")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("sep=,\nid,naam,geb_datum,groep,contact,relatie,mobiel,kanaal,taal,kwe\n1,\"A\",01-01-2010,1,X,woonbegeleider,0612345678,wa,ti/en,K\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseCSV(strings.NewReader(string(data)), today)
		if err != nil {
			if !errors.Is(err, ErrUnreadable) || res != nil {
				t.Fatalf("error %v with result %v", err, res)
			}
			return
		}
		if len(res.Errors) > 0 {
			if res.Roster != nil {
				t.Fatal("a roster with errors")
			}
			for _, e := range res.Errors {
				if e.Row < 0 || e.Message == "" {
					t.Fatalf("bad error %+v", e)
				}
			}
			return
		}
		if res.Roster == nil {
			t.Fatal("neither errors nor a roster")
		}
		var again school.Roster
		b, _ := json.Marshal(res.Roster)
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatal(err)
		}
		if err := again.Normalize(today); err != nil {
			t.Fatalf("the roster does not re-validate: %v", err)
		}
		if b2, _ := json.Marshal(&again); !reflect.DeepEqual(b, b2) {
			t.Fatalf("normalising again changed the roster:\n%s\n%s", b, b2)
		}
	})
}

// FuzzParseOneRosterUsers fuzzes users.csv inside an otherwise good
// OneRoster zip: the links, roles and phones all come from it.
func FuzzParseOneRosterUsers(f *testing.F) {
	users, err := os.ReadFile("testdata/oneroster11/users.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(users)
	f.Fuzz(func(t *testing.T, users []byte) {
		if len(users) == 0 {
			return // an empty file is left out of the zip
		}
		z := zipDir(t, "oneroster11", "", map[string]string{"users.csv": string(users)})
		res, err := ParseOneRoster(z, z.Size(), today)
		if err != nil {
			return
		}
		if (len(res.Errors) == 0) != (res.Roster != nil) {
			t.Fatalf("errors %+v with roster %v", res.Errors, res.Roster != nil)
		}
		if res.Roster != nil {
			if err := res.Roster.Normalize(today); err != nil {
				t.Fatalf("the roster does not re-validate: %v", err)
			}
		}
	})
}
