package school

import "fmt"

// Problem is an error a person can act on (a cell of a roster file, a field
// of a form) that a user interface can say in its own words: the staff
// pages' catalogues (web/locales/{nl,en}.toml) have "problem_" + ID, filled
// with Args; Error is its English, as the API says it.
type Problem struct {
	ID      string
	Args    map[string]string
	English string
}

func (p *Problem) Error() string { return p.English }

// Problemf is the Problem id with args, its English formatted as
// fmt.Sprintf does.
func Problemf(id string, args map[string]string, format string, a ...any) *Problem {
	return &Problem{ID: id, Args: args, English: fmt.Sprintf(format, a...)}
}
