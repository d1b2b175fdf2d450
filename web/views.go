package web

import (
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
	"github.com/nabij-isk/nabij/translations"
)

// The API's answers, each a view of its own: what the API shows is
// declared here with its json tags, apart from how store keeps it and how
// app and protocol compute it, so that either can change without the
// other. TestAnswersAreViews holds every handler to it. A view keeps a
// nil slice nil (null in JSON) and an empty one empty, as the stored
// struct had it.

// viewAll maps each element of in with f; nil stays nil.
func viewAll[T, V any](in []T, f func(T) V) []V {
	if in == nil {
		return nil
	}
	out := make([]V, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// fieldErrorView is one bad field of a 400 or 422.
type fieldErrorView struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func viewFieldError(f school.FieldError) fieldErrorView {
	return fieldErrorView{Field: f.Field, Message: f.Message}
}

// userView is a staff member as the admin sees them (never their token's
// hash).
type userView struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Role       school.Role `json:"role"`
	Classes    []string    `json:"classes,omitempty"`
	Language   string      `json:"language,omitempty"`
	Email      string      `json:"email,omitempty"`
	Disabled   bool        `json:"disabled"`
	LastSignIn *time.Time  `json:"last_sign_in"`
	LastAPIUse *time.Time  `json:"last_api_use"`
}

func viewUser(u school.User) userView {
	return userView{ID: u.ID, Name: u.Name, Role: u.Role, Classes: u.Classes, Language: u.Language, Email: u.Email,
		Disabled: u.Disabled, LastSignIn: u.LastSignIn, LastAPIUse: u.LastAPIUse}
}

// userCreatedView is a new user with their token, shown once.
type userCreatedView struct {
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	Role     school.Role `json:"role"`
	Classes  []string    `json:"classes"`
	Token    string      `json:"token"`
	Language string      `json:"language,omitempty"`
	Email    string      `json:"email,omitempty"`
}

// signInLinkView is a one-time sign-in link.
type signInLinkView struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// rosterView is the school's roster.
type rosterView struct {
	Classes      []classView       `json:"classes"`
	HousingUnits []housingUnitView `json:"housing_units"`
	Students     []studentView     `json:"students"`
}

type classView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type housingUnitView struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Address  string        `json:"address,omitempty"`
	Contacts []contactView `json:"contacts"`
}

type studentView struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Class       string        `json:"class"`
	BirthDate   school.Date   `json:"birth_date"`
	Gender      string        `json:"gender,omitempty"`
	HousingUnit string        `json:"housing_unit,omitempty"`
	Contacts    []contactView `json:"contacts"`
	PGN         string        `json:"pgn,omitempty"`
}

type contactView struct {
	ID             string             `json:"id"`
	Role           school.ContactRole `json:"role"`
	Name           string             `json:"name"`
	Phone          string             `json:"phone"`
	Language       string             `json:"language"`
	SecondLanguage string             `json:"second_language,omitempty"`
	Channel        school.Channel     `json:"channel"`
}

func viewContact(c school.Contact) contactView {
	return contactView{ID: c.ID, Role: c.Role, Name: c.Name, Phone: c.Phone, Language: c.Language,
		SecondLanguage: c.SecondLanguage, Channel: c.Channel}
}

func viewRoster(r *school.Roster) *rosterView {
	if r == nil {
		return nil
	}
	return &rosterView{
		Classes: viewAll(r.Classes, func(c school.Class) classView { return classView{ID: c.ID, Name: c.Name} }),
		HousingUnits: viewAll(r.HousingUnits, func(h school.HousingUnit) housingUnitView {
			return housingUnitView{ID: h.ID, Name: h.Name, Address: h.Address, Contacts: viewAll(h.Contacts, viewContact)}
		}),
		Students: viewAll(r.Students, func(s school.Student) studentView {
			return studentView{ID: s.ID, Name: s.Name, Class: s.Class, BirthDate: s.BirthDate, Gender: s.Gender,
				HousingUnit: s.HousingUnit, Contacts: viewAll(s.Contacts, viewContact), PGN: s.PGN}
		}),
	}
}

// rosterCountsView is what a roster put in place holds.
type rosterCountsView struct {
	Classes      int `json:"classes"`
	Students     int `json:"students"`
	HousingUnits int `json:"housing_units"`
}

// absenceView is one entry of a list.
type absenceView struct {
	Student    string             `json:"student"`
	Kind       school.AbsenceKind `json:"kind"`
	Minutes    int                `json:"minutes,omitempty"`
	Reason     string             `json:"reason,omitempty"`
	Hours      float64            `json:"hours,omitempty"`
	ReportedBy string             `json:"reported_by,omitempty"`
}

