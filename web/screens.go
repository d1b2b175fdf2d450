package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/rosterimport"
	"github.com/nabij-isk/nabij/school"
)

// staffScreens is what the roll call, the board and a pupil's page show.
type staffScreens interface {
	RollCall(ctx context.Context, u school.User, class string) (*app.RollCall, error)
	RecordRollCall(ctx context.Context, u school.User, class string, day school.Date, rows []app.RollCallEntry) (*app.ListResult, error)
	Board(ctx context.Context) (*app.Board, error)
	Pupil(ctx context.Context, id string) (*app.PupilPage, error)
	Contact(ctx context.Context, u school.User, id string) (*app.ContactCard, error)
	Case(ctx context.Context, id string) (*app.EscalationRow, error)
	TaskDone(ctx context.Context, u school.User, id string) error
}

func (h *handlers) rollCallPage(c echo.Context) error {
	if u := user(c); u.Role == school.RoleAdmin {
		return c.Redirect(http.StatusSeeOther, "/admin")
	}
	rc, err := h.svc.RollCall(c.Request().Context(), user(c), c.QueryParam("class"))
	if err != nil {
		return h.pageError(c, err)
	}
	flash := ""
	if recorded, alerts, ok := twoCounts(c.QueryParam("saved")); ok {
		flash = h.say(c, "rollcall_saved", map[string]any{"Recorded": recorded, "Alerts": alerts})
		// The rest of what the save said comes from the cookie its answer
		// set, not from the link: a link could say anything (found by a
		// pen test).
		if ck, err := c.Cookie(h.cookie(noteCookie)); err == nil {
			var kept, until int
			if n, _ := fmt.Sscanf(ck.Value, "%d-%d", &kept, &until); n == 2 {
				if kept > 0 {
					flash += " " + h.say(c, "rollcall_kept", map[string]any{"Count": kept})
				}
				if until >= 0 && until < 2400 && until%100 < 60 {
					flash += " " + h.say(c, "rollcall_withheld", map[string]any{"Time": fmt.Sprintf("%02d:%02d", until/100, until%100)})
				}
			}
			h.setNote(c, "", -1)
		}
	}
	return h.render(c, http.StatusOK, "rollcall.html", rollCallView(rc, nil, nil), flash)
}

// rollCallData is the roll call page: each row with the entry the list
// holds (Was, sent back with the form), the entry the form shows (Entry:
// the same, or what the user chose on a page sent back to them) and what
// is wrong with it.
type rollCallData struct {
	*app.RollCall
	Rows []rollCallRow
}

type rollCallRow struct {
	app.RollCallRow
	Was     school.Absence
	Problem string
}

// rollCallView is rc as the page shows it; chosen, when the form is shown
// again, are the rows the user changed on the page they sent, shown as
// they chose them, and problems says what is wrong with some.
func rollCallView(rc *app.RollCall, chosen map[string]school.Absence, problems map[string]string) *rollCallData {
	d := &rollCallData{RollCall: rc}
	for _, r := range rc.Rows {
		row := rollCallRow{RollCallRow: r, Was: r.Entry, Problem: problems[r.Student.ID]}
		if a, ok := chosen[r.Student.ID]; ok {
			if a.Kind == school.Present {
				a.Kind = ""
			}
			row.Entry = a
		}
		d.Rows = append(d.Rows, row)
	}
	return d
}

