package twiliotest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// apiMessageList is Twilio's paged list shape for Messages.
type apiMessageList struct {
	Messages        []apiMessage `json:"messages"`
	Page            int          `json:"page"`
	PageSize        int          `json:"page_size"`
	FirstPageURI    string       `json:"first_page_uri"`
	NextPageURI     *string      `json:"next_page_uri"`
	PreviousPageURI *string      `json:"previous_page_uri"`
	Start           int          `json:"start"`
	End             int          `json:"end"`
	URI             string       `json:"uri"`
}

// dateFilter is one DateSent condition. Twilio takes YYYY-MM-DD, which
// compares whole UTC days, and twilio-go sends RFC 3339 timestamps, which
// compare to the second; both are accepted. "<" and ">" are inclusive
// because on the wire they read "DateSent<=" and "DateSent>=".
type dateFilter struct {
	op      byte // '=', '<' or '>'
	t       time.Time
	dayOnly bool
}

func (d dateFilter) match(sent time.Time) bool {
	sent = sent.Truncate(time.Second)
	day := time.Date(d.t.Year(), d.t.Month(), d.t.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case d.op == '=':
		// Even given a timestamp, DateSent= selects the whole day.
		return !sent.Before(day) && sent.Before(day.AddDate(0, 0, 1))
	case d.op == '<' && d.dayOnly:
		return sent.Before(day.AddDate(0, 0, 1))
	case d.op == '<':
		return !sent.After(d.t)
	case d.dayOnly:
		return !sent.Before(day)
	default:
		return !sent.Before(d.t)
	}
}

func parseDateFilter(op byte, v string) (dateFilter, bool) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return dateFilter{op: op, t: t, dayOnly: true}, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return dateFilter{op: op, t: t.UTC()}, true
	}
	return dateFilter{}, false
}

// listMessages implements GET .../Messages.json with the To, From and
// DateSent filters, newest message first as Twilio lists them, paged by
// PageSize (default 50, at most 1000) with Page and PageToken. The stand-in
// lists only the outbound messages it accepted, not SendInbound ones.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	if s.refuseNext(w, &s.failList) {
		return
	}
	q := r.URL.Query()
	var filters []dateFilter
	for key, op := range map[string]byte{"DateSent": '=', "DateSent<": '<', "DateSent>": '>'} {
		v := q.Get(key)
		if v == "" {
			continue
		}
		df, ok := parseDateFilter(op, v)
		if !ok {
			writeError(w, Failure{HTTPStatus: 400, Code: 20001, Message: "Invalid " + key + ": " + v}, "")
			return
		}
		filters = append(filters, df)
	}
	pageSize := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, Failure{HTTPStatus: 400, Code: 20001, Message: "Invalid PageSize: " + v}, "")
			return
		}
		pageSize = min(n, 1000)
	}
	page, _ := strconv.Atoi(q.Get("Page"))
	page = max(page, 0)

	s.mu.Lock()
	var matched []*record
	for _, rec := range slices.Backward(s.msgs) {
		if keep(rec.msg, q.Get("To"), q.Get("From"), filters) {
			matched = append(matched, rec)
		}
	}
	start, end := pageBounds(len(matched), page, pageSize, q.Get("PageToken"), func(i int) string { return matched[i].msg.SID })
	items := make([]apiMessage, 0, end-start)
	for _, rec := range matched[start:end] {
		items = append(items, s.resourceLocked(rec))
	}
	s.mu.Unlock()

	path := r.URL.Path
	pageURI := func(p int, token string) string {
		v := url.Values{}
		for _, k := range []string{"To", "From", "DateSent", "DateSent<", "DateSent>"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		v.Set("PageSize", strconv.Itoa(pageSize))
		v.Set("Page", strconv.Itoa(p))
		if token != "" {
			v.Set("PageToken", token)
		}
		return path + "?" + v.Encode()
	}
	list := apiMessageList{
		Messages:     items,
		Page:         page,
		PageSize:     pageSize,
		FirstPageURI: pageURI(0, ""),
		Start:        start,
		End:          max(start, start+len(items)-1),
		URI:          pageURI(page, q.Get("PageToken")),
	}
	if end < len(matched) {
		next := pageURI(page+1, "PA"+matched[end-1].msg.SID)
		list.NextPageURI = &next
	}
	if page > 0 {
		prev := pageURI(page-1, "")
		list.PreviousPageURI = &prev
	}
	writeJSON(w, http.StatusOK, list)
}

func keep(m Message, to, from string, filters []dateFilter) bool {
	if to != "" && m.To != to {
		return false
	}
	if from != "" && m.From != from {
		return false
	}
	for _, f := range filters {
		if !f.match(m.DateCreated) {
			return false
		}
	}
	return true
}

// pageBounds is the slice [start, end) of n listed resources (newest
// first) that a page shows: page number page of pageSize, or, with a
// PageToken (PA + the SID of the previous page's last resource, sid(i)),
// the ones after it — which keeps paging stable while new resources arrive
// at the front of the list.
func pageBounds(n, page, pageSize int, token string, sid func(i int) string) (start, end int) {
	start = page * pageSize
	if strings.HasPrefix(token, "PA") {
		for i := range n {
			if sid(i) == token[2:] {
				start = i + 1
				break
			}
		}
	}
	start = min(start, n)
	return start, min(start+pageSize, n)
}
