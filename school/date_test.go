package school

import (
	"testing"
	"time"
)

// The day arithmetic agrees with the time package over four centuries.
func TestDayArithmeticAgreesWithTime(t *testing.T) {
	start := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	base := DateOf(start)
	for i := 0; i < 400*366; i += 7 {
		want := start.AddDate(0, 0, i)
		got := base.AddDays(i)
		if got != DateOf(want) || got.Weekday() != want.Weekday() || base.DaysUntil(got) != i {
			t.Fatalf("day %d: %s %s, want %s %s", i, got, got.Weekday(), want.Format("2006-01-02"), want.Weekday())
		}
		if back := got.AddDays(-i); back != base {
			t.Fatalf("day %d back: %s", i, back)
		}
	}
	if !(Date{2026, 1, 31}).Before(Date{2026, 2, 1}) || (Date{2026, 2, 1}).Before(Date{2026, 1, 31}) || !(Date{2027, 1, 1}).After(Date{2026, 12, 31}) {
		t.Error("compare is wrong across a month or a year")
	}
}
