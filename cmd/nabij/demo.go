package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// demoConfig makes `serve --demo` safe and quick to try: a fresh data
// directory unless NABIJ_DATA is set, a clock on a school morning unless
// NABIJ_CLOCK is set, a short hold, and never Twilio (the demo's families
// are invented, their numbers might be someone's).
func demoConfig(cfg *config, getenv func(string) string, stdout io.Writer) error {
	if getenv("NABIJ_DATA") == "" {
		dir, err := os.MkdirTemp("", "nabij-demo-")
		if err != nil {
			return err
		}
		cfg.DataDir = dir
	}
	if getenv("NABIJ_CLOCK") == "" {
		today := school.DateOf(time.Now().In(cfg.Location))
		cal, err := cfg.Calendar()
		if err != nil {
			return err
		}
		day := cal.NextSchoolDay(today)
		cfg.ClockStart = day.At(8, 50, cfg.Location)
	}
	if getenv("NABIJ_SCHOOL_NAME") == "" {
		// Everywhere the name is said: the messages and the melding.
		cfg.SchoolName, cfg.Settings.SchoolName = "ISK De Brug", "ISK De Brug"
	}
	if getenv("NABIJ_HOLD") == "" {
		cfg.Hold = 10 * time.Second
	}
	fmt.Fprintf(stdout, "nabij demo: data in %s, clock starts at %s, hold %s; messages are printed here, never sent.\n",
		cfg.DataDir, cfg.ClockStart.Format("Monday 2 January 2006 15:04"), cfg.Hold)
	return nil
}

// seedDemo loads the demo ISK and prints tokens and a ready curl line.
func seedDemo(s *server, stdout io.Writer) error {
	ctx := context.Background()
	if err := s.svc.ReplaceRoster(ctx, demoRoster()); err != nil {
		return err
	}
	mentor, mentorToken, err := s.svc.CreateUser(ctx, "Demo mentor 1A", school.RoleMentor, []string{"1A"})
	if err != nil {
		return err
	}
	coord, coordToken, err := s.svc.CreateUser(ctx, "Demo verzuimcoördinator", school.RoleCoordinator, nil)
	if err != nil {
		return err
	}
	mentorLink, _, err := s.svc.SignInLink(ctx, mentor.ID)
	if err != nil {
		return err
	}
	coordLink, _, err := s.svc.SignInLink(ctx, coord.ID)
	if err != nil {
		return err
	}
	date := s.svc.Today()
	fmt.Fprintf(stdout, `
Demo ISK loaded: 3 classes, 30 pupils, a KWE with a woonbegeleiders' phone, a Nidos voogd.
  mentor of 1A:        %[1]s
  verzuimcoördinator:  %[2]s

Post this morning's list of class 1A (two absent, one late):

  curl -X PUT %[3]s/api/v1/classes/1A/absences/%[4]s \
    -H 'Authorization: Bearer %[1]s' -H 'Content-Type: application/json' \
    -d '{"absences":[{"student":"1001","kind":"absent"},{"student":"1003","kind":"absent"},{"student":"1002","kind":"late","minutes":25}]}'

The messages are printed here after the %[5]s hold. Then see them as the coordinator:

  curl -H 'Authorization: Bearer %[2]s' '%[3]s/api/v1/messages?date=%[4]s'

Or use the pages (each link works once): the mentor's roll call %[3]s/signin/%[6]s
and the coordinator's board %[3]s/signin/%[7]s

`, mentorToken, coordToken, s.URL(), date, s.cfg.Hold, mentorLink, coordLink)
	return nil
}

type demoPupil struct {
	id, name, class, born, unit string
	contacts                    []school.Contact
}

func parent(id, name, phone, lang string, ch school.Channel) school.Contact {
	return school.Contact{ID: id, Role: school.RoleParent, Name: name, Phone: phone, Language: lang, Channel: ch}
}

