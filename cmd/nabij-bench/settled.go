package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nabij-isk/nabij/alerts/twilio/twiliotest"
)

// settled is the end of a throughput window: the moment the bench saw every
// message's last state committed in nabij (Twilio's answer recorded, and
// with callbacks both of them applied), and what the stand-in's status
// callbacks were answered.
type settled struct {
	at        time.Time // when the bench saw it; zero when it never did
	state     string    // the state every message reached: sent or delivered
	reached   int       // messages seen in it
	callbacks int       // status callbacks posted by the stand-in
	bad       int       // of them answered other than 2xx, or not at all
	firstBad  string    // what the first bad one got
}

// committedStates counts, from the child's /metrics, the messages that
// reached each status (nabij_message_status_total, which nabij counts after
// the change is committed). ok is false when the target exports none (the
// in-process target).
func committedStates(a *api) (map[string]float64, bool) {
	req, err := http.NewRequest("GET", a.base+"/metrics", nil)
	if err != nil {
		return nil, false
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "nabij_message_status_total{") {
			continue
		}
		labels, value, ok := strings.Cut(line, "} ")
		if !ok {
			continue
		}
		_, after, ok := strings.Cut(labels, `status="`)
		if !ok {
			continue
		}
		status, _, _ := strings.Cut(after, `"`)
		v, err := strconv.ParseFloat(value, 64)
		if err == nil {
			out[status] += v
		}
	}
	return out, true
}

// committedByAPI counts today's messages in each status as the coordinator
// sees them: the in-process target's way (it has no status counters).
func committedByAPI(a *api, coord string) (map[string]float64, error) {
	var msgs []struct {
		Status string `json:"status"`
	}
	if _, err := a.do("GET", "/api/v1/messages?date="+today.String(), coord, nil, &msgs); err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, m := range msgs {
		out[m.Status]++
	}
	return out, nil
}

// waitSettled waits until n messages have their last state committed in
// nabij: "delivered" with the stand-in's callbacks on (nabij applies a
// callback that outran Twilio's answer only once the answer is recorded, so
// a delivered message has both), "sent" without. Then it checks that the
// stand-in posted every callback (2 per message with callbacks) and that
// each was answered 2xx. It polls /metrics every 10 ms (the coordinator's
// message list every 100 ms in-process), so the end it reports is late by at
// most that.
func waitSettled(ctx context.Context, a *api, coord string, inProcess bool, tw *twiliotest.Server, n int, callbacks bool, timeout time.Duration) settled {
	s := settled{state: "sent"}
	if callbacks {
		s.state = "delivered"
	}
	poll := 10 * time.Millisecond
	if inProcess {
		poll = 100 * time.Millisecond
	}
	deadline := time.Now().Add(timeout)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		var got map[string]float64
		if inProcess {
			got, _ = committedByAPI(a, coord)
		} else {
			got, _ = committedStates(a)
		}
		s.reached = int(got[s.state])
		if s.reached >= n {
			s.at = time.Now()
			break
		}
		time.Sleep(poll)
	}
	if callbacks {
		cbs, _ := tw.WaitForCallbacks(2*n, 30*time.Second)
		s.callbacks = len(cbs)
		if missing := 2*n - len(cbs); missing > 0 {
			s.bad += missing
			s.firstBad = fmt.Sprintf("%d callbacks never posted", missing)
		}
		for _, cb := range cbs {
			if cb.HTTPStatus/100 != 2 {
				s.bad++
				if s.firstBad == "" {
					s.firstBad = fmt.Sprintf("HTTP %d (%v)", cb.HTTPStatus, cb.Err)
				}
			}
		}
	}
	return s
}
