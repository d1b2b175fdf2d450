package rosterimport

import (
	"slices"
	"sort"

	"github.com/nabij-isk/nabij/school"
)

// Changes is what applying a roster would change: the preview an admin
// confirms before anything is replaced. Every list holds ids, sorted.
type Changes struct {
	NewStudents     []string `json:"new_students"`
	ChangedStudents []string `json:"changed_students"` // name, class, birth date, housing unit, PGN or any contact of theirs
	RemovedStudents []string `json:"removed_students"`
	NewContacts     []string `json:"new_contacts"`
	// ChangedContacts are contacts kept under the same id with other details
	// (a new language, channel or phone); for a housing unit's contacts this
	// is the only place the preview shows such a change.
	ChangedContacts []string `json:"changed_contacts"`
	RemovedContacts []string `json:"removed_contacts"`
	NewClasses      []string `json:"new_classes"`
	RemovedClasses  []string `json:"removed_classes"`
}

// Empty reports whether applying would change nothing the preview shows.
func (c Changes) Empty() bool {
	for _, l := range [][]string{c.NewStudents, c.ChangedStudents, c.RemovedStudents, c.NewContacts,
		c.ChangedContacts, c.RemovedContacts, c.NewClasses, c.RemovedClasses} {
		if len(l) > 0 {
			return false
		}
	}
	return true
}

// Diff is what applying next in place of old would change. Either may be nil
// (no roster yet). Both are expected normalised, as stored rosters and
// ParseCSV's are, so that "06…" and "+316…" do not count as a change.
func Diff(old, next *school.Roster) Changes {
	if old == nil {
		old = &school.Roster{}
	}
	if next == nil {
		next = &school.Roster{}
	}
	ch := Changes{}
	oldStudents := map[string]school.Student{}
	for _, s := range old.Students {
		oldStudents[s.ID] = s
	}
	newStudents := map[string]bool{}
	for _, s := range next.Students {
		newStudents[s.ID] = true
		prev, ok := oldStudents[s.ID]
		switch {
		case !ok:
			ch.NewStudents = append(ch.NewStudents, s.ID)
		case !sameStudent(prev, s):
			ch.ChangedStudents = append(ch.ChangedStudents, s.ID)
		}
	}
	for _, s := range old.Students {
		if !newStudents[s.ID] {
			ch.RemovedStudents = append(ch.RemovedStudents, s.ID)
		}
	}

	oldContacts, newContacts := contactsByID(old), contactsByID(next)
	for id, c := range newContacts {
		prev, ok := oldContacts[id]
		switch {
		case !ok:
			ch.NewContacts = append(ch.NewContacts, id)
		case prev != c:
			ch.ChangedContacts = append(ch.ChangedContacts, id)
		}
	}
	for id := range oldContacts {
		if _, ok := newContacts[id]; !ok {
			ch.RemovedContacts = append(ch.RemovedContacts, id)
		}
	}

	oldClasses, newClasses := map[string]bool{}, map[string]bool{}
	for _, c := range old.Classes {
		oldClasses[c.ID] = true
	}
	for _, c := range next.Classes {
		newClasses[c.ID] = true
		if !oldClasses[c.ID] {
			ch.NewClasses = append(ch.NewClasses, c.ID)
		}
	}
	for _, c := range old.Classes {
		if !newClasses[c.ID] {
			ch.RemovedClasses = append(ch.RemovedClasses, c.ID)
		}
	}
	for _, l := range []*[]string{&ch.NewStudents, &ch.ChangedStudents, &ch.RemovedStudents, &ch.NewContacts,
		&ch.ChangedContacts, &ch.RemovedContacts, &ch.NewClasses, &ch.RemovedClasses} {
		*l = slices.Compact(sorted(*l))
	}
	return ch
}

func sorted(ids []string) []string {
	if ids == nil {
		return []string{} // [] rather than null in the preview's JSON
	}
	sort.Strings(ids)
	return ids
}

// sameStudent compares two pupils, their contacts as a set: a reordered
// spreadsheet is not a change.
func sameStudent(a, b school.Student) bool {
	if a.Name != b.Name || a.Class != b.Class || a.BirthDate != b.BirthDate || a.Gender != b.Gender || a.HousingUnit != b.HousingUnit || a.PGN != b.PGN {
		return false
	}
	if len(a.Contacts) != len(b.Contacts) {
		return false
	}
	byID := map[string]school.Contact{}
	for _, c := range a.Contacts {
		byID[c.ID] = c
	}
	for _, c := range b.Contacts {
		if prev, ok := byID[c.ID]; !ok || prev != c {
			return false
		}
	}
	return true
}

// contactsByID gathers the contacts of pupils and housing units; a contact
// under several pupils is one contact.
func contactsByID(r *school.Roster) map[string]school.Contact {
	m := map[string]school.Contact{}
	for _, u := range r.HousingUnits {
		for _, c := range u.Contacts {
			m[c.ID] = c
		}
	}
	for _, s := range r.Students {
		for _, c := range s.Contacts {
			m[c.ID] = c
		}
	}
	return m
}
