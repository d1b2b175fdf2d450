package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// Settings are the school's own details that go into a DUO melding, and
// the hour its same-morning alerts end.
type Settings struct {
	SchoolName   string
	Address      string // the lesson location
	ContactPhone string // the reporter's phone
	ContactEmail string
	// AlertUntil is the time of day (from midnight, school time) from which
	// a list of today makes no new same-morning alert (NABIJ_ALERT_UNTIL);
	// zero: no end.
	AlertUntil time.Duration
}

// MeldingDay is one absent day of a melding.
type MeldingDay struct {
	Date  school.Date        `json:"date"`
	Kind  school.AbsenceKind `json:"kind"`
	Hours float64            `json:"hours"`
}

// Reporter is who files the melding.
type Reporter struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// Residence is a place of residence that differs from the registered one.
type Residence struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// MeldingDraft is the DUO verzuimmelding nabij prepares for the coordinator,
// with the fields PROTOCOL.md lists. nabij never files it: the coordinator
// checks it, fills what only a person knows (ToFill), and files it in DUO's
// verzuimloket or the administration system.
type MeldingDraft struct {
	Escalation        string      `json:"escalation"`
	Student           string      `json:"student"`
	Name              string      `json:"name"`
	BirthDate         school.Date `json:"birth_date"`
	PGN               string      `json:"pgn"`
	Kind              string      `json:"kind"`
	FirstDayOfAbsence school.Date `json:"first_day_of_absence"`
	LastDayOfAbsence  school.Date `json:"last_day_of_absence"`
	// Age is the pupil's age on the day the limit was reached, the age
	// that decides whose case it is (leerplicht's or the RMC's).
	Age              int          `json:"age"`
	ThresholdReached school.Date  `json:"threshold_reached_on"`
	Due              *school.Date `json:"due"`
	SuspectedReason  string       `json:"suspected_reason"`
	AllLessonsMissed bool         `json:"all_lessons_missed"`
	SchoolActions    []string     `json:"school_actions"`
	// MunicipalityAction is the school's wish for action by the
	// municipality: for the coordinator to decide, so nil in the draft.
	MunicipalityAction *bool        `json:"municipality_action_wanted"`
	LessonLocation     string       `json:"lesson_location"`
	Reporter           Reporter     `json:"reporter"`
	ParentPhone        string       `json:"parent_phone"`
	DifferentResidence *Residence   `json:"different_residence"`
	Days               []MeldingDay `json:"absent_days"`
	TotalHours         float64      `json:"total_hours"`
	ToFill             []string     `json:"to_fill"`
	// LeftRosterOn is the day the pupil left the roster, for a case reached
	// while they were enrolled: the melding is still due (the draft is
	// made from their record as it was that day).
	LeftRosterOn *school.Date `json:"left_roster_on,omitempty"`
	// Reason is the case's own sentence (Dutch): how the limit was reached,
	// a hold, the hours of an RMC case missed before the 18th birthday.
	Reason string `json:"reason"`
	// Correction says what corrections of the lists changed since the case
	// opened (the days left out of this draft, or added to it); BelowThreshold that they
	// took a reported case below its threshold: the melding was made, and
	// the change is for DUO and the leerplichtambtenaar.
	Correction     string `json:"correction,omitempty"`
	BelowThreshold bool   `json:"below_threshold,omitempty"`
}

// Melding prepares the DUO melding of a leerplicht or rmc case.
func (s *Service) Melding(ctx context.Context, u school.User, id string) (_ *MeldingDraft, err error) {
	defer failed(&err, "melding %s", id)
	var d *MeldingDraft
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		e, err := tx.Escalation(id)
		if err != nil {
			return err
		}
		if e.Level != protocol.LevelLeerplicht && e.Level != protocol.LevelRMC {
			return fmt.Errorf("%w: a DUO melding is for leerplicht and rmc cases; %s is a %s case", school.ErrConflict, id, e.Level)
		}
		if e.FactsChanged && e.Status != protocol.StatusReported {
			// A draft would state what the lists no longer say. (A
			// reported case's draft is what was filed, with the change.)
			return fmt.Errorf("%w: corrections of the lists took case %s below its threshold (%s): there is nothing to report on these facts; dismiss the case, or wait for new absence",
				school.ErrConflict, id, e.Correction)
		}
		// The absence was reached while the pupil was enrolled: the melding
		// is still due after they left, from the record kept that day.
		st, left, ok, err := pupilRecord(tx, e.Student)
		if err != nil {
			return err
		}
		if !ok {
			return school.NotFound("student %s is no longer in the roster, and nabij keeps no record of them (it is dropped once no case of theirs waits, or they left before nabij kept one): fill in the melding from the school's administration", e.Student)
		}
		d, err = s.draft(tx, u, e, st)
		if err == nil && !left.IsZero() {
			d.LeftRosterOn = &left
		}
		return err
	})
	return d, err
}