func demoRoster() *school.Roster {
	voogd := school.Contact{ID: "nidos-demo", Role: school.RoleGuardian, Name: "Voogd (Nidos)", Phone: "+31612340100", Language: "nl", Channel: school.ChannelSMS}
	dienst := school.Contact{ID: "kwe-oost-dienst", Role: school.RoleWoonbegeleider, Name: "Diensttelefoon KWE Oost", Phone: "+31612340200", Language: "nl", Channel: school.ChannelWhatsApp}
	// Two sisters, one in 1A and one in 2A, share their mother.
	sisters := parent("c-hassan", "Moeder Hassan", "+31612340301", "ar", school.ChannelWhatsApp)
	pupils := []demoPupil{
		{"1001", "Amanuel T.", "1A", "2010-03-04", "kwe-oost", []school.Contact{voogd}},
		{"1002", "Yonas G.", "1A", "2011-07-19", "kwe-oost", []school.Contact{voogd}},
		{"1003", "Layla H.", "1A", "2012-01-22", "", []school.Contact{sisters}},
		{"1004", "Olena K.", "1A", "2011-05-02", "", []school.Contact{parent("c-1004", "Moeder Kovalenko", "+31612340401", "uk", school.ChannelSMS)}},
		{"1005", "Ahmad R.", "1A", "2010-11-30", "", []school.Contact{parent("c-1005", "Vader Rahimi", "+31612340501", "prs", school.ChannelWhatsApp)}},
		{"1006", "Hodan A.", "1A", "2011-09-14", "", []school.Contact{parent("c-1006", "Moeder Abdi", "+31612340601", "so", school.ChannelSMS)}},
		{"1007", "Mehmet Y.", "1A", "2012-04-08", "", []school.Contact{parent("c-1007", "Vader Yilmaz", "+31612340701", "tr", school.ChannelSMS)}},
		{"1008", "Zofia N.", "1A", "2011-02-27", "", []school.Contact{parent("c-1008", "Moeder Nowak", "+31612340801", "pl", school.ChannelSMS)}},
		{"1009", "Senait B.", "1A", "2010-08-16", "", []school.Contact{parent("c-1009", "Moeder Berhe", "+31612340901", "ti", school.ChannelSMS)}},
		{"1010", "Daniel M.", "1A", "2011-12-01", "", []school.Contact{parent("c-1010", "Father Mensah", "+31612341001", "en", school.ChannelSMS)}},
		{"2001", "Rahel W.", "1B", "2011-06-06", "kwe-oost", []school.Contact{voogd}},
		{"2002", "Omar S.", "1B", "2010-10-10", "", []school.Contact{parent("c-2002", "Vader Saleh", "+31612342001", "ar-SY", school.ChannelWhatsApp)}},
		{"2003", "Farid N.", "1B", "2011-03-03", "", []school.Contact{parent("c-2003", "Moeder Noori", "+31612342002", "ps", school.ChannelSMS)}},
		{"2004", "Mariam K.", "1B", "2012-02-12", "", []school.Contact{parent("c-2004", "Moeder Karimi", "+31612342003", "fa", school.ChannelSMS)}},
		{"2005", "Andrii P.", "1B", "2010-07-07", "", []school.Contact{parent("c-2005", "Batko Petrenko", "+31612342004", "uk", school.ChannelWhatsApp)}},
		{"2006", "Ioana D.", "1B", "2011-01-15", "", []school.Contact{parent("c-2006", "Mama Dumitru", "+31612342005", "ro", school.ChannelSMS)}},
		{"2007", "Lukas V.", "1B", "2011-08-21", "", []school.Contact{parent("c-2007", "Mama Vaitkus", "+31612342006", "lt", school.ChannelSMS)}},
		{"2008", "Aziz H.", "1B", "2010-05-25", "", []school.Contact{parent("c-2008", "Bav Hussein", "+31612342007", "kmr", school.ChannelSMS)}},
		{"2009", "Shilan M.", "1B", "2012-03-09", "", []school.Contact{parent("c-2009", "Dayk Mahmud", "+31612342008", "ckb", school.ChannelSMS)}},
		{"2010", "Fatmata K.", "1B", "2011-11-11", "", []school.Contact{parent("c-2010", "Mother Kamara", "+31612342009", "en", school.ChannelSMS)}},
		{"3001", "Noor H.", "2A", "2009-04-18", "", []school.Contact{sisters}},
		{"3002", "Kidane T.", "2A", "2008-12-24", "kwe-oost", []school.Contact{voogd}},
		{"3003", "Putri S.", "2A", "2009-09-09", "", []school.Contact{parent("c-3003", "Ibu Sari", "+31612343001", "id", school.ChannelSMS)}},
		{"3004", "Dmitri L.", "2A", "2008-06-30", "", []school.Contact{parent("c-3004", "Mama Lebedev", "+31612343002", "ru", school.ChannelSMS)}},
		{"3005", "Ana F.", "2A", "2009-02-14", "", []school.Contact{parent("c-3005", "Mãe Ferreira", "+31612343003", "pt", school.ChannelSMS)}},
		{"3006", "Sofía G.", "2A", "2009-07-31", "", []school.Contact{parent("c-3006", "Madre García", "+31612343004", "es", school.ChannelSMS)}},
		{"3007", "Ivan P.", "2A", "2008-10-05", "", []school.Contact{parent("c-3007", "Mama Petrov", "+31612343005", "bg", school.ChannelSMS)}},
		{"3008", "Awa D.", "2A", "2009-01-20", "", []school.Contact{parent("c-3008", "Mère Diallo", "+31612343006", "fr", school.ChannelSMS)}},
		{"3009", "Abebe K.", "2A", "2008-03-13", "", []school.Contact{parent("c-3009", "Abat Kebede", "+31612343007", "am", school.ChannelSMS)}},
		{"3010", "Jan de B.", "2A", "2009-05-05", "", []school.Contact{parent("c-3010", "Moeder de Boer", "+31612343008", "nl", school.ChannelSMS)}},
	}
	r := &school.Roster{
		Classes:      []school.Class{{ID: "1A", Name: "ISK 1A"}, {ID: "1B", Name: "ISK 1B"}, {ID: "2A", Name: "ISK 2A"}},
		HousingUnits: []school.HousingUnit{{ID: "kwe-oost", Name: "KWE Oost", Contacts: []school.Contact{dienst}}},
	}
	for _, p := range pupils {
		born, err := school.ParseDate(p.born)
		if err != nil {
			panic("demo roster: " + err.Error())
		}
		r.Students = append(r.Students, school.Student{ID: p.id, Name: p.name, Class: p.class, BirthDate: born, HousingUnit: p.unit, Contacts: p.contacts})
	}
	return r
}
