// Package app holds nabij's use cases: record a morning's absence list,
// load the roster, answer Twilio's status callbacks and the families'
// replies, review and report escalations, the school day's rhythm (the
// list deadline, the coordinator's digest, the end-of-day sweep), users and
// sign-in, and the DUO melding draft. Each use case runs in one store
// transaction; web (HTTP) and cmd (the CLI and wiring) call it, and it calls
// alerts, protocol and store, never the other way round.
//
// # Glossary
//
// The code is in English; the words of Dutch school law and practice stay
// Dutch where English has no word for them. docs/PROTOCOL.md gives the law
// and the numbers behind each.
//
//   - ISK (Internationale Schakelklas): a school (or department) for pupils
//     aged 12–18 who have just arrived in the Netherlands; they learn Dutch
//     there for one to two years before moving to a regular school.
//   - leerplicht: compulsory education (Leerplichtwet 1969), up to the end of
//     the school year in which a pupil turns 16; after that kwalificatieplicht
//     until 18 or a startkwalificatie. Enforced by the municipality's
//     leerplichtambtenaar (compulsory-education officer), who receives the
//     school's melding.
//   - verzuim: absence; ongeoorloofd verzuim is unexcused absence (the kind
//     the law counts), geoorloofd verzuim excused (sick, permitted leave);
//     luxeverzuim is absence for an extra holiday.
//   - melding (verzuimmelding): the school's report of unexcused absence to
//     the leerplichtambtenaar through DUO's Verzuimregister; nabij prepares
//     the draft, a person sends it.
//   - DUO (Dienst Uitvoering Onderwijs): the government agency that keeps
//     the Verzuimregister and pupils' registrations.
//   - lesweek: a week in which the school gives lessons; the law's "16 hours
//     in 4 lesweken" counts these, not calendar weeks (holidays do not count).
//   - LRV (langdurig relatief verzuim): a pupil enrolled but absent more than
//     four consecutive weeks; reported to DUO.
//   - MAZL (Medische Advisering van de Ziekgemelde Leerling): the approach in
//     which frequent or long sick reports lead to the schoolarts (jeugdarts,
//     the youth health physician of the GGD), not to the leerplichtambtenaar.
//   - RMC (Regionale Meld- en Coördinatiefunctie): the regional office for
//     young people up to 23 without a startkwalificatie who leave school; it
//     takes over from leerplicht at 18.
//   - verzuimcoordinator (verzuimcoördinator): the school's attendance
//     coordinator, who contacts families the same morning and reviews the
//     escalations.
//   - mentor: a class's own teacher, who passes on the morning's absences.
//   - AMV (alleenstaande minderjarige vreemdeling): an unaccompanied minor
//     asylum seeker. An AMV lives in a KWE (kleine wooneenheid, a small
//     housing unit) with woonbegeleiders (residential support workers) and
//     has a voogd (legal guardian) from Nidos, the national guardianship
//     institution.
//   - PGN (persoonsgebonden nummer): the number by which the school and DUO
//     know a pupil; the BSN (citizen service number) where the pupil has one.
package app