func (s *Service) draft(tx *store.Tx, u school.User, e *protocol.Escalation, st school.Student) (*MeldingDraft, error) {
	d := &MeldingDraft{
		Escalation: e.ID, Student: st.ID, Name: st.Name, BirthDate: st.BirthDate, PGN: st.PGN,
		Kind: e.Melding, FirstDayOfAbsence: e.Facts.FirstDay, ThresholdReached: e.Facts.ReachedOn(), Due: e.Due,
		LessonLocation: strings.TrimSuffix(s.Settings.SchoolName+", "+s.Settings.Address, ", "),
		Reporter:       Reporter{Name: u.Name, Phone: s.Settings.ContactPhone, Email: s.Settings.ContactEmail},
		SchoolActions:  []string{}, ToFill: []string{"suspected_reason", "municipality_action_wanted"},
		Reason: e.Reason, Correction: e.Correction, BelowThreshold: e.FactsChanged, Age: e.Facts.Age,
	}
	if d.Kind == "" {
		d.Kind = "overig"
	}
	if d.PGN == "" {
		d.ToFill = append(d.ToFill, "pgn")
	}
	hist, err := tx.History(st.ID)
	if err != nil {
		return nil, err
	}
	current := map[school.Date]protocol.Entry{}
	for _, h := range hist {
		current[h.Date] = protocol.Entry{Date: h.Date, Kind: h.Kind, Hours: s.Protocol.Hours(h.Absence)}
	}
	d.ThresholdReached = s.Protocol.ReachedNow(e, s.Calendar, current)
	if d.ThresholdReached != e.Facts.ReachedOn() && !st.BirthDate.IsZero() {
		d.Age = st.BirthDate.AgeOn(d.ThresholdReached) // the age on the day it gives
	}
	// The days that still count (not corrected since, nor closed after the
	// fact), and for a count of hours the days a list posted late put inside
	// its period: as the case's correction says.
	d.AllLessonsMissed = true
	for _, en := range s.Protocol.Standing(e, s.Calendar, current) {
		d.Days = append(d.Days, MeldingDay{Date: en.Date, Kind: en.Kind, Hours: en.Hours})
		d.TotalHours += en.Hours
		if en.Hours < s.Protocol.SchoolDay.DayHours {
			d.AllLessonsMissed = false
		}
	}
	// The first day of absence is the first that still counts: a day
	// corrected since (sick, excused) is not reported.
	if len(d.Days) > 0 {
		d.FirstDayOfAbsence, d.LastDayOfAbsence = d.Days[0].Date, d.Days[len(d.Days)-1].Date
	}
	for _, c := range st.Contacts {
		if c.Role == school.RoleParent || c.Role == school.RoleGuardian {
			d.ParentPhone = c.Phone
			break
		}
	}
	if st.HousingUnit != "" {
		if hu, ok, err := tx.HousingUnit(st.HousingUnit); err != nil {
			return nil, err
		} else if ok {
			d.DifferentResidence = &Residence{Name: hu.Name, Address: hu.Address}
		}
	}
	// What the school did: the messages about these days, and earlier cases.
	for _, date := range e.Facts.Dates {
		msgs, err := tx.MessagesOf(date, st.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Status == alerts.StatusCancelled {
				continue
			}
			d.SchoolActions = append(d.SchoolActions, fmt.Sprintf("%s: bericht aan %s via %s (%s)", date, roleNL[m.Role], orCode(channelNL, m.Channel), orCode(statusNL, m.Status)))
		}
	}
	cases, err := tx.EscalationsOf(st.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range cases {
		if c.ID == e.ID {
			continue
		}
		for _, a := range c.Actions {
			line := fmt.Sprintf("%s: signaal %s (%s): %s", a.At.In(s.Location).Format("2006-01-02"), c.Rule, c.Level, orCode(actionNL, a.Action))
			if a.Note != "" {
				line += ": " + a.Note
			}
			d.SchoolActions = append(d.SchoolActions, line)
		}
	}
	return d, nil
}

// The draft is Dutch (a leerplichtambtenaar reads it): the words for what
// the store keeps as codes. (Found by a review: "dismiss ouders gebeld",
// "(delivered)".)
var (
	channelNL = map[school.Channel]string{school.ChannelSMS: "sms", school.ChannelWhatsApp: "WhatsApp", school.ChannelVoice: "telefoongesprek"}
	statusNL  = map[alerts.Status]string{
		alerts.StatusQueued: "in de wachtrij", alerts.StatusSending: "wordt verstuurd", alerts.StatusSent: "verstuurd",
		alerts.StatusDelivered: "afgeleverd", alerts.StatusRead: "gelezen", alerts.StatusUndelivered: "niet afgeleverd",
		alerts.StatusFailed: "mislukt", alerts.StatusExpired: "verlopen", alerts.StatusCancelled: "ingetrokken",
	}
	actionNL = map[string]string{"acknowledge": "in behandeling genomen", "reported": "gemeld bij DUO", "dismiss": "afgesloten"}
	// KindNL names the kinds of a day on the draft.
	KindNL = map[school.AbsenceKind]string{
		school.Absent: "ongeoorloofd afwezig", school.Late: "te laat", school.Sick: "ziek", school.Excused: "geoorloofd afwezig",
	}
)

// orCode is m's word for code, or the code itself when m has none.
func orCode[K ~string](m map[K]string, code K) string {
	if w, ok := m[code]; ok {
		return w
	}
	return string(code)
}

var roleNL = map[school.ContactRole]string{
	school.RoleParent: "ouder", school.RoleGuardian: "voogd", school.RoleWoonbegeleider: "woonbegeleider",
}