func viewAbsence(a school.Absence) absenceView {
	return absenceView{Student: a.Student, Kind: a.Kind, Minutes: a.Minutes, Reason: a.Reason, Hours: a.Hours, ReportedBy: a.ReportedBy}
}

// listView is a class's list of a day.
type listView struct {
	Class    string        `json:"class"`
	Date     school.Date   `json:"date"`
	Absences []absenceView `json:"absences"`
}

func viewList(l *school.AbsenceList) listView {
	return listView{Class: l.Class, Date: l.Date, Absences: viewAll(l.Absences, viewAbsence)}
}

// listResultView is the answer to a posted list.
type listResultView struct {
	Date           school.Date    `json:"date"`
	Class          string         `json:"class"`
	Recorded       int            `json:"recorded"`
	Alerts         []alertRefView `json:"alerts"`
	AlertsWithheld string         `json:"alerts_withheld,omitempty"`
	Note           string         `json:"note,omitempty"`
}

// alertRefView is an alert a list made or changed.
type alertRefView struct {
	Message          string         `json:"message"`
	Student          string         `json:"student"`
	Contact          string         `json:"contact"`
	Channel          school.Channel `json:"channel"`
	Language         string         `json:"language"`
	LanguageFallback bool           `json:"language_fallback,omitempty"`
	Status           alerts.Status  `json:"status"`
}

func viewListResult(r *app.ListResult) *listResultView {
	return &listResultView{Date: r.Date, Class: r.Class, Recorded: r.Recorded, AlertsWithheld: r.AlertsWithheld, Note: r.Note,
		Alerts: viewAll(r.Alerts, func(a app.AlertRef) alertRefView {
			return alertRefView{Message: a.Message, Student: a.Student, Contact: a.Contact, Channel: a.Channel,
				Language: a.Language, LanguageFallback: a.LanguageFallback, Status: a.Status}
		})}
}

// escalationView is a case for the coordinator, with its facts and what
// was done.
type escalationView struct {
	ID           string                    `json:"id"`
	Student      string                    `json:"student"`
	Level        protocol.Level            `json:"level"`
	Rule         string                    `json:"rule"`
	Melding      string                    `json:"melding,omitempty"`
	Reason       string                    `json:"reason"`
	ReasonEN     string                    `json:"reason_en"`
	Facts        factsView                 `json:"facts"`
	Status       protocol.EscalationStatus `json:"status"`
	OpenedAt     time.Time                 `json:"opened_at"`
	Due          *school.Date              `json:"due"`
	Actions      []actionView              `json:"actions"`
	Correction   string                    `json:"correction,omitempty"`
	FactsChanged bool                      `json:"facts_changed"`
}

// factsView is what a case stands on.
type factsView struct {
	Measure        string        `json:"measure"`
	Value          float64       `json:"value"`
	Threshold      float64       `json:"threshold"`
	Total          float64       `json:"total"`
	Step           int           `json:"step,omitempty"`
	Steps          int           `json:"steps,omitempty"`
	Weeks          int           `json:"weeks,omitempty"`
	Days           int           `json:"days,omitempty"`
	WindowStart    school.Date   `json:"window_start,omitzero"`
	FirstDay       school.Date   `json:"first_day"`
	ThresholdDay   school.Date   `json:"threshold_day"`
	Due            school.Date   `json:"due,omitzero"`
	Age            int           `json:"age"`
	Dates          []school.Date `json:"dates"`
	Hours          float64       `json:"hours"`
	CountedThrough school.Date   `json:"counted_through,omitzero"`
	HeldFrom       school.Date   `json:"held_from,omitzero"`
}

