package school

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
)

// DefaultRegion is how phone numbers without a country code are read: Dutch
// "06…" numbers become "+316…".
const DefaultRegion = "NL"

// NormalizePhone returns the E.164 form of a phone number, or an error a
// person can act on.
func NormalizePhone(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", Problemf("phone_required", nil, "a phone number is required")
	}
	if strings.HasPrefix(raw, "00") {
		raw = "+" + raw[2:]
	}
	num, err := phonenumbers.Parse(raw, DefaultRegion)
	if err != nil {
		return "", Problemf("phone_unreadable", map[string]string{"Value": raw}, "not a phone number: %v", err)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", Problemf("phone_invalid", map[string]string{"Value": raw}, "not a valid phone number for its country")
	}
	if phonenumbers.GetNumberType(num) == phonenumbers.FIXED_LINE {
		return "", Problemf("phone_landline", map[string]string{"Value": raw}, "a landline cannot receive SMS or WhatsApp; give a mobile number")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// languageAliases are tags families give that nabij reads as another tag.
var languageAliases = map[string]string{
	"prs": "fa-AF", // Dari
}

// NormalizeLanguage returns the canonical BCP 47 form of a tag ("prs" is read
// as "fa-AF", Dari). It accepts tags nabij has no messages in.
func NormalizeLanguage(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if alias, ok := languageAliases[strings.ToLower(raw)]; ok {
		return alias, nil
	}
	tag, err := language.Parse(raw)
	if err != nil {
		return "", Problemf("language_tag", map[string]string{"Value": raw}, "%q is not a BCP 47 language tag (such as nl, ar, ti, fa-AF)", raw)
	}
	return tag.String(), nil
}

// Normalize fills defaults, normalises phone numbers and languages, and
// checks the roster as a whole. It returns a *ValidationError naming every bad
// field; a roster that fails is not to be applied.
func (r *Roster) Normalize(today Date) error {
	var errs fieldErrors
	classes := map[string]bool{}
	for i := range r.Classes {
		c := &r.Classes[i]
		path := fmt.Sprintf("classes[%d]", i)
		c.ID = errs.uniqueID(path, c.ID, "class", classes)
		if strings.TrimSpace(c.Name) == "" {
			c.Name = c.ID
		}
	}
	contacts := map[string]Contact{}
	units := map[string]bool{}
	for i := range r.HousingUnits {
		u := &r.HousingUnits[i]
		path := fmt.Sprintf("housing_units[%d]", i)
		u.ID = errs.uniqueID(path, u.ID, "housing unit", units)
		if strings.TrimSpace(u.Name) == "" {
			errs.addErr(path+".name", Problemf("unit_name_required", nil, "a name is required"))
		}
		for j := range u.Contacts {
			normalizeContact(&u.Contacts[j], fmt.Sprintf("%s.contacts[%d]", path, j), contacts, &errs)
		}
	}
	students := map[string]bool{}
	for i := range r.Students {
		s := &r.Students[i]
		path := fmt.Sprintf("students[%d]", i)
		s.ID = errs.uniqueID(path, s.ID, "student", students)
		s.Name = strings.TrimSpace(s.Name)
		if s.Name == "" {
			errs.addErr(path+".name", Problemf("pupil_name_missing", nil, "a name is required"))
		}
		if !classes[s.Class] {
			errs.addErr(path+".class", Problemf("class_unknown", map[string]string{"Value": s.Class}, "class %q is not in the roster's classes", s.Class))
		}
		switch {
		case s.BirthDate.IsZero():
			errs.addErr(path+".birth_date", Problemf("birth_date_required", nil, "a birth date (YYYY-MM-DD) is required"))
		case s.BirthDate.After(today):
			errs.addErr(path+".birth_date", Problemf("birth_date_future", map[string]string{"Value": s.BirthDate.String()}, "%s is in the future", s.BirthDate))
		}
		switch g := strings.ToLower(strings.TrimSpace(s.Gender)); g {
		case "", "f", "m":
			s.Gender = g
		default:
			errs.addErr(path+".gender", Problemf("gender_invalid", map[string]string{"Value": s.Gender}, "%q: give f, m, or leave it out", s.Gender))
		}
		if s.HousingUnit != "" && !units[s.HousingUnit] {
			errs.addErr(path+".housing_unit", Problemf("housing_unit_unknown", map[string]string{"Value": s.HousingUnit}, "housing unit %q is not in the roster's housing_units", s.HousingUnit))
		}
		for j := range s.Contacts {
			normalizeContact(&s.Contacts[j], fmt.Sprintf("%s.contacts[%d]", path, j), contacts, &errs)
		}
		if s.PGN = strings.TrimSpace(s.PGN); s.PGN != "" {
			if pgn, ok := normalizePGN(s.PGN); ok {
				s.PGN = pgn
			} else {
				errs.addErr(path+".pgn", Problemf("pgn_digits", nil, "a PGN (BSN or onderwijsnummer) is 9 digits"))
			}
		}
	}
	return errs.err()
}

func normalizeContact(c *Contact, path string, seen map[string]Contact, errs *fieldErrors) {
	c.ID = strings.TrimSpace(c.ID)
	if !ValidID(c.ID) {
		errs.addErr(path+".id", Problemf("id_unusable", nil, "an id of 1 to 64 letters, digits, '-', '_' or '.' is required"))
	}
	switch c.Role {
	case RoleParent, RoleGuardian, RoleWoonbegeleider:
	default:
		errs.addErr(path+".role", Problemf("role_unknown", map[string]string{"Value": string(c.Role)}, "role %q is not one of parent, guardian, woonbegeleider", c.Role))
	}
	if strings.TrimSpace(c.Name) == "" {
		errs.addErr(path+".name", Problemf("contact_name_missing", nil, "a name is required (it is never sent, only shown to staff)"))
	}
	if phone, err := NormalizePhone(c.Phone); err != nil {
		errs.addErr(path+".phone", err)
	} else {
		c.Phone = phone
	}
	if c.Language == "" {
		c.Language = "nl"
	}
	if lang, err := NormalizeLanguage(c.Language); err != nil {
		errs.addErr(path+".language", err)
	} else {
		c.Language = lang
	}
	if c.SecondLanguage != "" {
		if lang, err := NormalizeLanguage(c.SecondLanguage); err != nil {
			errs.addErr(path+".second_language", err)
		} else {
			c.SecondLanguage = lang
		}
	}
	switch c.Channel {
	case "":
		c.Channel = ChannelSMS
	case ChannelSMS, ChannelWhatsApp, ChannelVoice:
	default:
		errs.addErr(path+".channel", Problemf("channel_invalid", map[string]string{"Value": string(c.Channel)}, "channel %q is not one of sms, whatsapp, voice", c.Channel))
	}
	// The same person may stand under several pupils (siblings) with one id,
	// but an id must not name two different people.
	if prev, ok := seen[c.ID]; ok && c.ID != "" && prev != *c {
		errs.addErr(path+".id", Problemf("contact_id_reused", map[string]string{"Value": c.ID}, "contact id %q is used before with other details", c.ID))
	}
	if c.ID != "" {
		seen[c.ID] = *c
	}
}

// uniqueID trims id and checks it is valid and not seen before among kind.
func (f *fieldErrors) uniqueID(path, id, kind string, seen map[string]bool) string {
	id = strings.TrimSpace(id)
	switch {
	case !ValidID(id):
		f.addErr(path+".id", Problemf("id_unusable", nil, "an id of 1 to 64 letters, digits, '-', '_' or '.' is required"))
	case seen[id]:
		f.addErr(path+".id", Problemf("id_twice", map[string]string{"Value": id}, "%s %q appears twice", kind, id))
	}
	seen[id] = true
	return id
}

// ValidID is the rule for every id nabij keeps: 1 to 64 letters, digits,
// '-', '_' or '.' (ids are parts of store keys, joined with '|').
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

// normalizePGN reads a BSN or onderwijsnummer: 9 digits, or 8 with the
// leading zero left off (as spreadsheets do). The checksum (elfproef) is left
// to DUO, whose rules for onderwijsnummers differ from those for a BSN.
func normalizePGN(raw string) (string, bool) {
	raw = strings.ReplaceAll(raw, " ", "")
	if len(raw) == 8 {
		raw = "0" + raw
	}
	if len(raw) != 9 {
		return "", false
	}
	for _, r := range raw {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return raw, true
}
