package rosterimport

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/nabij-isk/nabij/school"
)

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"04-03-2010": "2010-03-04", "4-3-2010": "2010-03-04", "04/03/2010": "2010-03-04", "4.3.2010": "2010-03-04",
		"2010-03-04": "2010-03-04", "04-03-2010 00:00": "2010-03-04", "2010-03-04T00:00:00": "2010-03-04",
		"29-02-2012": "2012-02-29",
		"29-02-2011": "", "13-13-2010": "", "03/24/2010": "", "04-03-10": "", "gisteren": "", "2010": "",
	} {
		d, err := parseDate(in)
		if got := d.String(); got != want || (err != nil) != (want == "") {
			t.Errorf("parseDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]school.ContactRole{
		"ouder": school.RoleParent, "Moeder": school.RoleParent, "VADER": school.RoleParent, "verzorger": school.RoleParent,
		"Pleegmoeder": school.RoleParent, "mother": school.RoleParent, "Parent": school.RoleParent,
		"voogd": school.RoleGuardian, "Nidos": school.RoleGuardian, "Voogd (Nidos)": school.RoleGuardian, "guardian": school.RoleGuardian,
		"woonbegeleider": school.RoleWoonbegeleider, "Mentor KWE": school.RoleWoonbegeleider, "mentor-kwe": school.RoleWoonbegeleider,
		"mentor": "", "oom": "", "overig": "",
	} {
		got, err := parseRole(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("parseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseChannel(t *testing.T) {
	for in, want := range map[string]school.Channel{"": "", "sms": school.ChannelSMS, "SMS": school.ChannelSMS,
		"WhatsApp": school.ChannelWhatsApp, "whats app": school.ChannelWhatsApp, "email": "x"} {
		got, err := parseChannel(in)
		if want == "x" {
			if err == nil {
				t.Errorf("parseChannel(%q) accepted", in)
			}
		} else if got != want || err != nil {
			t.Errorf("parseChannel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseLanguage(t *testing.T) {
	for _, tc := range []struct{ in, first, second, err string }{
		{"", "", "", ""},
		{"Nederlands", "nl", "", ""}, {"Engels", "en", "", ""}, {"Arabisch", "ar", "", ""}, {"Tigrinya", "ti", "", ""},
		{"Amhaars", "am", "", ""}, {"Dari", "fa-AF", "", ""}, {"prs", "fa-AF", "", ""}, {"Farsi", "fa", "", ""},
		{"Pashto", "ps", "", ""}, {"Somali", "so", "", ""}, {"Kurmanji", "ku", "", ""}, {"Sorani", "ckb", "", ""},
		{"Turkish", "tr", "", ""}, {"Pools", "pl", "", ""}, {"Oekraiens", "uk", "", ""}, {"Russisch", "ru", "", ""},
		{"Roemeens", "ro", "", ""}, {"Bulgaars", "bg", "", ""}, {"Litouws", "lt", "", ""}, {"Frans", "fr", "", ""},
		{"Spaans", "es", "", ""}, {"Portugees", "pt", "", ""}, {"Indonesisch", "id", "", ""}, {"Tigre", "tig", "", ""},
		{"Oromo", "om", "", ""}, {"Urdu", "ur", "", ""}, {"ar-SY", "ar-SY", "", ""}, {"  tigrinya ", "ti", "", ""},
		{"Tigrinya / Engels", "ti", "en", ""}, {"ti,ti", "ti", "", ""},
		{"Klingon", "", "", "Klingon"}, {"ti/en/nl", "", "", "more than two"},
	} {
		first, second, err := parseLanguage(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseLanguage(%q) error = %v, want one about %q", tc.in, err, tc.err)
			}
			continue
		}
		if first != tc.first || second != tc.second || err != nil {
			t.Errorf("parseLanguage(%q) = %q, %q, %v; want %q, %q", tc.in, first, second, err, tc.first, tc.second)
		}
	}
}

func TestEveryLanguageNameIsATag(t *testing.T) {
	for name, tag := range languageNames {
		if got, err := school.NormalizeLanguage(tag); err != nil || got != tag {
			t.Errorf("%q maps to %q, which normalises to %q, %v", name, tag, got, err)
		}
	}
}

func TestSplitMentors(t *testing.T) {
	for in, want := range map[string][]string{
		"A. de Vries":            {"A. de Vries"},
		"A. de Vries, B. Jansen": {"A. de Vries", "B. Jansen"},
		"Vries, A. de":           {"Vries, A. de"},
		"Jansen; Bakker":         {"Jansen", "Bakker"},
		"P. Bakker & J.  Smit":   {"P. Bakker", "J. Smit"},
		"":                       nil,
	} {
		if got := splitMentors(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitMentors(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"KWE Oost": "kwe-oost", " kwe  oost ": "kwe-oost", "Woonvoorziening Sint-Jansstraat 12": "woonvoorziening-sint-jansstraat-12",
		"Gezinshuis Noé": "gezinshuis-noe"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := slug("بيت"); !strings.HasPrefix(got, "kwe-") || !school.ValidID(got) {
		t.Errorf("slug of an Arabic name = %q, want a valid kwe-… id", got)
	}
}

func TestNormalizePhoneRepairsExcel(t *testing.T) {
	for in, want := range map[string]string{"31612345678": "+31612345678", "612345678": "+31612345678"} {
		if got, err := normalizePhone(in); got != want || err != nil {
			t.Errorf("normalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	res := parseString(t, "leerlingnummer;roepnaam;achternaam;geboortedatum;klas;verzorger;telefoon\n1;A;B;01-01-2010;1A;M;'0612345678\n2;C;D;01-01-2010;1A;V;=\"0612345679\"\n")
	r := mustApply(t, res)
	if r.Students[0].Contacts[0].Phone != "+31612345678" || r.Students[1].Contacts[0].Phone != "+31612345679" {
		t.Errorf("contacts = %+v, %+v", r.Students[0].Contacts, r.Students[1].Contacts)
	}
}

func TestHeaderAliases(t *testing.T) {
	cols := matchHeader([]string{"\ufeffLeerling_Nummer", "Geb datum", "STAMGROEP", "Klas", "verzorgerMobielNummer", "E-mail"})
	for f, want := range map[field][]int{fPupilID: {0}, fBirth: {1}, fClass: {3, 2}, fPhone: {4}, fLanguage: nil} {
		if got := cols.idx[f]; !reflect.DeepEqual(got, want) {
			t.Errorf("field %d at columns %v, want %v", f, got, want)
		}
	}
	// The better alias is read, the other fills in when it is empty.
	if c := cols.cell(fClass, []string{"", "", "S1", "K1"}, 2); c.val != "K1" || c.col != "Klas" {
		t.Errorf("class cell = %+v, want K1 from Klas", c)
	}
	if c := cols.cell(fClass, []string{"", "", "S1", ""}, 2); c.val != "S1" || c.col != "STAMGROEP" {
		t.Errorf("class cell = %+v, want S1 from STAMGROEP", c)
	}
}

func TestUnreadableFiles(t *testing.T) {
	for name, text := range map[string]string{
		"empty":       "",
		"xlsx":        "PK\x03\x04rest of a zip",
		"no id":       "naam;klas\nA;1A\n",
		"binary":      "leerlingnummer\x00;klas\n",
		"header only": "\ufeff",
	} {
		res, err := ParseCSV(strings.NewReader(text), today)
		if !errors.Is(err, ErrUnreadable) || res != nil {
			t.Errorf("%s: %v, %v; want ErrUnreadable", name, res, err)
		}
	}
}

func TestWindowsEncodings(t *testing.T) {
	text := "leerlingnummer;roepnaam;achternaam;geboortedatum;klas;verzorger;telefoon;taal\r\n1;Zoë;Müller;01-01-2010;1A;Moeder;0612345678;Oekraïens\r\n"
	cp1252, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(text, ";", "\t"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"windows-1252": cp1252, "utf-16 tab-separated": utf16} {
		res, err := ParseCSV(bytes.NewReader([]byte(data)), today)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := mustApply(t, res)
		if s := r.Students[0]; s.Name != "Zoë Müller" || s.Contacts[0].Language != "uk" {
			t.Errorf("%s: %+v", name, s)
		}
	}
}
