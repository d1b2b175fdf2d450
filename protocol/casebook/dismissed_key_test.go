package casebook

// Found by a leerplicht review.

import (
	"slices"
	"testing"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// playEngine plays a casebook story through the engine and returns its cases.
func playEngine(t *testing.T, text string) []*protocol.Escalation {
	t.Helper()
	s, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	g := NewEngine(protocol.Default())
	if _, err := Run(s, g); err != nil {
		t.Fatal(err)
	}
	cases, _ := g.Cases()
	return cases
}

func day(s string) school.Date {
	d, err := school.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// A 16u case is dismissed because one of its days was listed by mistake
// (the day is taken off the list). A week later the list of an earlier day,
// which the mentor had not posted, comes in late: the pupil was absent that
// day. 30 Oct, 3 and 4 Nov are now 18 lesuren unexcused within 4 lesweken,
// reached again on 4 Nov: the melding duty of Lpw art. 21a stands for these
// hours, which no case has stated. nabij keys a case by its rule and
// threshold day, so the dismissed case's key (16u, 4 Nov) swallows the new
// facts: no case ever opens, and the rules count on from 5 Nov as though
// these hours had been reported.
// Now a second case of the same rule and day opens (Escalation.Covers).
func TestADismissedCasesDayDoesNotSwallowNewFacts(t *testing.T) {
	cases := playEngine(t, `# dismissed 16u, a day taken off, a list posted late for an earlier day
pupil born 2011-03-14
region midden
through 2026-11-13

2026-11-02..2026-11-04 absent
on 2026-11-05: 2026-11-02 none
on 2026-11-05: dismiss leerplicht-16u-4w 2026-11-04 "2 november ten onrechte op de lijst"
on 2026-11-09: 2026-10-30 absent
expect nothing
`)
	var states []string
	for _, c := range cases {
		states = append(states, c.Rule+" "+c.Facts.ThresholdDay.String()+" "+string(c.Status))
		if c.Rule == "leerplicht-16u-4w" && c.Status != protocol.StatusDismissed && slices.Contains(c.Facts.Dates, day("2026-10-30")) {
			return
		}
	}
	t.Errorf("18 lesuren unexcused (30 Oct, 3 and 4 Nov) within 4 lesweken, and no active leerplicht case counts them; the cases: %v", states)
}
