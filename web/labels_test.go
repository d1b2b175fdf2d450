package web

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/nabij-isk/nabij/alerts"
	"github.com/nabij-isk/nabij/protocol"
	"github.com/nabij-isk/nabij/school"
)

// TestEveryLabelInTheCatalogue finds a word in both UI languages for every
// value the pages show through Page.Label: without one the page would show
// the value itself, an English word on a Dutch page.
func TestEveryLabelInTheCatalogue(t *testing.T) {
	values := map[string][]any{
		"status": {alerts.StatusQueued, alerts.StatusSending, alerts.StatusSent, alerts.StatusDelivered, alerts.StatusRead,
			alerts.StatusUndelivered, alerts.StatusFailed, alerts.StatusExpired, alerts.StatusCancelled},
		"kind":    {"present", school.Absent, school.Late, school.Sick, school.Excused},
		"role":    {school.RoleParent, school.RoleGuardian, school.RoleWoonbegeleider},
		"channel": {school.ChannelSMS, school.ChannelWhatsApp, school.ChannelVoice},
		// A call's outcome (alerts.Call), "" while it is under way.
		"call": {"", alerts.CallAnswered, alerts.CallNoKey, alerts.CallVoicemail, alerts.CallNoAnswer, alerts.CallBusy,
			alerts.CallFailed, alerts.CallCanceled},
		"task": {school.TaskMissingList, school.TaskUnreachable, school.TaskCallBack, school.TaskExpired, alerts.TaskProviderRefused},
		// The kinds app/replies.go gives a family's reply.
		"reply": {"sick", "call_back", "which_child", "free_text", "unmatched", "opt_out", "opt_in"},
		"level": {protocol.LevelMentor, protocol.LevelVerzuimcoordinator, protocol.LevelSchoolarts, protocol.LevelLeerplicht, protocol.LevelRMC},
		"case":  {protocol.StatusOpen, protocol.StatusAcknowledged, protocol.StatusReported, protocol.StatusDismissed},
		// The actions protocol.Escalation.Apply takes.
		"action": {"acknowledge", "reported", "dismiss"},
		// The units protocol.Progress counts in.
		"unit": {"lesuren", "schooldagen", "hele lesweken", "ziekmeldingen", "keer"},
		"user": {school.RoleMentor, school.RoleCoordinator, school.RoleAdmin, school.RoleReviewer},
	}
	for _, lang := range []string{"nl", "en"} {
		p := page{loc: i18n.NewLocalizer(uiBundle, lang)}
		for group, vs := range values {
			for _, v := range vs {
				id := group + "_" + strings.ReplaceAll(fmt.Sprint(v), " ", "_")
				if _, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id}); err != nil {
					t.Errorf("%s: no word for %s %q (%s)", lang, group, v, id)
				}
			}
		}
		for _, kind := range values["task"] {
			if got := p.T(fmt.Sprintf("task_reason_%s", kind)); got == fmt.Sprintf("task_reason_%s", kind) {
				t.Errorf("%s: no sentence for a task of kind %s", lang, kind)
			}
		}
	}
	// Both files have the same keys.
	keys := map[string]map[string]any{}
	for _, lang := range []string{"nl", "en"} {
		b, err := os.ReadFile("locales/" + lang + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		keys[lang] = m
	}
	for k := range keys["nl"] {
		if _, ok := keys["en"][k]; !ok {
			t.Errorf("%s is in nl.toml, not in en.toml", k)
		}
	}
	for k := range keys["en"] {
		if _, ok := keys["nl"][k]; !ok {
			t.Errorf("%s is in en.toml, not in nl.toml", k)
		}
	}
}
