package alerts

import (
	"errors"
	"fmt"
	"time"
)

// The values a message provider is handed and answers with. They are the
// outbox's words (a Receipt carries a Status, a SendError's code becomes
// Message.ErrorCode and decides the fallback), so they live here, beside
// Message: the dispatcher (package dispatch) declares the Sender that takes
// them, and a provider (alerts/twilio) implements it with these types alone.

// Outgoing is what a Sender is asked to deliver.
type Outgoing struct {
	ID      string // nabij's message id, for logs and reconciliation
	To      string // E.164
	Channel string // "sms" or "whatsapp"
	Body    string
	// ContentSID and ContentVariables send an approved WhatsApp template.
	ContentSID       string
	ContentVariables string
	// ValidFor is how long the provider may keep trying; 0 for its default.
	ValidFor time.Duration
	// Claimed is the wall-clock time nabij took the message for sending: a
	// lookup searches from there.
	Claimed time.Time
	// Taken, when set, tells a lookup which of the provider's ids nabij has
	// recorded for another message, so that it does not take another
	// message to the same number (a housing unit gets several a morning;
	// a template's text is not compared) for this one. Another message's
	// id whose answer is not yet committed is not known to it: a window of
	// one commit, where before it was the whole morning.
	Taken func(providerID string) (bool, error)
	// Until, when set, is the wall-clock time from which nabij no longer
	// sends the message (its validity's end): a lookup does not take for it
	// what the provider made more than the sender's own timeout and a
	// minute (clock skew) after that, such as the same words, or a call to the
	// same number, on a later day. A store restored from a backup knows
	// none of the messages sent after the backup (Taken), and looks its
	// waiting messages up from the backup's time on.
	Until time.Time
}

// Skip reports whether a lookup must pass over the provider's message
// providerID: nabij has recorded it for another message.
func (o Outgoing) Skip(providerID string) (bool, error) {
	if o.Taken == nil {
		return false, nil
	}
	return o.Taken(providerID)
}

// Receipt is the provider's answer to an accepted message.
type Receipt struct {
	ProviderID string
	// Status is what the provider says at once: usually sent; a sender that
	// delivers by itself (the log sender) says delivered; a message the
	// provider took and failed at once is failed or undelivered, with Code.
	Status Status
	// Code is the provider's error code of a message that failed at once.
	Code int
	// Call is what the provider said of a call: its status, who answered,
	// how long it lasted. The receipt of a call is settled as its status
	// callback would settle it (ApplyCallStatus): a create's answer says
	// "queued" (sent); a call found by a lookup (its create went
	// unanswered) may have played out while nabij could not be reached,
	// and sends no callback again. Nil for a text.
	Call *CallReceipt
}

// CallReceipt is a call as a lookup found it: Twilio's call status
// ("queued" … "completed", "no-answer"), answered_by, and its seconds.
type CallReceipt struct {
	Status, AnsweredBy string
	Seconds            int
}

// SendError is a provider's refusal. Retryable says whether the same message
// may be tried again later (rate limits, outages) or never (a bad number, an
// opted-out contact).
type SendError struct {
	Code       int // the provider's error code, e.g. Twilio's 21211
	HTTPStatus int
	Retryable  bool
	Message    string
}

// MayHaveBeenTaken reports whether the refusal leaves open that the
// provider took the message all the same: a 500 (its own failure, at any
// point), a 502 or 504 (a gateway on the way: what lies behind it may have
// taken the message). A 429 or 503 is refused before anything is done, a
// 4xx refuses the message.
func (e *SendError) MayHaveBeenTaken() bool {
	return e.HTTPStatus == 500 || e.HTTPStatus == 502 || e.HTTPStatus == 504
}

func (e *SendError) Error() string {
	return fmt.Sprintf("provider refused (http %d, code %d): %s", e.HTTPStatus, e.Code, e.Message)
}

// TaskProviderRefused is the coordinator's task made when the provider
// refuses the account: one a day, however many messages wait.
const TaskProviderRefused = "provider_refused"

// Account-level refusals by code, as Twilio numbers them. Any 401 is one too.
var accountCodes = map[int]string{
	20003: "wrong credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
	20005: "the account is not active (out of funds, or suspended)",
	10001: "the account is not active (out of funds, or suspended)",
	21606: "the sender may not send for this account: check NABIJ_TWILIO_FROM, NABIJ_TWILIO_WHATSAPP_FROM or the Messaging Service",
}

// accountCodesNL says the same to the coordinator, in Dutch.
var accountCodesNL = map[int]string{
	20003: "verkeerde inloggegevens (TWILIO_ACCOUNT_SID of TWILIO_AUTH_TOKEN)",
	20005: "het account is niet actief (tegoed op, of opgeschort)",
	10001: "het account is niet actief (tegoed op, of opgeschort)",
	21606: "de afzender mag niet verzenden voor dit account (NABIJ_TWILIO_FROM, NABIJ_TWILIO_WHATSAPP_FROM of de Messaging Service)",
}

// IsAccountRefusal reports whether err is the provider refusing the account
// itself rather than one message: HTTP 401, or codes 20003 (authenticate),
// 20005 and 10001 (account not active), 21606 (sender not allowed).
func IsAccountRefusal(err error) bool {
	var se *SendError
	if !errors.As(err, &se) {
		return false
	}
	_, ok := accountCodes[se.Code]
	return ok || se.HTTPStatus == 401
}

// DescribeAccountRefusal says what an account refusal means and what to
// check: in English (the log, /healthz) and in Dutch (the coordinator's task).
func DescribeAccountRefusal(se *SendError) (en, nl string) {
	en, ok := accountCodes[se.Code]
	if !ok {
		en = "the credentials or the account are refused"
	}
	nl, ok = accountCodesNL[se.Code]
	if !ok {
		nl = "de inloggegevens of het account worden geweigerd"
	}
	return en, nl
}