// actionView is one thing done on a case.
type actionView struct {
	Action string    `json:"action"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
}

func viewEscalation(e *protocol.Escalation) *escalationView {
	if e == nil {
		return nil
	}
	f := e.Facts
	return &escalationView{ID: e.ID, Student: e.Student, Level: e.Level, Rule: e.Rule, Melding: e.Melding, Reason: e.Reason,
		ReasonEN: e.ReasonEN, Status: e.Status, OpenedAt: e.OpenedAt, Due: e.Due, Correction: e.Correction, FactsChanged: e.FactsChanged,
		Facts: factsView{Measure: f.Measure, Value: f.Value, Threshold: f.Threshold, Total: f.Total, Step: f.Step, Steps: f.Steps,
			Weeks: f.Weeks, Days: f.Days, WindowStart: f.WindowStart, FirstDay: f.FirstDay, ThresholdDay: f.ThresholdDay, Due: f.Due,
			Age: f.Age, Dates: f.Dates, Hours: f.Hours, CountedThrough: f.CountedThrough, HeldFrom: f.HeldFrom},
		Actions: viewAll(e.Actions, func(a protocol.Action) actionView {
			return actionView{Action: a.Action, By: a.By, At: a.At, Note: a.Note}
		})}
}

// meldingView is the draft of a DUO melding.
type meldingView struct {
	Escalation         string           `json:"escalation"`
	Student            string           `json:"student"`
	Name               string           `json:"name"`
	BirthDate          school.Date      `json:"birth_date"`
	PGN                string           `json:"pgn"`
	Kind               string           `json:"kind"`
	FirstDayOfAbsence  school.Date      `json:"first_day_of_absence"`
	LastDayOfAbsence   school.Date      `json:"last_day_of_absence"`
	Age                int              `json:"age"`
	ThresholdReached   school.Date      `json:"threshold_reached_on"`
	Due                *school.Date     `json:"due"`
	SuspectedReason    string           `json:"suspected_reason"`
	AllLessonsMissed   bool             `json:"all_lessons_missed"`
	SchoolActions      []string         `json:"school_actions"`
	MunicipalityAction *bool            `json:"municipality_action_wanted"`
	LessonLocation     string           `json:"lesson_location"`
	Reporter           reporterView     `json:"reporter"`
	ParentPhone        string           `json:"parent_phone"`
	DifferentResidence *residenceView   `json:"different_residence"`
	Days               []meldingDayView `json:"absent_days"`
	TotalHours         float64          `json:"total_hours"`
	ToFill             []string         `json:"to_fill"`
	LeftRosterOn       *school.Date     `json:"left_roster_on,omitempty"`
	Reason             string           `json:"reason"`
	Correction         string           `json:"correction,omitempty"`
	BelowThreshold     bool             `json:"below_threshold,omitempty"`
}

type reporterView struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

type residenceView struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

type meldingDayView struct {
	Date  school.Date        `json:"date"`
	Kind  school.AbsenceKind `json:"kind"`
	Hours float64            `json:"hours"`
}

func viewMelding(d *app.MeldingDraft) *meldingView {
	v := &meldingView{Escalation: d.Escalation, Student: d.Student, Name: d.Name, BirthDate: d.BirthDate, PGN: d.PGN, Kind: d.Kind,
		FirstDayOfAbsence: d.FirstDayOfAbsence, LastDayOfAbsence: d.LastDayOfAbsence, Age: d.Age, ThresholdReached: d.ThresholdReached, Due: d.Due, SuspectedReason: d.SuspectedReason,
		AllLessonsMissed: d.AllLessonsMissed, SchoolActions: d.SchoolActions, MunicipalityAction: d.MunicipalityAction,
		LessonLocation: d.LessonLocation, Reporter: reporterView(d.Reporter), ParentPhone: d.ParentPhone,
		Days: viewAll(d.Days, func(m app.MeldingDay) meldingDayView {
			return meldingDayView{Date: m.Date, Kind: m.Kind, Hours: m.Hours}
		}), TotalHours: d.TotalHours, ToFill: d.ToFill, LeftRosterOn: d.LeftRosterOn,
		Reason: d.Reason, Correction: d.Correction, BelowThreshold: d.BelowThreshold}
	if r := d.DifferentResidence; r != nil {
		v.DifferentResidence = &residenceView{Name: r.Name, Address: r.Address}
	}
	return v
}

// taskView is a task for the coordinator ("call this family now").
type taskView struct {
	ID      string     `json:"id"`
	Kind    string     `json:"kind"`
	Date    string     `json:"date"`
	Student string     `json:"student"`
	Class   string     `json:"class,omitempty"`
	Reason  string     `json:"reason"`
	Tried   []string   `json:"tried"`
	Created time.Time  `json:"created_at"`
	DoneAt  *time.Time `json:"done_at"`
	Key     string     `json:"key,omitempty"`
}

func viewTask(t school.Task) taskView {
	return taskView{ID: t.ID, Kind: t.Kind, Date: t.Date, Student: t.Student, Class: t.Class, Reason: t.Reason,
		Tried: t.Tried, Created: t.Created, DoneAt: t.DoneAt, Key: t.Key}
}

// digestView is the coordinator's morning digest.
type digestView struct {
	Date             school.Date            `json:"date"`
	ClassesPosted    []string               `json:"classes_posted"`
	ClassesMissing   []string               `json:"classes_missing"`
	Absent           int                    `json:"absent"`
	Late             int                    `json:"late"`
	Sick             int                    `json:"sick"`
	Excused          int                    `json:"excused"`
	Messages         map[alerts.Status]int  `json:"messages"`
	OpenEscalations  map[protocol.Level]int `json:"open_escalations"`
	DueSoon          []string               `json:"due_within_two_working_days"`
	OpenTasks        int                    `json:"open_tasks"`
	CallNow          []string               `json:"call_now"`
	DutchInstead     []string               `json:"dutch_instead"`
	CalendarWarnings []string               `json:"calendar_warnings"`
	LateLists        []string               `json:"late_lists"`
	MadeAt           time.Time              `json:"made_at"`
}

func viewDigest(d *app.Digest) *digestView {
	return &digestView{Date: d.Date, ClassesPosted: d.ClassesPosted, ClassesMissing: d.ClassesMissing, Absent: d.Absent,
		Late: d.Late, Sick: d.Sick, Excused: d.Excused, Messages: d.Messages, OpenEscalations: d.OpenEscalations,
		DueSoon: d.DueSoon, OpenTasks: d.OpenTasks, CallNow: d.CallNow, DutchInstead: d.DutchInstead,
		CalendarWarnings: d.CalendarWarnings, LateLists: d.LateLists, MadeAt: d.MadeAt}
}

// inboundView is a family's reply in the inbox.
type inboundView struct {
	ID         string    `json:"id"`
	ProviderID string    `json:"provider_id"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Channel    string    `json:"channel"`
	Body       string    `json:"body"`
	ReceivedAt time.Time `json:"received_at"`
	Kind       string    `json:"kind"`
	Message    string    `json:"message,omitempty"`
	Students   []string  `json:"students"`
	Date       string    `json:"date,omitempty"`
	Contact    string    `json:"contact,omitempty"`
	Note       string    `json:"note,omitempty"`
}

