package school

import (
	"testing"
	"time"
)

// ParseDate and String are hand-written for speed: they must agree with the
// time package on every day and refuse what it refuses.
func TestParseDateAndStringAgreeWithTime(t *testing.T) {
	for day := time.Date(1899, 12, 25, 0, 0, 0, 0, time.UTC); day.Year() < 2101; day = day.AddDate(0, 0, 1) {
		s := day.Format(dateLayout)
		d, err := ParseDate(s)
		if err != nil || d != DateOf(day) {
			t.Fatalf("ParseDate(%q) = %v, %v; want %v", s, d, err, DateOf(day))
		}
		if d.String() != s {
			t.Fatalf("%v.String() = %q, want %q", d, d.String(), s)
		}
	}
	for _, bad := range []string{"", "2026-02-29", "2024-02-30", "2026-13-01", "2026-00-10", "2026-01-00", "2026-1-01",
		"2026-01-1", "26-01-01", "2026/01/01", "2026-01-01T", " 2026-01-01", "２０２６-01-01", "2026-0a-01", "+026-01-01", "1900-02-29"} {
		if d, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", bad, d)
		}
	}
	if d, err := ParseDate("2000-02-29"); err != nil || d != (Date{2000, time.February, 29}) {
		t.Errorf("ParseDate(2000-02-29) = %v, %v: 2000 is a leap year", d, err)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-30", "2026-02-29", "0000-01-01", "9999-12-31", "2026-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		tm, terr := time.Parse(dateLayout, s)
		if (err == nil) != (terr == nil) {
			t.Fatalf("ParseDate(%q) err = %v, time.Parse err = %v", s, err, terr)
		}
		if err == nil && (d != DateOf(tm) || d.String() != s) {
			t.Fatalf("ParseDate(%q) = %v (%q), time.Parse = %v", s, d, d.String(), tm)
		}
	})
}
