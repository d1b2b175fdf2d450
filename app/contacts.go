package app

import (
	"context"
	"slices"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// reachableContacts are the contacts a pupil's alerts go to: their own and,
// for a pupil in a housing unit (KWE), the unit's woonbegeleiders.
func reachableContacts(tx *store.Tx, st school.Student) ([]school.Contact, error) {
	out := slices.Clone(st.Contacts)
	if st.HousingUnit == "" {
		return out, nil
	}
	hu, ok, err := tx.HousingUnit(st.HousingUnit)
	if err != nil || !ok {
		return out, err
	}
	return append(out, hu.Contacts...), nil
}

// ContactCard is a contact as the board's "call from now on" asks about
// it: who they are and every pupil whose alerts reach them, all of whom a
// change of channel changes.
type ContactCard struct {
	Contact school.Contact
	Pupils  []school.Student
	// HousingUnit names the unit when the contact is a KWE's.
	HousingUnit string
}

// Contact reads contact id's card.
func (s *Service) Contact(ctx context.Context, u school.User, id string) (_ *ContactCard, err error) {
	defer failed(&err, "contact %s", id)
	if u.Role != school.RoleCoordinator && u.Role != school.RoleAdmin {
		return nil, school.ErrForbidden
	}
	card := &ContactCard{}
	err = s.Store.ViewContext(ctx, func(tx *store.Tx) error {
		r, err := tx.Roster()
		if err != nil {
			return err
		}
		units := map[string]bool{}
		for _, hu := range r.HousingUnits {
			for _, c := range hu.Contacts {
				if c.ID == id {
					card.Contact, card.HousingUnit, units[hu.ID] = c, hu.Name, true
				}
			}
		}
		for _, st := range r.Students {
			mine := units[st.HousingUnit] && st.HousingUnit != ""
			for _, c := range st.Contacts {
				if c.ID == id {
					card.Contact, mine = c, true
				}
			}
			if mine {
				card.Pupils = append(card.Pupils, st)
			}
		}
		if card.Contact.ID == "" {
			return school.NotFound("contact %s", id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return card, nil
}
