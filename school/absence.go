package school

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// AbsenceKind is what a mentor records for a pupil.
type AbsenceKind string

// Absence kinds of API.md.
const (
	// Absent is not there with no reason known: ongeoorloofd until shown otherwise.
	Absent AbsenceKind = "absent"
	Late   AbsenceKind = "late"
	// Sick is reported sick (geoorloofd, Lpw art. 11).
	Sick AbsenceKind = "sick"
	// Excused is geoorloofd with a reason: approved leave, religious duties, …
	Excused AbsenceKind = "excused"
	// Present is only ever posted, never kept: the pupil was there after
	// all, so the list holds no entry for them. Leaving a pupil out says the
	// same, except for a pupil no longer in the class: a list cannot name
	// them, so it keeps the entry they had unless it says present.
	Present AbsenceKind = "present"
)

// MaxReason is the longest reason an entry takes, in characters (as a day
// closed after the fact): a reason is a few words, shown on the roll call
// and the pupil's page.
const MaxReason = 200

// Absence is one pupil's entry on a morning list.
type Absence struct {
	Student string      `json:"student"`
	Kind    AbsenceKind `json:"kind"`
	Minutes int         `json:"minutes,omitempty"`
	Reason  string      `json:"reason,omitempty"`
	// Hours missed in lesuren; zero means the school's default for the kind.
	Hours float64 `json:"hours,omitempty"`
	// ReportedBy is the contact who reported the pupil sick by replying.
	ReportedBy string `json:"reported_by,omitempty"`
}

// AbsenceList is the whole list of one class for one date. A new list for the
// same class and date replaces the old one.
type AbsenceList struct {
	Class     string    `json:"class"`
	Date      Date      `json:"date"`
	Absences  []Absence `json:"absences"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	// ReportsOnly: no member of staff has posted the list yet; it holds
	// the sick reports families sent that day before it (a reply "1"), so
	// the class still counts as not posted.
	ReportsOnly bool `json:"reports_only,omitempty"`
	// AlertsWithheld says why the list made no new same-morning alert:
	// AlertsAfterUntil when it was posted after NABIJ_ALERT_UNTIL.
	AlertsWithheld string `json:"alerts_withheld,omitempty"`
}

// AlertsAfterUntil is AbsenceList.AlertsWithheld for a list of today posted
// after the hour same-morning alerts end (NABIJ_ALERT_UNTIL).
const AlertsAfterUntil = "after_alert_until"

// MaxLateMinutes is the most minutes a late arrival may have.
const MaxLateMinutes = 600

// Posted reports whether a member of staff posted the list: a list that
// holds only families' sick reports is not posted.
func (l *AbsenceList) Posted() bool { return l != nil && !l.ReportsOnly }

// onList counts the entries other than present.
func (l *AbsenceList) onList() int {
	n := 0
	for _, a := range l.Absences {
		if a.Kind != Present {
			n++
		}
	}
	return n
}

// maxDeparted is how many pupils who left a class since a list may name
// present beyond the class's own.
const maxDeparted = 10

// Entry returns the list's entry for a student.
func (l *AbsenceList) Entry(student string) (Absence, bool) {
	for _, a := range l.Absences {
		if a.Student == student {
			return a, true
		}
	}
	return Absence{}, false
}

// StudentClass tells which class a student is in; ok is false for an unknown student.
type StudentClass func(student string) (class string, ok bool)

// ListCheck is how much a list may hold and what its errors may tell.
type ListCheck struct {
	// Pupils is how many pupils the class has: with Limit, a list with
	// more entries is refused whole, before any entry is looked at.
	Pupils int
	Limit  bool
	// Reveal lets an error name another class's pupil's class (for a
	// coordinator). Without it a pupil of another class and an unknown id
	// read the same: a mentor learns nothing of other classes.
	Reveal bool
	// DayHours, when set, is the most lesuren a day has: an entry with more
	// hours (clock hours typed, say) is refused rather than counted.
	DayHours float64
}

// Validate checks a list against the roster and the calendar and names every
// bad entry; nothing of a list that fails is to be applied. Its errors may
// name another class; a mentor's list is checked with ValidateWith.
func (l *AbsenceList) Validate(classOf StudentClass, cal *Calendar) error {
	return l.ValidateWith(classOf, cal, ListCheck{Reveal: true})
}

// ValidateWith is Validate with a limit and what the errors may tell.
func (l *AbsenceList) ValidateWith(classOf StudentClass, cal *Calendar, check ListCheck) error {
	var errs fieldErrors
	// A roll call may name every pupil present and, present too, a pupil
	// who has left the class since (taken off): entries other than present
	// are at most the class's pupils, and all of them at most twice that
	// and a few (pupils who left).
	if n := l.onList(); check.Limit && (n > check.Pupils || len(l.Absences) > 2*check.Pupils+maxDeparted) {
		errs.add("absences", "the list has %d entries (%d of them on the list) and class %q has %d pupils: each pupil is on a list at most once", len(l.Absences), n, l.Class, check.Pupils)
		return errs.err()
	}
	if !cal.IsSchoolDay(l.Date) {
		errs.add("date", "%s is not a school day (%s)", l.Date, cal.WhyNotSchoolDay(l.Date))
	}
	seen := map[string]bool{}
	for i := range l.Absences {
		a := &l.Absences[i]
		path := fmt.Sprintf("absences[%d]", i)
		a.Student = strings.TrimSpace(a.Student)
		class, known := classOf(a.Student)
		switch {
		case a.Student == "":
			errs.add(path+".student", "a student id is required")
		case !check.Reveal && (!known || class != l.Class):
			errs.add(path+".student", "student %q is not in class %q", a.Student, l.Class)
		case !known:
			errs.add(path+".student", "student %q is not in the roster", a.Student)
		case class != l.Class:
			errs.add(path+".student", "student %q is in class %q, not %q", a.Student, class, l.Class)
		case seen[a.Student]:
			errs.add(path+".student", "student %q is on the list twice", a.Student)
		}
		seen[a.Student] = true
		switch a.Kind {
		case Late:
			if a.Minutes < 1 || a.Minutes > MaxLateMinutes {
				errs.add(path+".minutes", "a late arrival needs minutes from 1 to 600")
			}
		case Absent, Sick, Excused, Present:
			if a.Minutes != 0 {
				errs.add(path+".minutes", "minutes are only given for kind late")
			}
		default:
			errs.add(path+".kind", "kind %q is not one of absent, late, sick, excused, present", a.Kind)
		}
		if a.Kind == Present && (a.Hours != 0 || strings.TrimSpace(a.Reason) != "") {
			errs.add(path+".kind", "a pupil who was present has no hours or reason")
		}
		switch {
		case a.Kind == Excused && strings.TrimSpace(a.Reason) == "":
			errs.add(path+".reason", "an excused absence needs a reason")
		case utf8.RuneCountInString(a.Reason) > MaxReason:
			errs.add(path+".reason", "a reason is at most %d characters", MaxReason)
		}
		switch {
		case a.Hours < 0 || a.Hours > 12:
			errs.add(path+".hours", "hours must be from 0 to 12 lesuren")
		case check.DayHours > 0 && a.Hours > check.DayHours:
			errs.add(path+".hours", "%g lesuren: the school day has %g (hours are lesuren, not clock hours)", a.Hours, check.DayHours)
		}
		// reported_by is nabij's to set, from a family's reply: a list sent
		// back as it was read keeps it, anything else is ignored.
		a.ReportedBy = ""
	}
	return errs.err()
}
