// Package dispatch delivers what package alerts planned: it claims the
// messages due in the outbox, hands them to a provider through a Sender,
// records the provider's answer, looks up the messages whose send ended
// without one (reconciling), asks the provider where a message stands whose
// status callback is overdue (statuscheck.go: Twilio posts each once, and
// one that found nabij down is lost), pauses while the provider refuses the
// account, and runs the workers that do it.
//
// The rule it keeps: a message is never sent twice and never lost. A message
// is claimed ("sending") in one transaction before the provider is called
// and its answer recorded in another; a message still "sending" when nabij
// starts again is looked up at the provider, not sent again. At shutdown
// Run waits for the sends under way at most Config.ShutdownWait; one still
// unanswered then stays "sending", for the next start to look up.
//
// A Dispatcher is made by NewDispatcher from a Config, read once. It keeps
// one clock, Config.Now (the service's, which NABIJ_CLOCK may set), for all
// it decides and waits for; only what the provider compares with its own
// clock (when a message was claimed, from which a lookup searches) is read
// from Config.Wall, real time.
//
// Where the provider's contract lives. dispatch declares the interfaces it
// calls, Sender, Looker and Fetcher, because it is their only caller
// (texts and voice calls alike). The values that cross them,
// alerts.Outgoing (what is handed over), alerts.Receipt and alerts.SendError (the provider's answer), stay
// in alerts beside Message and Status, which they are made of and recorded
// into: a Receipt carries an alerts.Status, a SendError's code becomes the
// message's ErrorCode and decides its WhatsApp→SMS fallback. So a provider
// (alerts/twilio) satisfies Sender by its method set without importing
// dispatch, and the imports point one way: dispatch → alerts, never back.
package dispatch