func viewInbound(in store.Inbound) inboundView {
	return inboundView{ID: in.ID, ProviderID: in.ProviderID, From: in.From, To: in.To, Channel: in.Channel, Body: in.Body,
		ReceivedAt: in.ReceivedAt, Kind: in.Kind, Message: in.Message, Students: in.Students, Date: in.Date,
		Contact: in.Contact, Note: in.Note}
}

// reachView counts the alerts of a period by language and channel.
type reachView struct {
	From school.Date    `json:"from"`
	To   school.Date    `json:"to"`
	Rows []reachRowView `json:"rows"`
}

type reachRowView struct {
	Language  string `json:"language"`
	Channel   string `json:"channel"`
	Sent      int    `json:"sent"`
	Delivered int    `json:"delivered"`
	Read      int    `json:"read"`
	Replied   int    `json:"replied"`
	Failed    int    `json:"failed"`
}

func viewReach(r *app.Reach) *reachView {
	return &reachView{From: r.From, To: r.To, Rows: viewAll(r.Rows, func(row app.ReachRow) reachRowView { return reachRowView(row) })}
}

// closedDayView is a day the school closed after the fact.
type closedDayView struct {
	Date   school.Date `json:"date"`
	Reason string      `json:"reason"`
	By     string      `json:"by"`
	At     time.Time   `json:"at"`
}

func viewClosedDay(d store.ClosedDay) closedDayView {
	return closedDayView{Date: d.Date, Reason: d.Reason, By: d.By, At: d.At}
}

// calendarView is the school's calendar: its span, the closed days and
// its warnings.
type calendarView struct {
	Covers   periodView      `json:"covers"`
	Closed   []closedDayView `json:"closed"`
	Warnings []string        `json:"warnings"`
}

type periodView struct {
	Name     string      `json:"name"`
	First    school.Date `json:"first"`
	Last     school.Date `json:"last"`
	Optional bool        `json:"optional,omitempty"`
}

func viewCalendar(v *app.CalendarView) *calendarView {
	return &calendarView{Covers: periodView{Name: v.Covers.Name, First: v.Covers.First, Last: v.Covers.Last, Optional: v.Covers.Optional},
		Closed: viewAll(v.Closed, viewClosedDay), Warnings: v.Warnings}
}

// auditEntryView is one staff request of the audit log.
type auditEntryView struct {
	At     time.Time         `json:"at"`
	User   string            `json:"user"`
	Role   string            `json:"role"`
	Action string            `json:"action"`
	Target map[string]string `json:"target,omitempty"`
	Status int               `json:"status"`
}

func viewAuditEntry(e store.AuditEntry) auditEntryView {
	return auditEntryView{At: e.At, User: e.User, Role: e.Role, Action: e.Action, Target: e.Target, Status: e.Status}
}

// languageView is a language nabij writes in, with its review state.
type languageView struct {
	Tag         string `json:"tag"`
	Name        string `json:"name"`
	EnglishName string `json:"english_name"`
	Direction   string `json:"direction"`
	Review      string `json:"review"`
	ReviewedBy  string `json:"reviewed_by"`
	ReviewedOn  string `json:"reviewed_on"`
	Note        string `json:"note"`
	Gender      bool   `json:"gender"`
}

func viewLanguage(l translations.Language) languageView {
	return languageView{Tag: l.Tag, Name: l.Name, EnglishName: l.EnglishName, Direction: l.Direction, Review: l.Review,
		ReviewedBy: l.ReviewedBy, ReviewedOn: l.ReviewedOn, Note: l.Note, Gender: l.Gender}
}
