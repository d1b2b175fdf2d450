package school

import "time"

// Role is what a staff member may do.
type Role string

// Staff roles of API.md.
const (
	RoleMentor      Role = "mentor"
	RoleCoordinator Role = "coordinator" // the verzuimcoördinator
	RoleAdmin       Role = "admin"
	// RoleReviewer is a speaker of a family's language at the school who
	// reviews nabij's messages in that one language (User.Language) and
	// sees nothing else.
	RoleReviewer Role = "reviewer"
)

// User is a staff member who signs in with a token; only the token's hash is kept.
type User struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Role    Role     `json:"role"`
	Classes []string `json:"classes,omitempty"`
	// Language is the one language a reviewer reviews (a tag of the
	// translations, such as "ti"); empty for every other role.
	Language string `json:"language,omitempty"`
	// Email is the staff member's address at the school, lower-cased:
	// their login with the school's own accounts (OpenID Connect) is
	// matched to it. Optional, and unique among the users.
	Email     string `json:"email,omitempty"`
	TokenHash string `json:"token_hash,omitempty"`
	// Disabled is a staff member whose access is taken away: no token,
	// session or sign-in link of theirs works. A user stored before this
	// field existed is enabled.
	Disabled bool `json:"disabled"`
	// LastSignIn is when they last signed in with a link, if ever.
	LastSignIn *time.Time `json:"last_sign_in"`
	// LastAPIUse is when their API token was last used, to the hour
	// (recorded at most once an hour, so that reads stay reads).
	LastAPIUse *time.Time `json:"last_api_use"`
}

// Teaches reports whether the user is a mentor of class.
func (u *User) Teaches(class string) bool {
	for _, c := range u.Classes {
		if c == class {
			return true
		}
	}
	return false
}

// MaySeeClass reports whether the user may read and write class's lists.
func (u *User) MaySeeClass(class string) bool {
	return u.Role == RoleCoordinator || u.Role == RoleAdmin || u.Teaches(class)
}
