package alerts

import "time"

// QuietHours are the hours nothing reaches a family: outside From–Until in
// Location. A zero QuietHours is never quiet.
type QuietHours struct {
	From, Until time.Duration // since midnight, e.g. 7h and 21h
	Location    *time.Location
}

// Next is when sending may start again if now is quiet, or zero when now
// is inside the waking hours.
func (q QuietHours) Next(now time.Time) time.Time {
	if q.Location == nil || q.From == q.Until {
		return time.Time{}
	}
	local := now.In(q.Location)
	y, mo, d := local.Date()
	// Wall-clock times, so that 07:00 stays 07:00 on the days the clocks change.
	at := func(day int, since time.Duration) time.Time {
		return time.Date(y, mo, day, int(since.Hours()), int(since.Minutes())%60, 0, 0, q.Location)
	}
	opens, closes := at(d, q.From), at(d, q.Until)
	switch {
	case local.Before(opens):
		return opens
	case !local.Before(closes):
		return at(d+1, q.From)
	}
	return time.Time{}
}

// Exempt reports whether m may go out at night: an answer to a family who
// just wrote to the school.
func (q QuietHours) Exempt(m *Message) bool {
	switch m.Template {
	case TemplateThanksSick, TemplateThanksCall, TemplateWhichChild:
		return true
	}
	return false
}
