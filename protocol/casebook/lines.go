package casebook

// Reading a scenario's lines: a day's entry, an event (a correction, a
// closed day, a coordinator's action), an expected case and its notes.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nabij-isk/nabij/school"
)

// parseDayLine reads "DAY[..DAY] KIND [Nh] [Nm]".
func parseDayLine(f []string) (DayLine, error) {
	var dl DayLine
	if len(f) < 2 {
		return dl, fmt.Errorf("%q: write a day (or DAY..DAY) and a kind: absent, late, sick, excused, present or none", strings.Join(f, " "))
	}
	var err error
	if dl.First, dl.Last, err = parseRange(f[0]); err != nil {
		return dl, fmt.Errorf("not a day, a range or a setting I know: %v", err)
	}
	switch k := school.AbsenceKind(f[1]); k {
	case school.Absent, school.Late, school.Sick, school.Excused, None, school.Present:
		dl.Entry.Kind = k
	default:
		return dl, fmt.Errorf("%q is not one of absent, late, sick, excused, present, none", f[1])
	}
	if (dl.Entry.Kind == None || dl.Entry.Kind == school.Present) && len(f) > 2 {
		return dl, fmt.Errorf("%q: a pupil taken off the list (%s) has no hours or minutes", strings.Join(f, " "), dl.Entry.Kind)
	}
	for _, x := range f[2:] {
		switch {
		case strings.HasSuffix(x, "h"):
			h, err := strconv.ParseFloat(strings.TrimSuffix(x, "h"), 64)
			if err != nil || h <= 0 || h > 12 {
				return dl, fmt.Errorf("%q: hours are written like 2h (1 to 12 lesuren)", x)
			}
			dl.Entry.Hours = h
		case strings.HasSuffix(x, "m"):
			m, err := strconv.Atoi(strings.TrimSuffix(x, "m"))
			if err != nil || m <= 0 || m > 600 {
				return dl, fmt.Errorf("%q: minutes late are written like 25m", x)
			}
			if dl.Entry.Kind != school.Late {
				return dl, fmt.Errorf("%q: only a late entry has minutes", x)
			}
			dl.Entry.Minutes = m
		default:
			return dl, fmt.Errorf("%q: write hours like 2h or minutes late like 25m", x)
		}
	}
	if dl.Entry.Kind == school.Late && dl.Entry.Minutes == 0 && dl.Entry.Hours == 0 {
		return dl, fmt.Errorf("a late entry needs its minutes, e.g. \"late 25m\"")
	}
	return dl, nil
}

// parseEvent reads "on DAY: ...".
func parseEvent(f []string) (Event, error) {
	var ev Event
	if len(f) < 3 || !strings.HasSuffix(f[1], ":") {
		return ev, fmt.Errorf("write \"on YYYY-MM-DD: what happened\"")
	}
	on, err := school.ParseDate(strings.TrimSuffix(f[1], ":"))
	if err != nil {
		return ev, fmt.Errorf("on: %v", err)
	}
	ev.On = on
	rest := f[2:]
	switch rest[0] {
	case "dismiss", "report", "reported", "acknowledge":
		ev.Act = map[string]string{"dismiss": ActDismiss, "report": ActReport, "reported": ActReport, "acknowledge": ActAcknowledge}[rest[0]]
		if len(rest) < 3 {
			return ev, fmt.Errorf("write \"%s RULE THRESHOLD-DAY\"", rest[0])
		}
		ev.Rule = rest[1]
		if ev.Threshold, err = school.ParseDate(rest[2]); err != nil {
			return ev, fmt.Errorf("the case's threshold day: %v", err)
		}
		ev.Note = strings.Join(rest[3:], " ")
		if ev.Act == ActDismiss && ev.Note == "" {
			ev.Note = "afgewezen in het casebook"
		}
		if ev.Threshold.After(ev.On) {
			return ev, fmt.Errorf("a case reached on %s cannot be acted on earlier, on %s", ev.Threshold, ev.On)
		}
	case "close", "reopen":
		ev.Act = rest[0]
		if len(rest) < 2 {
			return ev, fmt.Errorf("write \"%s YYYY-MM-DD\"", rest[0])
		}
		if ev.Days.First, ev.Days.Last, err = parseRange(rest[1]); err != nil {
			return ev, err
		}
		ev.Note = strings.Join(rest[2:], " ")
	default:
		ev.Act = ActSet
		if ev.Days, err = parseDayLine(rest); err != nil {
			return ev, err
		}
		if ev.Days.Last.After(ev.On) {
			return ev, fmt.Errorf("on %s a list can be posted for that day or before, not for %s", ev.On, ev.Days.Last)
		}
	}
	return ev, nil
}

// parseCase reads "OPENED RULE LEVEL VALUE FIRST..LAST DUE [STATUS]".
func parseCase(f []string) (Case, error) {
	var c Case
	if len(f) < 6 || len(f) > 7 {
		return c, fmt.Errorf("a case is: opened rule level value first..last due [status], e.g. " +
			"\"2026-11-04 leerplicht-16u-4w leerplicht 18 2026-10-08..2026-11-04 2026-11-11 open\"")
	}
	var err error
	if c.Opened, err = school.ParseDate(f[0]); err != nil {
		return c, fmt.Errorf("opened: %v", err)
	}
	c.Rule, c.Level = f[1], f[2]
	if c.Value, err = strconv.ParseFloat(f[3], 64); err != nil {
		return c, fmt.Errorf("value %q is not a number", f[3])
	}
	if !strings.Contains(f[4], "..") {
		return c, fmt.Errorf("window %q: write FIRST..LAST", f[4])
	}
	if c.WindowFirst, c.WindowLast, err = parseRange(f[4]); err != nil {
		return c, fmt.Errorf("window: %v", err)
	}
	if f[5] != "-" {
		if c.Due, err = school.ParseDate(f[5]); err != nil {
			return c, fmt.Errorf("due (or - for none): %v", err)
		}
	}
	c.Status = "open"
	if len(f) == 7 {
		st, below := strings.CutSuffix(f[6], "+below")
		switch st {
		case "open", "acknowledged", "reported", "dismissed":
		default:
			return c, fmt.Errorf("status %q is not one of open, acknowledged, reported, dismissed (with +below when corrections took it below its threshold)", f[6])
		}
		c.Status, c.Below = st, below
	}
	return c, nil
}

// parseCaseNote reads an indented line under a case: reason "TEXT" or
// correction "TEXT".
func parseCaseNote(c *Case, f []string) error {
	if len(f) != 2 || (f[0] != "reason" && f[0] != "correction") {
		return fmt.Errorf("under a case, write reason \"text\" or correction \"text\" (a text it must contain)")
	}
	if f[0] == "reason" {
		c.Reason = append(c.Reason, f[1])
	} else {
		c.Correction = append(c.Correction, f[1])
	}
	return nil
}
