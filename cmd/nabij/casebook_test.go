package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/protocol/casebook"
	"github.com/nabij-isk/nabij/school"
)

// TestCasebookThroughTheAPI plays every scenario of the default protocol's
// casebook through the whole service, end to end: the roster, each day's
// list and each correction as a mentor's PUT, the coordinator's actions and
// closed days through the API, the end-of-day sweep as the school day's
// rhythm runs it, on the service's own clock moved day by day, with bbolt
// beneath. The cases the API lists must be the casebook's, as they are when
// the engine plays them alone (protocol/casebook).
func TestCasebookThroughTheAPI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("plays every scenario through a running service")
	}
	scenarios, err := casebook.Load("../../protocol/testdata/casebook")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		t.Run(strings.TrimSuffix(filepath.Base(s.File), ".txt"), func(t *testing.T) {
			t.Parallel() // each scenario has a service, a store and a clock of its own
			res, err := casebook.Run(s, &apiDriver{t: t})
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Error("\n" + res.Report())
			}
		})
	}
}

// testClock is a clock a test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// apiDriver plays a scenario through a running nabij.
type apiDriver struct {
	t      *testing.T
	h      *harness
	clock  *testClock
	coord  string
	mentor string
	loc    *time.Location
}

func (d *apiDriver) Begin(s *casebook.Scenario, _ *school.Calendar) error {
	d.loc = mustLoc("Europe/Amsterdam")
	d.clock = &testClock{now: s.From.At(7, 0, d.loc)}
	var free []string
	for _, p := range s.Free {
		if p.First == p.Last {
			free = append(free, p.First.String())
		} else {
			free = append(free, p.First.String()+".."+p.Last.String())
		}
	}
	env := map[string]string{"NABIJ_REGION": string(s.Region), "NABIJ_FREE_DAYS": strings.Join(free, ","),
		"NABIJ_OPEN_ON": strings.Join(s.OpenOn, ",")}
	if s.Protocol != "" {
		env["NABIJ_PROTOCOL"] = s.Protocol
	}
	d.h = startHarnessWith(d.t, env, func(c *config) { c.now = d.clock.Now })
	d.h.mustCall(200, "PUT", "/api/v1/roster", adminToken, fmt.Sprintf(`{"classes": [{"id": "1A", "name": "ISK 1A"}],
  "students": [{"id": "p1", "name": "Casebook P.", "class": "1A", "birth_date": %q,
    "contacts": [{"id": "ouder", "role": "parent", "name": "Ouder", "phone": "+31612345002"}]}]}`, s.Born), nil)
	d.coord = d.h.createUser("C. Jansen", "coordinator")
	d.mentor = d.h.createUser("A. de Vries", "mentor", "1A")
	return nil
}

func (d *apiDriver) Morning(day school.Date) error {
	d.clock.Set(day.At(7, 0, d.loc))
	return nil
}

func (d *apiDriver) Set(day school.Date, e casebook.Entry) error {
	// "none" posts the list without the pupil; "present" posts them as
	// present, which takes them off too.
	var body any = `{"absences": []}`
	if e.Kind != casebook.None {
		a := map[string]any{"student": "p1", "kind": e.Kind}
		if e.Hours > 0 {
			a["hours"] = e.Hours
		}
		if e.Minutes > 0 {
			a["minutes"] = e.Minutes
		}
		if e.Kind == school.Excused {
			a["reason"] = "verlof" // the API asks why an absence is excused
		}
		body = map[string]any{"absences": []any{a}}
	}
	var errBody map[string]any
	if code := d.h.call("PUT", "/api/v1/classes/1A/absences/"+day.String(), d.mentor, body, &errBody); code != 200 {
		return fmt.Errorf("the list of %s: HTTP %d %v", day, code, errBody)
	}
	return nil
}

func (d *apiDriver) cases() ([]*protocol.Escalation, error) {
	var out []*protocol.Escalation
	if code := d.h.call("GET", "/api/v1/escalations?student=p1", d.coord, nil, &out); code != 200 {
		return nil, fmt.Errorf("GET escalations: HTTP %d", code)
	}
	return out, nil
}

func (d *apiDriver) Act(action, rule string, threshold school.Date, note string) error {
	cases, err := d.cases()
	if err != nil {
		return err
	}
	for _, c := range cases {
		if c.Rule == rule && c.Facts.ThresholdDay == threshold {
			var body map[string]any
			if code := d.h.call("POST", "/api/v1/escalations/"+c.ID, d.coord, map[string]string{"action": action, "note": note}, &body); code != 200 {
				return fmt.Errorf("%s %s: HTTP %d %v", action, c.ID, code, body)
			}
			return nil
		}
	}
	return fmt.Errorf("no case of %s reached on %s to %s", rule, threshold, action)
}

func (d *apiDriver) Close(day school.Date, reason string, reopen bool) error {
	if reason == "" {
		reason = "gesloten"
	}
	method, body := "PUT", any(map[string]string{"reason": reason})
	if reopen {
		method, body = "DELETE", nil
	}
	var out map[string]any
	if code := d.h.call(method, "/api/v1/calendar/closed/"+day.String(), d.coord, body, &out); code != 200 {
		return fmt.Errorf("%s closed day %s: HTTP %d %v", method, day, code, out)
	}
	return nil
}

// EndOfDay runs the sweep as the school day's rhythm does at NABIJ_SWEEP_AT.
func (d *apiDriver) EndOfDay(day school.Date) error {
	d.clock.Set(day.At(17, 0, d.loc))
	_, _, err := d.h.srv.svc.Sweep(context.Background(), day)
	return err
}

func (d *apiDriver) Cases() ([]*protocol.Escalation, error) { return d.cases() }
