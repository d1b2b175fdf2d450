package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nabij-isk/nabij/app"
	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/voice"
)

const callSID = "CA0123456789abcdef0123456789abcdef"

// The TwiML of an answered call: an absence is said inside two <Gather>s
// for one key, posting to the call's own gather URL, then the call hangs
// up; a voicemail (nothing asked) is the message and a hang-up; nothing to
// say is a hang-up. The fields reach app typed.
func TestCallTwiML(t *testing.T) {
	line := app.CallLine{Say: "Goedemorgen <&> u spreekt met ISK Test.", Speech: voice.Speakers["nl"]}
	for _, tc := range []struct {
		name   string
		script app.CallScript
		verbs  []string // the verbs under <Response>
	}{
		{"absence", app.CallScript{Message: "m1", Line: line, AskKeys: true}, []string{"Gather", "Gather", "Hangup"}},
		{"voicemail", app.CallScript{Message: "m1", Line: line}, []string{"Say", "Hangup"}},
		{"nothing to say", app.CallScript{Message: "m1"}, []string{"Hangup"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stub{script: tc.script}
			rec := do(hookServer(s), signedHook("/webhooks/twilio/voice/m1", url.Values{"AccountSid": {hookAccount},
				"CallSid": {callSID}, "AnsweredBy": {"human"}, "CallStatus": {"in-progress"}}))
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/xml") {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var doc struct {
				XMLName xml.Name
				Verbs   []struct {
					XMLName   xml.Name
					Action    string `xml:"action,attr"`
					NumDigits string `xml:"numDigits,attr"`
					Says      []struct {
						Language string `xml:"language,attr"`
						Text     string `xml:",chardata"`
					} `xml:"Say"`
				} `xml:",any"`
			}
			if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.XMLName.Local != "Response" {
				t.Fatalf("not TwiML: %v %s", err, rec.Body)
			}
			var got []string
			for _, v := range doc.Verbs {
				got = append(got, v.XMLName.Local)
				if v.XMLName.Local == "Gather" {
					if v.Action != hookURL+"/webhooks/twilio/voice/m1/gather" || v.NumDigits != "1" ||
						len(v.Says) != 1 || v.Says[0].Text != line.Say || v.Says[0].Language != "nl-NL" {
						t.Errorf("gather %+v", v)
					}
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.verbs, " ") {
				t.Errorf("verbs %v, want %v", got, tc.verbs)
			}
			if len(s.calls) != 1 || s.calls[0] != "CallScript m1 "+callSID+" human" {
				t.Errorf("app was asked %q", s.calls)
			}
		})
	}
}

// A key and a call's progress reach app; a malformed CallSid, Digits or
// CallStatus, or an unsigned post, asks app nothing; a call app does not
// know is 404.
func TestCallWebhooksChecked(t *testing.T) {
	base := url.Values{"AccountSid": {hookAccount}, "CallSid": {callSID}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name, path string
		form       url.Values
		err        error
		code       int
		call       string // what app was asked, "" for nothing
	}{
		{"key", "/webhooks/twilio/voice/m1/gather", with("Digits", "1"), nil, 200, `CallKey m1 ` + callSID + ` "1"`},
		{"status", "/webhooks/twilio/voice/m1/status", with("CallStatus", "completed", "CallDuration", "41", "AnsweredBy", "human"), nil, 200,
			"CallStatus m1 " + callSID + " completed human 41"},
		{"bad sid", "/webhooks/twilio/voice/m1/status", with("CallSid", "CA123", "CallStatus", "completed"), nil, 400, ""},
		{"bad digits", "/webhooks/twilio/voice/m1/gather", with("Digits", "1<script>"), nil, 400, ""},
		{"bad status", "/webhooks/twilio/voice/m1/status", with("CallStatus", "exploded"), nil, 400, ""},
		{"status missing", "/webhooks/twilio/voice/m1/status", with(), nil, 400, ""},
		{"another call", "/webhooks/twilio/voice/m1/status", with("CallStatus", "completed"), app.ErrNotThisCall, 404,
			"CallStatus m1 " + callSID + " completed  0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stub{err: tc.err}
			rec := do(hookServer(s), signedHook(tc.path, tc.form))
			if rec.Code != tc.code {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.code)
			}
			if got := strings.Join(s.calls, "; "); got != tc.call {
				t.Errorf("app was asked %q, want %q", got, tc.call)
			}
		})
	}
	// Unsigned: refused before anything is read.
	s := &stub{}
	req := signedHook("/webhooks/twilio/voice/m1/gather", with("Digits", "1"))
	req.Header.Set("X-Twilio-Signature", "forged")
	if rec := do(hookServer(s), req); rec.Code != http.StatusForbidden || len(s.calls) != 0 {
		t.Errorf("a forged key: %d, app asked %q", rec.Code, s.calls)
	}
}

// PUT /api/v1/contacts/{contact}/channel: the channel reaches app typed;
// a missing channel is 422 and malformed JSON 400, app not asked.
func TestSetContactChannelAPI(t *testing.T) {
	s := &stub{user: school.User{ID: "u1", Role: school.RoleCoordinator}}
	srv, _ := stubServer(s, Config{})
	rec := do(srv, apiRequest(http.MethodPut, "/api/v1/contacts/c-1/channel", `{"channel":"voice"}`))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"channel":"voice"`) || !strings.Contains(rec.Body.String(), `"calls":[]`) {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if len(s.calls) != 1 || s.calls[0] != "SetContactChannel coordinator c-1 voice" {
		t.Errorf("app was asked %q", s.calls)
	}
	for body, code := range map[string]int{`{}`: 422, `{"channel":`: 400, `{"channel":7}`: 400} {
		s.calls = nil
		if rec := do(srv, apiRequest(http.MethodPut, "/api/v1/contacts/c-1/channel", body)); rec.Code != code || len(s.calls) != 0 {
			t.Errorf("%s: %d (want %d), app asked %q", body, rec.Code, code, s.calls)
		}
	}
}
