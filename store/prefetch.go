package store

import (
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// ReadAheadForList reads ahead, on an engine where each read is a round
// trip (PostgreSQL: pgprefetch.go), what recording class's list of day
// reads of the list and of its pupils: the class, the list as it was, the
// class's pupils, each pupil's facts and roster record, days, cases and messages
// of that day: one round trip, and a second for the cases and messages the
// first found. Every read after it is answered as before, from the
// transaction where it was read ahead; on bbolt it does nothing.
func (t *Tx) ReadAheadForList(class string, day school.Date, students []string) error {
	p, ok := t.tx.(prefetcher)
	if !ok {
		return nil
	}
	gets := make([]pgKey, 0, 1+2*len(students))
	prefixes := make([]pgKey, 0, 1+4*len(students))
	gets = append(gets, pgKey{string(bucketClasses), class}, pgKey{string(bucketLists), day.String() + "|" + class})
	prefixes = append(prefixes, pgKey{string(bucketClassPupils), class + "|"})
	for _, id := range students {
		gets = append(gets, pgKey{string(bucketStudentFacts), id}, pgKey{string(bucketStudents), id})
		prefixes = append(prefixes,
			pgKey{string(bucketHistory), id + "|"},
			pgKey{string(bucketEscActive), id + "|"},
			pgKey{string(bucketEscByStudent), id + "|"},
			pgKey{string(bucketMsgByStudent), day.String() + "|" + id + "|"})
	}
	if err := p.prefetch(gets, prefixes); err != nil {
		return err
	}
	// Then, in a second round trip, the records the indexes read name:
	// the pupils' cases that ActiveCases reads for day, and that day's
	// messages.
	gets = gets[:0]
	for _, id := range students {
		for _, c := range p.under(string(bucketEscActive), id+"|") {
			if nearOne(c[1], []school.Date{day}) {
				gets = append(gets, pgKey{string(bucketEscalations), string(c[0])})
			}
		}
		for _, m := range p.under(string(bucketMsgByStudent), day.String()+"|"+id+"|") {
			gets = append(gets, pgKey{string(bucketMessages), string(m[0])}, pgKey{string(bucketMsgState), string(m[0])})
		}
	}
	if len(gets) == 0 {
		return nil
	}
	return p.prefetch(gets, nil)
}

// ReadAheadForContacts reads ahead what planning day's messages to phones
// reads: the pupils each number is a contact of, its opt-out, and the
// messages of that day already open to it.
func (t *Tx) ReadAheadForContacts(day school.Date, phones []string) error {
	p, ok := t.tx.(prefetcher)
	if !ok || len(phones) == 0 {
		return nil
	}
	gets := make([]pgKey, 0, len(phones))
	prefixes := make([]pgKey, 0, 2*len(phones))
	for _, phone := range phones {
		gets = append(gets, pgKey{string(bucketOptOuts), phone})
		prefixes = append(prefixes,
			pgKey{string(bucketStudentsByPhone), phone + "|"},
			pgKey{string(bucketMsgOpen), day.String() + "|" + phone + "|"})
	}
	return p.prefetch(gets, prefixes)
}

// ReadAheadForCases reads ahead what saving cases reads (PutEscalation):
// for a new case, the case kept under its rule and day, if there is one,
// and then that case, in a second round trip; for a case saved again, its
// entry in the pupil's index of cases.
func (t *Tx) ReadAheadForCases(cases []*protocol.Escalation) error {
	p, ok := t.tx.(prefetcher)
	if !ok || len(cases) == 0 {
		return nil
	}
	gets := make([]pgKey, 0, len(cases))
	for _, e := range cases {
		if e.ID == "" {
			gets = append(gets, pgKey{string(bucketEscByKey), caseKey(e.Key(), 1)})
		} else {
			gets = append(gets, pgKey{string(bucketEscByStudent), e.Student + "|" + e.ID})
		}
	}
	if err := p.prefetch(gets, nil); err != nil {
		return err
	}
	gets = gets[:0]
	for _, e := range cases {
		if e.ID != "" {
			continue
		}
		if id := t.tx.Bucket(bucketEscByKey).Get([]byte(caseKey(e.Key(), 1))); id != nil {
			gets = append(gets, pgKey{string(bucketEscalations), string(id)})
		}
	}
	if len(gets) == 0 {
		return nil
	}
	return p.prefetch(gets, nil)
}
