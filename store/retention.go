package store

import (
	"fmt"
	"time"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/school"
)

// MarkLeft records the day a pupil left the roster, and their roster
// record as it was: retention counts from that day, and a case reached
// while they were enrolled still opens and gets its melding.
func (t *Tx) MarkLeft(st school.Student, day school.Date) error {
	if t.tx.Bucket(bucketLeft).Get([]byte(st.ID)) != nil {
		return nil // the first day counts
	}
	if err := t.tx.Bucket(bucketLeft).Put([]byte(st.ID), []byte(day.String())); err != nil {
		return err
	}
	return t.put(bucketLeftPupils, st.ID, st)
}

// ClearLeft forgets that a pupil left: they are back on the roster.
func (t *Tx) ClearLeft(student string) error {
	if err := t.tx.Bucket(bucketLeftPupils).Delete([]byte(student)); err != nil {
		return err
	}
	return t.tx.Bucket(bucketLeft).Delete([]byte(student))
}

// LeftPupil is the roster's record of a pupil who left it, and the day they
// left; false for a pupil on the roster, unknown, or who left before nabij
// kept the record (schema 5).
func (t *Tx) LeftPupil(student string) (school.Student, school.Date, bool, error) {
	var st school.Student
	ok, err := t.get(bucketLeftPupils, student, &st)
	if err != nil || !ok {
		return school.Student{}, school.Date{}, false, err
	}
	raw := t.tx.Bucket(bucketLeft).Get([]byte(student))
	if raw == nil {
		return school.Student{}, school.Date{}, false, fmt.Errorf("left_pupils/%s: no day in left", student)
	}
	day, err := school.ParseDate(string(raw))
	if err != nil {
		return school.Student{}, school.Date{}, false, fmt.Errorf("left %s: %w", student, err)
	}
	return st, day, true, nil
}

// LeftBefore lists the pupils who left the roster before day.
func (t *Tx) LeftBefore(day school.Date) ([]string, error) {
	var out []string
	c := t.tx.Bucket(bucketLeft).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		d, err := school.ParseDate(string(v))
		if err != nil {
			return nil, fmt.Errorf("left %s: %w", k, err)
		}
		if d.Before(day) {
			out = append(out, string(k))
		}
	}
	return out, nil
}

// Purged counts what a retention run removed.
type Purged struct {
	Pupils, Days, Messages, Escalations, Replies, Bodies int
	// Records: roster records of pupils who left, dropped once no case of
	// theirs waits for a melding.
	Records int
}

// DropLeftRecord deletes the roster record kept of a pupil who left (their
// absence data stays until retention purges it).
func (t *Tx) DropLeftRecord(student string, p *Purged) error {
	if t.tx.Bucket(bucketLeftPupils).Get([]byte(student)) == nil {
		return nil
	}
	p.Records++
	return t.tx.Bucket(bucketLeftPupils).Delete([]byte(student))
}

