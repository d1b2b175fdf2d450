package store

import (
	"strings"
	"testing"
)

// A transaction reads what it wrote, on either engine: PostgreSQL's puts
// and deletes wait in a buffer and go in one round trip at the commit or
// before a cursor over their bucket, so a Get answers from the buffer and a
// cursor sees every write; the last write of a key wins; clearing a bucket
// clears what was written to it before; and a write PostgreSQL refuses at the
// flush rolls the whole transaction back.
func TestATransactionReadsItsOwnWrites(t *testing.T) {
	onEachEngine(t, func(t *testing.T, open opener) {
		s := open(t)
		err := s.Update(func(tx *Tx) error {
			b := tx.tx.Bucket(bucketDigests)
			for _, kv := range [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"b", "two"}} {
				if err := b.Put([]byte(kv[0]), []byte(kv[1])); err != nil {
					return err
				}
			}
			if err := b.Delete([]byte("c")); err != nil {
				return err
			}
			if got := b.Get([]byte("b")); string(got) != "two" {
				t.Errorf("Get b after two puts: %q", got)
			}
			if got := b.Get([]byte("c")); got != nil {
				t.Errorf("Get c after its delete: %q", got)
			}
			if err := b.Put([]byte("none"), nil); err != nil {
				return err
			}
			if got := b.Get([]byte("none")); got == nil || len(got) != 0 {
				t.Errorf("Get of a key put with a nil value: %#v, want an empty non-nil value", got)
			}
			if err := b.Delete([]byte("none")); err != nil {
				return err
			}
			key := []byte("d")
			if err := b.Put(key, []byte("4")); err != nil {
				return err
			}
			key[0] = 'x' // the caller's slice is the caller's
			var seen []string
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				seen = append(seen, string(k)+"="+string(v))
			}
			if strings.Join(seen, ",") != "a=1,b=two,d=4" {
				t.Errorf("a cursor over the writes: %v", seen)
			}
			if err := b.Put([]byte("e"), []byte("5")); err != nil {
				return err
			}
			if err := tx.clear(bucketDigests); err != nil {
				return err
			}
			b = tx.tx.Bucket(bucketDigests) // bbolt made it anew
			if err := b.Put([]byte("f"), []byte("6")); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.View(func(tx *Tx) error {
			var seen []string
			_ = tx.tx.Bucket(bucketDigests).ForEach(func(k, v []byte) error {
				seen = append(seen, string(k)+"="+string(v))
				return nil
			})
			if strings.Join(seen, ",") != "f=6" {
				t.Errorf("after the commit: %v, want only what was written after the clear", seen)
			}
			return nil
		})

		// A key PostgreSQL refuses (bytea takes it, the index does not: a key
		// over its 2,700-byte limit, incompressible) fails the commit, and nothing of the
		// transaction is kept. bbolt takes it.
		err = s.Update(func(tx *Tx) error {
			b := tx.tx.Bucket(bucketDigests)
			if err := b.Put([]byte("g"), []byte("7")); err != nil {
				return err
			}
			return b.Put(badKey(), []byte("x"))
		})
		_ = s.View(func(tx *Tx) error {
			g := tx.tx.Bucket(bucketDigests).Get([]byte("g"))
			if s.Postgres() && (err == nil || g != nil) || !s.Postgres() && (err != nil || string(g) != "7") {
				t.Errorf("a write the engine refuses: %v, g = %q (PostgreSQL %v)", err, g, s.Postgres())
			}
			return nil
		})
	})
}