// postRollCall reads the roll-call form: for each pupil the entry the page
// showed and the one chosen (present, absent, late with minutes, sick,
// leave kept), and records the rows the user changed (RecordRollCall). A
// form that cannot be taken (minutes missing, a page of another day, a row
// refused) is shown again with the user's choices and what to mend.
func (h *handlers) postRollCall(c echo.Context) error {
	class := c.Param("class")
	if err := limitBody(c, maxListBody); err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return badRequest("unreadable form: %v", err)
	}
	rows := make([]app.RollCallEntry, 0, len(form["student"]))
	chosen := map[string]school.Absence{}
	problems := map[string]string{}
	for _, id := range form["student"] {
		now, bad := formEntry(form, "", id)
		was, _ := formEntry(form, "was-", id)
		if bad {
			problems[id] = h.say(c, "rollcall_minutes_needed", nil)
		}
		rows = append(rows, app.RollCallEntry{Student: id, Was: was, Now: now})
		if !app.SameEntry(now, was) {
			chosen[id] = now
		}
	}
	day, dayErr := school.ParseDate(form.Get("date"))
	switch {
	case len(problems) > 0:
		return h.rollCallAgain(c, class, chosen, problems, h.say(c, "rollcall_fix", nil))
	case dayErr != nil || day != h.svc.Today():
		return h.rollCallAgain(c, class, chosen, nil, h.say(c, "rollcall_stale", nil))
	}
	res, err := h.svc.RecordRollCall(c.Request().Context(), user(c), class, day, rows)
	var invalid *school.ValidationError
	switch {
	case errors.As(err, &invalid):
		var detail []string
		for _, d := range invalid.Details {
			detail = append(detail, d.Message)
		}
		c.Set("pageErrorDetail", strings.Join(detail, " · "))
		return h.rollCallAgain(c, class, chosen, nil, h.say(c, "rollcall_refused", nil))
	case err != nil:
		return h.pageError(c, err)
	}
	h.log.Info("absence list recorded from the page", "class", class, "entries", res.Recorded, "alerts", len(res.Alerts), "kept", res.KeptMeanwhile, "by", user(c).ID)
	until := -1
	if res.AlertsWithheld == school.AlertsAfterUntil && !res.AlertsUntil.IsZero() {
		until = res.AlertsUntil.Hour()*100 + res.AlertsUntil.Minute()
	}
	if res.KeptMeanwhile > 0 || until >= 0 {
		h.setNote(c, fmt.Sprintf("%d-%d", res.KeptMeanwhile, until), 60)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/?class=%s&saved=%d-%d", class, res.Recorded, len(res.Alerts)))
}

// formEntry reads one pupil's entry from the roll call form, the one
// chosen (prefix "") or the one the page showed ("was-"); bad says a late
// arrival's minutes are missing or out of range.
func formEntry(form url.Values, prefix, id string) (a school.Absence, bad bool) {
	a = school.Absence{Student: id, Kind: school.AbsenceKind(form.Get(prefix + "kind-" + id))}
	switch a.Kind {
	case "", school.Present:
		a.Kind = school.Present
	case school.Late:
		minutes, err := strconv.Atoi(strings.TrimSpace(form.Get(prefix + "minutes-" + id)))
		if err != nil || minutes < 1 || minutes > school.MaxLateMinutes {
			return a, true
		}
		a.Minutes = minutes
	case school.Excused:
		a.Reason = form.Get(prefix + "reason-" + id)
	}
	return a, false
}

// rollCallAgain shows today's roll call again, as the list stands now,
// with the rows the user changed as they chose them and msg: nothing was
// recorded (422).
func (h *handlers) rollCallAgain(c echo.Context, class string, chosen map[string]school.Absence, problems map[string]string, msg string) error {
	rc, err := h.svc.RollCall(c.Request().Context(), user(c), class)
	if err != nil {
		return h.pageError(c, err)
	}
	c.Set("pageError", msg)
	return h.render(c, http.StatusUnprocessableEntity, "rollcall.html", rollCallView(rc, chosen, problems), "")
}

func (h *handlers) boardPage(c echo.Context) error {
	b, err := h.svc.Board(c.Request().Context())
	if err != nil {
		return h.pageError(c, err)
	}
	// The flash says what was just done to a case, from the store: the
	// link carries its id only, so that it cannot make the board say what
	// its sender wants.
	flash := ""
	if id := c.QueryParam("done"); id != "" && school.ValidID(id) {
		if row, err := h.svc.Case(c.Request().Context(), id); err == nil {
			flash = h.say(c, "board_case_done", map[string]any{"Name": row.Name, "Status": h.say(c, "case_"+string(row.Escalation.Status), nil)})
		}
	}
	// Who is called from now on: the name is the store's, looked up by
	// the id the link carries.
	// Said only when the store has the contact on calls: a link alone
	// cannot make the board say so (found by a pen test).
	if id := c.QueryParam("called"); id != "" && school.ValidID(id) {
		if card, err := h.svc.Contact(c.Request().Context(), user(c), id); err == nil && card.Contact.Channel == school.ChannelVoice {
			flash = h.say(c, "board_called", map[string]any{"Name": card.Contact.Name})
		}
	}
	return h.renderRefreshing(c, "board.html", b, flash, 60)
}

