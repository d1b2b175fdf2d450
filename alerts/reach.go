package alerts

import (
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// CheckReach makes a "call this family now" task for each pupil of m whose
// alerts of the day have all failed (or expired, or went to contacts who
// opted out), once every fallback has had its turn. Someone reached — a
// parent, the voogd, the housing unit — is enough.
func CheckReach(tx Tx, m *Message, now time.Time) error {
	if !m.IsAlert() {
		return nil
	}
	for _, student := range m.Students {
		msgs, err := tx.MessagesOf(m.Date, student)
		if err != nil {
			return err
		}
		var tried []string
		settled := true
		for _, x := range msgs {
			if !x.IsAlert() || !x.Live() {
				continue
			}
			if !x.Failed() {
				settled = false // reached, or still on its way
				break
			}
			if x.Fallback != "" {
				continue // its SMS says more
			}
			tried = append(tried, describeTry(x))
		}
		if !settled || len(tried) == 0 {
			continue
		}
		if err := Unreachable(tx, m.Date, student, tried, now); err != nil {
			return err
		}
	}
	return nil
}

// Unreachable makes the task to call a pupil's family now, with what was tried.
func Unreachable(tx Tx, date school.Date, student string, tried []string, now time.Time) error {
	if tried == nil {
		tried = []string{}
	}
	_, err := tx.PutTask(&school.Task{Kind: school.TaskUnreachable, Date: date.String(), Student: student,
		Reason: "Geen bericht over de afwezigheid is aangekomen: bel de familie nu.",
		Tried:  tried, Created: now, Key: school.TaskUnreachable + "|" + date.String() + "|" + student})
	return err
}

func describeTry(m *Message) string {
	if m.IsCall() {
		try := 1
		if m.Call != nil {
			try = m.Call.Try
		}
		outcome := CallFailed
		if m.Call != nil && m.Call.Outcome != "" {
			outcome = m.Call.Outcome
		}
		return fmt.Sprintf("%s %s by phone, try %d: %s", m.Role, m.Contact, try, outcome)
	}
	s := fmt.Sprintf("%s %s via %s: %s", m.Role, m.Contact, m.Channel, m.Status)
	if m.ErrorCode != 0 {
		s += fmt.Sprintf(" (%d)", m.ErrorCode)
	}
	if m.FallbackFor != "" {
		s += " after WhatsApp failed"
	}
	return s
}
