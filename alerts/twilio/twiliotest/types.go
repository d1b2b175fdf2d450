// Package twiliotest is an in-process stand-in for Twilio's Programmable
// Messaging REST API (version 2010-04-01), for tests of code that sends SMS
// and WhatsApp messages with github.com/twilio/twilio-go, and for its
// Voice Calls API: a call is created, fetched, listed and canceled as at
// Twilio, and then plays out as a scripted number has it (ScriptCall):
// signed status callbacks, the service's TwiML fetched, checked against the
// voice verbs Twilio documents and walked, keys pressed, recordings made.
//
// Twilio is never reachable from the test environment, and a hand-written
// mock of the client would only prove that the code calls the mock. Server
// instead speaks the wire protocol twilio-go speaks: HTTP Basic auth,
// form-encoded requests, Twilio's JSON resources and error bodies, paged
// lists, and signed status-callback and inbound webhooks. Failures that are
// rare against the real service (429 throttling, 5xx, invalid or
// unsubscribed numbers, WhatsApp delivery failures) can be scripted so that
// retry and error handling is exercised deterministically.
//
// twilio-go has no setting for its base URL, so point it at the stand-in by
// giving its client.Client the *http.Client returned by Server.HTTPClient,
// which rewrites every request to the stand-in's address.
package twiliotest

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf16"
)

// Failure is a Twilio error answer: the HTTP status and the body
// {"code": Code, "message": Message, "more_info": ..., "status": HTTPStatus}.
// The token "{To}" in Message is replaced with the request's To, because
// Twilio names the offending number in several messages.
type Failure struct {
	HTTPStatus int
	Code       int
	Message    string
}

// Canned failures, worded as Twilio words them.
var (
	Failure429 = Failure{HTTPStatus: 429, Code: 20429, Message: "Too Many Requests"}
	Failure500 = Failure{HTTPStatus: 500, Code: 20500, Message: "Internal Server Error"}
	Failure503 = Failure{HTTPStatus: 503, Code: 20503, Message: "Service Unavailable"}
	// Failure404 is the answer for a resource Twilio does not have (a
	// message deleted from the account's log, say).
	Failure404           = Failure{HTTPStatus: 404, Code: 20404, Message: "The requested resource was not found"}
	FailureInvalidNumber = Failure{HTTPStatus: 400, Code: 21211, Message: "The 'To' number {To} is not a valid phone number."}
	FailureUnsubscribed  = Failure{HTTPStatus: 400, Code: 21610, Message: "Attempt to send to unsubscribed recipient"}
	FailureNotMobile     = Failure{HTTPStatus: 400, Code: 21614, Message: "'To' number is not a valid mobile number"}
	// FailureAuth is Twilio's answer to wrong credentials; the stand-in gives
	// it on its own to a request with another account or token.
	FailureAuth = Failure{HTTPStatus: 401, Code: 20003, Message: "Authenticate"}
	// FailureSuspended is the answer of an account that is not active (out of
	// funds, suspended).
	FailureSuspended = Failure{HTTPStatus: 401, Code: 20005, Message: "Account not active"}
	// FailureSenderNotAllowed refuses the sender: the From number is not one
	// this account may send from.
	FailureSenderNotAllowed = Failure{HTTPStatus: 400, Code: 21606, Message: "The From phone number is not a valid, message-capable Twilio phone number for this account."}
)

// Errors the stand-in produces on its own (not scripted), kept here so the
// wording lives in one place.
var (
	failureNoTo        = Failure{HTTPStatus: 400, Code: 21604, Message: "A 'To' phone number is required."}
	failureNoFrom      = Failure{HTTPStatus: 400, Code: 21603, Message: "A 'From' phone number is required."}
	failureNoBody      = Failure{HTTPStatus: 400, Code: 21619, Message: "A text message body or media urls must be specified."}
	failureBodyTooLong = Failure{HTTPStatus: 400, Code: 21617, Message: "The concatenated message body exceeds the 1600 character limit."}
	failureChannelPair = Failure{HTTPStatus: 400, Code: 21910, Message: "Invalid From and To pair. From and To should be of the same channel"}
	failureContentVars = Failure{HTTPStatus: 400, Code: 21656, Message: "The ContentVariables Parameter is invalid."}
	failureMethod      = Failure{HTTPStatus: 405, Code: 20004, Message: "Method not allowed"}
)

// Message is what the stand-in recorded for one accepted create request,
// plus the delivery status it has reached since.
type Message struct {
	SID                 string
	To                  string
	From                string // empty when sent through a Messaging Service without From
	MessagingServiceSID string
	Body                string
	ContentSID          string
	ContentVariables    string
	StatusCallback      string
	MediaURLs           []string
	ValidityPeriod      int // 0 when not given
	// Status starts as "queued" ("accepted" with a MessagingServiceSid) and
	// follows the status callbacks sent for the message.
	Status      string
	ErrorCode   int // set by a failed/undelivered callback
	NumSegments int
	DateCreated time.Time // acceptance time; also used as date_sent for list filters
	Channel     string    // "sms" or "whatsapp", from the To prefix
}

// Callback is the record of one status callback the stand-in POSTed.
type Callback struct {
	SID       string
	Status    string
	ErrorCode int
	URL       string
	Params    url.Values // the posted form
	Signature string     // X-Twilio-Signature sent
	// HTTPStatus is the webhook's answer, 0 when the POST itself failed.
	HTTPStatus int
	Err        error // transport error, if any
}

const whatsappPrefix = "whatsapp:"

// channelOf reports the channel Twilio would route an address over.
func channelOf(addr string) string {
	if strings.HasPrefix(addr, whatsappPrefix) {
		return "whatsapp"
	}
	return "sms"
}

// validE164 is the shape Twilio requires of a To number: "+", a non-zero
// country code digit, at most 15 digits in all. Twilio also rejects numbers
// that are well-formed but unassigned; script those with FailTo.
func validE164(addr string) bool {
	n := strings.TrimPrefix(addr, whatsappPrefix)
	if len(n) < 8 || len(n) > 16 || n[0] != '+' || n[1] == '0' {
		return false
	}
	for _, c := range n[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// gsm7 holds the GSM 03.38 basic character set; gsm7Ext the characters that
// need an escape and so count twice. Twilio bills SMS by these segments.
const (
	gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "\f^{}\\[~]|€"
)

// numSegments computes how many SMS segments Twilio reports for body:
// 160/153 septets for GSM-7 text, 70/67 UTF-16 units otherwise. WhatsApp
// messages are a single segment whatever their length.
func numSegments(body, channel string) int {
	if channel == "whatsapp" || body == "" {
		return 1
	}
	septets, isGSM := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7Ext, r):
			septets += 2
		default:
			isGSM = false
		}
	}
	if isGSM {
		if septets <= 160 {
			return 1
		}
		return (septets + 152) / 153
	}
	units := len(utf16.Encode([]rune(body)))
	if units <= 70 {
		return 1
	}
	return (units + 66) / 67
}