// PurgePupil removes everything about a pupil who left long enough ago:
// their days in the lists and history, their messages, cases and replies.
func (t *Tx) PurgePupil(student string, p *Purged) error {
	hist, err := t.History(student)
	if err != nil {
		return err
	}
	for _, h := range hist {
		// Every class's list of the day: a pupil who moved class may be on
		// the old class's list too.
		var lists []*school.AbsenceList
		if err := each(t, bucketLists, h.Date.String()+"|", func(_ string, l *school.AbsenceList) error {
			lists = append(lists, l)
			return nil
		}); err != nil {
			return err
		}
		for _, l := range lists {
			kept := l.Absences[:0]
			for _, a := range l.Absences {
				if a.Student != student {
					kept = append(kept, a)
				}
			}
			if len(kept) == len(l.Absences) {
				continue
			}
			l.Absences = kept
			if err := t.put(bucketLists, listKey(l.Date, l.Class), l); err != nil {
				return err
			}
		}
		if err := t.tx.Bucket(bucketHistory).Delete([]byte(student + "|" + h.Date.String())); err != nil {
			return err
		}
		p.Days++
		msgs, err := t.MessagesOf(h.Date, student)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := t.forgetStudent(m, student, p); err != nil {
				return err
			}
		}
	}
	cases, err := t.EscalationsOf(student)
	if err != nil {
		return err
	}
	byKey := t.tx.Bucket(bucketEscByKey)
	for _, e := range cases {
		for _, k := range [][2][]byte{{bucketEscalations, []byte(e.ID)}, {bucketEscByStudent, []byte(student + "|" + e.ID)}, {bucketEscActive, []byte(student + "|" + e.ID)}} {
			if err := t.tx.Bucket(k[0]).Delete(k[1]); err != nil {
				return err
			}
		}
		// Its esc_by_key entry: the key, or "key|n" for a later case of
		// the same rule and day (freeKey; rare, and another of the pupil's
		// cases may have left a gap before it).
		for n := 1; n <= maxCasesPerKey; n++ {
			key := []byte(caseKey(e.Key(), n))
			if id := byKey.Get(key); string(id) == e.ID {
				if err := byKey.Delete(key); err != nil {
					return err
				}
				break
			}
		}
		p.Escalations++
	}
	inbox, err := t.Inbounds()
	if err != nil {
		return err
	}
	for _, in := range inbox {
		for _, s := range in.Students {
			if s == student {
				if err := t.tx.Bucket(bucketInbound).Delete([]byte("msg|" + in.ID)); err != nil {
					return err
				}
				p.Replies++
				break
			}
		}
	}
	p.Pupils++
	return t.ClearLeft(student)
}

// forgetStudent takes a purged pupil out of a message; a message about no
// one any more is deleted with its indexes.
func (t *Tx) forgetStudent(m *alerts.Message, student string, p *Purged) error {
	kept := m.Students[:0:0]
	for _, s := range m.Students {
		if s != student {
			kept = append(kept, s)
		}
	}
	if len(kept) > 0 {
		m.Students, m.Body, m.Back = kept, "", ""
		return t.PutMessage(m)
	}
	keys := [][2][]byte{
		{bucketMessages, []byte(m.ID)},
		{bucketMsgState, []byte(m.ID)},
		{bucketMsgByDate, []byte(m.Date.String() + "|" + m.ID)},
		{bucketMsgByStudent, []byte(m.Date.String() + "|" + student + "|" + m.ID)},
		{bucketMsgByPhone, []byte(m.Phone + "|" + m.ID)},
		{bucketMsgSending, []byte(m.ID)},
	}
	if m.ProviderID != "" {
		keys = append(keys, [2][]byte{bucketMsgByPID, []byte(m.ProviderID)})
	}
	if m.Status == alerts.StatusQueued {
		keys = append(keys, [2][]byte{bucketOutbox, outboxKey(m.DueAt, m.ID)})
	}
	for _, k := range keys {
		if err := t.tx.Bucket(k[0]).Delete(k[1]); err != nil {
			return err
		}
	}
	p.Messages++
	return nil
}

// PurgeBodies blanks the text of messages and replies made before cutoff:
// what was said goes, that it was sent stays (for reach and the cases).
func (t *Tx) PurgeBodies(cutoff time.Time, p *Purged) error {
	c := t.tx.Bucket(bucketMsgByDate).Cursor()
	var ids []string
	stop := []byte(school.DateOf(cutoff).String())
	for k, _ := c.First(); k != nil && string(k[:10]) < string(stop); k, _ = c.Next() {
		ids = append(ids, string(k[11:]))
	}
	for _, id := range ids {
		m, err := t.Message(id)
		if err != nil {
			return err
		}
		if m.Body == "" && m.Back == "" || m.CreatedAt.After(cutoff) {
			continue
		}
		m.Body, m.Back = "", ""
		if err := t.writeMessage(m); err != nil {
			return err
		}
		p.Bodies++
	}
	inbox, err := t.Inbounds()
	if err != nil {
		return err
	}
	for _, in := range inbox {
		if in.Body != "" && in.ReceivedAt.Before(cutoff) {
			in.Body = ""
			if _, err := t.PutInbound(&in); err != nil {
				return err
			}
			p.Bodies++
		}
	}
	return nil
}