func (h *handlers) escalationForm(c echo.Context) error {
	e, err := h.svc.ActOnEscalation(c.Request().Context(), user(c), c.Param("id"), c.FormValue("action"), c.FormValue("note"))
	if errors.Is(err, protocol.ErrAlready) && school.ValidID(c.Param("id")) {
		// A second tap on the same button (a slow phone): done already.
		return c.Redirect(http.StatusSeeOther, "/board?done="+c.Param("id"))
	}
	if err != nil {
		return h.pageError(c, err)
	}
	h.log.Info("escalation action from the board", "escalation", e.ID, "status", e.Status, "by", user(c).ID)
	return c.Redirect(http.StatusSeeOther, "/board?done="+e.ID)
}

func (h *handlers) taskDone(c echo.Context) error {
	if err := h.svc.TaskDone(c.Request().Context(), user(c), c.Param("id")); err != nil {
		return h.pageError(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/board")
}

func (h *handlers) meldingPage(c echo.Context) error {
	d, err := h.svc.Melding(c.Request().Context(), user(c), c.Param("id"))
	if err != nil {
		return h.pageError(c, err)
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return pages.ExecuteTemplate(c.Response(), "melding.html", d)
}

func (h *handlers) pupilPage(c echo.Context) error {
	p, err := h.svc.Pupil(c.Request().Context(), c.Param("id"))
	if err != nil {
		return h.pageError(c, err)
	}
	flash := ""
	if id := c.QueryParam("channel"); id != "" {
		for _, ct := range p.Contacts {
			if ct.ID == id {
				flash = h.say(c, "pupil_channel_saved", map[string]any{"Name": ct.Name, "Channel": h.say(c, "channel_"+string(ct.Channel), nil)})
			}
		}
	}
	return h.render(c, http.StatusOK, "pupil.html", p, flash)
}

// pageError shows a domain error as a page, with the status the API would
// give: what happened in the user's language, and the API's English
// specifics (a field and why it was refused, the rule a change broke)
// beside it, marked as English.
func (h *handlers) pageError(c echo.Context, err error) error {
	status, detail := h.describe(err, c)
	var id string
	technical := detail.Message
	switch {
	case status == http.StatusForbidden:
		id, technical = "forbidden", ""
	case status == http.StatusNotFound:
		id, technical = "not_found", ""
	case detail.Code == "invalid":
		id = "page_error_invalid"
	case errors.Is(err, protocol.ErrTransition):
		id = "page_error_case_changed"
	case status == http.StatusConflict:
		id = "page_error_conflict"
	case errors.Is(err, app.ErrRosterImportGone):
		id = "page_error_preview_gone"
	case errors.Is(err, rosterimport.ErrUnreadable):
		id = "page_error_file_unreadable"
	case detail.Code == "no_file":
		id, technical = "admin_no_file", ""
	case detail.Code == "store_write_failed":
		id = "page_error_store"
	case status >= http.StatusInternalServerError:
		id, technical = "page_error_internal", "" // nothing the user can act on; the log has it
	case status == http.StatusRequestEntityTooLarge:
		id = "page_error_too_large"
	default:
		id = "page_error_refused"
	}
	for _, d := range detail.Details {
		technical += " · " + d.Field + ": " + d.Message
	}
	return h.render(c, status, "error.html", problem{Message: h.say(c, id, nil), Detail: strings.TrimPrefix(technical, " · ")}, "")
}

// problem is what an error page says: Message in the user's language, and
// Detail, when there is one, the API's English words for it.
type problem struct {
	Message, Detail string
}

// errorPage shows msg, already in the user's language, as an error page.
func (h *handlers) errorPage(c echo.Context, status int, msg string) error {
	return h.render(c, status, "error.html", problem{Message: msg}, "")
}

func (h *handlers) renderRefreshing(c echo.Context, name string, data any, flash string, seconds int) error {
	c.Set("refresh", seconds)
	return h.render(c, http.StatusOK, name, data, flash)
}

// setNote sets (maxAge > 0) or clears (-1) the roll call's note cookie.
func (h *handlers) setNote(c echo.Context, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: h.cookie(noteCookie), Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: h.secureCookies(), SameSite: http.SameSiteStrictMode})
}
