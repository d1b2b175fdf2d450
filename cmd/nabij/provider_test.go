package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// healthProblems is /healthz with the parts that are degraded.
type healthProblems struct {
	Status   string `json:"status"`
	Problems []struct {
		Part  string `json:"part"`
		Error string `json:"error"`
	} `json:"problems"`
}

func getHealthProblems(t *testing.T, h *harness) healthProblems {
	t.Helper()
	resp, err := http.Get(h.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out healthProblems
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: HTTP %d, %v", resp.StatusCode, err)
	}
	return out
}

// metricLine is the line of /metrics that starts with name, or "".
func metricLine(t *testing.T, h *harness, name string) string {
	t.Helper()
	return metricLineWith(t, h, name+" ")
}

// metricLineWith is the first line of /metrics that starts with prefix, or "".
func metricLineWith(t *testing.T, h *harness, prefix string) string {
	t.Helper()
	resp, err := http.Get(h.srv.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

type taskJSON struct {
	Kind    string `json:"kind"`
	Student string `json:"student"`
	Reason  string `json:"reason"`
}

func tasksOf(h *harness, token string) map[string]int {
	var tasks []taskJSON
	h.mustCall(200, "GET", "/api/v1/tasks", token, nil, &tasks)
	kinds := map[string]int{}
	for _, task := range tasks {
		kinds[task.Kind]++
	}
	return kinds
}

// restart stops h's nabij and starts it again on the same data directory,
// address and Twilio stand-in, with change applied to its configuration.
func (h *harness) restart(change func(*config)) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.Stop(ctx); err != nil {
		h.t.Fatalf("stop: %v", err)
	}
	cfg := *h.srv.cfg
	cfg.listener = listenerOn(h.t, h.socket) // the stop closed the first nabij's
	change(&cfg)
	srv, err := newServer(&cfg, io.Discard, h.logs, false)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			h.t.Errorf("stop: %v", err)
		}
	})
	h.srv, h.url = srv, srv.URL()
}

// Issue 14, item 4: nabij starts with a wrong Twilio auth token. Twilio
// refuses the account (401, 20003): no alert fails for it and no family
// becomes a "call now" task; /healthz says degraded and why, one task tells
// the coordinator, /metrics says sending is paused. The credentials are
// corrected and nabij restarted: every alert goes out once, within its
// validity, and /healthz is ok again.
func TestRefusedAccountMorningRecoversAfterTheCredentialsChange(t *testing.T) {
	t.Parallel()
	h := startHarness(t, map[string]string{"NABIJ_CLOCK": "2026-11-30T08:50:00+01:00", "TWILIO_AUTH_TOKEN": "wrongtoken0001"})
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, familyRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord, fiveAbsent, nil)

	var health healthProblems
	eventually(t, "/healthz degraded by the refused account", func() bool {
		health = getHealthProblems(t, h)
		return health.Status == "degraded"
	})
	if len(health.Problems) != 1 || health.Problems[0].Part != "sending" || !strings.Contains(health.Problems[0].Error, "20003") {
		t.Errorf("/healthz problems %+v, want sending refused with code 20003", health.Problems)
	}
	if l := metricLine(t, h, "nabij_sending_paused"); l != "nabij_sending_paused 1" {
		t.Errorf("metric while refused: %q", l)
	}
	// Every message was refused (the workers sent at once); one task. The
	// pause begins as the refusal is answered, the task with the refused
	// message's record just after: wait for it, then hold the count.
	var kinds map[string]int
	eventually(t, "the provider_refused task", func() bool {
		kinds = tasksOf(h, coord)
		return kinds["provider_refused"] > 0
	})
	if kinds["provider_refused"] != 1 || kinds["unreachable"] != 0 || len(kinds) != 1 {
		t.Errorf("tasks while refused: %v, want one provider_refused and no family to call", kinds)
	}
	var msgs []messageJSON
	h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want 4", len(msgs))
	}
	for _, m := range msgs {
		if m.Status != "queued" && m.Status != "sending" {
			t.Errorf("message %s while the account is refused: %s, want waiting", m.ID, m.Status)
		}
	}
	if n := len(h.twilio.Messages()); n != 0 {
		t.Fatalf("Twilio took %d messages with a wrong token", n)
	}

	// The credentials are corrected, and nabij restarted with them.
	h.restart(func(c *config) { c.Twilio.AuthToken = authToken })
	got, ok := h.twilio.WaitForMessages(4, 10*time.Second)
	if !ok {
		t.Fatalf("after the credentials were corrected %d of 4 alerts went out", len(got))
	}
	eventually(t, "all delivered", func() bool {
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
		for _, m := range msgs {
			if m.Status != "delivered" {
				return false
			}
		}
		return len(msgs) == 4
	})
	to := map[string]int{}
	for _, m := range h.twilio.Messages() {
		to[m.To]++
		if m.ValidityPeriod <= 0 || m.ValidityPeriod > 4*3600 {
			t.Errorf("an alert went out with ValidityPeriod %d s: outside its validity", m.ValidityPeriod)
		}
	}
	if len(to) != 4 || len(h.twilio.Messages()) != 4 {
		t.Errorf("Twilio took %d messages to %d numbers, want 4 to 4 (each once)", len(h.twilio.Messages()), len(to))
	}
	if health := getHealthProblems(t, h); health.Status != "ok" || len(health.Problems) != 0 {
		t.Errorf("/healthz after the credentials were corrected: %+v", health)
	}
	if l := metricLine(t, h, "nabij_sending_paused"); l != "nabij_sending_paused 0" {
		t.Errorf("metric after recovery: %q", l)
	}
	if kinds := tasksOf(h, coord); kinds["provider_refused"] != 1 || kinds["unreachable"] != 0 {
		t.Errorf("tasks after recovery: %v", kinds)
	}
}

// Issue 14, item 5: Twilio answers 201 with the WhatsApp message already
// "failed" (63016, outside the 24-hour window). nabij records it failed at
// once and sends the SMS, with no status callback to wait for (the
// stand-in sends none).
func TestImmediateFailureFallsBackToSMS(t *testing.T) {
	t.Parallel()
	h := startHarness(t, nil)
	h.mustCall(200, "PUT", "/api/v1/roster", adminToken, e2eRoster, nil)
	coord := h.createUser("C. Jansen", "coordinator")
	h.twilio.SetAutoCallbacks(false)
	h.twilio.FailOnCreateTo("whatsapp:+31612345004", "failed", 63016)
	h.mustCall(200, "PUT", "/api/v1/classes/1A/absences/2026-11-30", coord,
		`{"absences": [{"student": "1002", "kind": "absent"}]}`, nil)
	got, ok := h.twilio.WaitForMessages(2, 10*time.Second)
	if !ok || got[0].To != "whatsapp:+31612345004" || got[1].To != "+31612345004" {
		t.Fatalf("Twilio took %+v, want the WhatsApp message and then its SMS", got)
	}
	var msgs []messageJSON
	eventually(t, "the WhatsApp message failed and its SMS sent", func() bool {
		h.mustCall(200, "GET", "/api/v1/messages?date=2026-11-30", coord, nil, &msgs)
		status := map[string]string{}
		for _, m := range msgs {
			status[m.Channel] = m.Status
			if m.Channel == "whatsapp" && (m.ErrorCode == nil || *m.ErrorCode != 63016) {
				return false
			}
		}
		return len(msgs) == 2 && status["whatsapp"] == "failed" && status["sms"] == "sent"
	})
	if kinds := tasksOf(h, coord); kinds["unreachable"] != 0 {
		t.Errorf("tasks %v: the SMS is on its way, no family to call yet", kinds)
	}
}
