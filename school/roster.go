package school

// ContactRole says who a contact is to the pupil.
type ContactRole string

// Contact roles of API.md.
const (
	RoleParent         ContactRole = "parent"
	RoleGuardian       ContactRole = "guardian" // the Nidos voogd of an AMV pupil
	RoleWoonbegeleider ContactRole = "woonbegeleider"
)

// Channel is how a contact is reached.
type Channel string

// Channels a contact can be reached on.
const (
	ChannelSMS      Channel = "sms"
	ChannelWhatsApp Channel = "whatsapp"
	// ChannelVoice is a phone call, for a family who cannot read: the
	// message spoken in their language, answered with a key.
	ChannelVoice Channel = "voice"
)

// Contact is a person (or a shared duty phone) who hears about a pupil's absence.
type Contact struct {
	ID       string      `json:"id"`
	Role     ContactRole `json:"role"`
	Name     string      `json:"name"`
	Phone    string      `json:"phone"` // E.164
	Language string      `json:"language"`
	// SecondLanguage is tried when nabij has no messages in Language.
	SecondLanguage string  `json:"second_language,omitempty"`
	Channel        Channel `json:"channel"`
}

// Class is a group of pupils with one or more mentors.
type Class struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// HousingUnit is a small housing unit (KWE) for unaccompanied minors; its
// contacts are the woonbegeleiders' phones.
type HousingUnit struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Address  string    `json:"address,omitempty"`
	Contacts []Contact `json:"contacts"`
}

// Student is a pupil of the ISK.
type Student struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Class     string `json:"class"`
	BirthDate Date   `json:"birth_date"`
	// Gender is "f", "m" or "" (not given): languages that mark a pupil's
	// gender (Tigrinya, Amharic…) then speak of the pupil as she or he;
	// without it they use a neutral wording.
	Gender      string    `json:"gender,omitempty"`
	HousingUnit string    `json:"housing_unit,omitempty"`
	Contacts    []Contact `json:"contacts"`
	// PGN is the persoonsgebonden nummer (BSN or onderwijsnummer), only for
	// a DUO melding and only for coordinators.
	PGN string `json:"pgn,omitempty"`
}

// Roster is the whole of a school's classes, housing units and pupils, as
// replaced at once by an import.
type Roster struct {
	Classes      []Class       `json:"classes"`
	HousingUnits []HousingUnit `json:"housing_units"`
	Students     []Student     `json:"students"`
}
