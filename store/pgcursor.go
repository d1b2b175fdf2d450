package store

// The cursor of a PostgreSQL transaction (postgres.go): a page of rows at a
// time, the transaction's pending writes sent first only when one falls in
// the page.

import (
	"errors"

	"github.com/jackc/pgx/v5"
)

// cursorPage is the most rows a cursor fetches at once; its first fetch
// takes fewer (a lookup by prefix mostly reads one or two).
const cursorPage = 512

// pgCursor reads a bucket a page at a time, in key order from where it
// was put (First, Seek) or backwards one key at a time (Last, Prev).
type pgCursor struct {
	b    pgBucket
	page [][2][]byte // rows fetched ahead, page[at] the current one
	at   int
	more bool   // rows may follow the page
	key  []byte // the current key; nil past either end
	n    int    // the size of the next fetch
}

func (c *pgCursor) current() ([]byte, []byte) {
	if c.at >= len(c.page) {
		c.key = nil
		return nil, nil
	}
	r := c.page[c.at]
	c.key = r[0]
	return r[0], r[1]
}

// fetch reads the rows after (or from, when inclusive) key. The page is
// read first and the pending writes sent only when one of them falls in
// it (then it is read again): a list's transaction writes one pupil's
// cases and then reads the next pupil's, keys the writes do not touch.
func (c *pgCursor) fetch(key []byte, inclusive bool) ([]byte, []byte) {
	t := c.b.t
	c.page, c.at, c.more, c.key = nil, 0, false, nil
	if t.err != nil {
		return nil, nil
	}
	if c.n == 0 {
		c.n = 16
	}
	op := ">"
	if inclusive {
		op = ">="
	}
	for flushed := false; ; flushed = true {
		if !c.read(op, key) {
			return nil, nil
		}
		c.more = len(c.page) == c.n
		var to []byte // the page's last key; without end when no row follows
		if c.more {
			to = c.page[len(c.page)-1][0]
		}
		if flushed || !t.pendingIn(c.b.name, key, inclusive, to) {
			break
		}
		if t.flush() != nil {
			c.page = nil
			return nil, nil
		}
	}
	c.n = min(c.n*4, cursorPage)
	return c.current()
}

// read puts the c.n rows whose keys are op key in c.page.
func (c *pgCursor) read(op string, key []byte) bool {
	t := c.b.t
	c.page = c.page[:0]
	t.queries++
	rows, err := t.tx.Query(t.ctx, "SELECT key, value FROM kv WHERE bucket = $1 AND key "+op+" $2 ORDER BY key LIMIT $3",
		c.b.name, key, c.n)
	if err != nil {
		t.fail(err)
		return false
	}
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			t.fail(err)
			c.page = nil
			return false
		}
		if v == nil {
			v = []byte{}
		}
		c.page = append(c.page, [2][]byte{k, v})
	}
	if err := rows.Err(); err != nil {
		t.fail(err)
		c.page = nil
		return false
	}
	return true
}

func (c *pgCursor) First() ([]byte, []byte) {
	c.n = 0
	return c.fetch([]byte{}, true)
}

func (c *pgCursor) Seek(seek []byte) ([]byte, []byte) {
	c.n = 0
	if seek == nil {
		seek = []byte{}
	}
	if c.seekAhead(seek) {
		return c.current()
	}
	return c.fetch(seek, true)
}

func (c *pgCursor) Next() ([]byte, []byte) {
	if c.key == nil {
		return nil, nil
	}
	c.at++
	if c.at < len(c.page) {
		return c.current()
	}
	if !c.more {
		c.key = nil
		return nil, nil
	}
	return c.fetch(c.key, false)
}

// back reads the one key before key (or the last key, when key is nil).
func (c *pgCursor) back(key []byte) ([]byte, []byte) {
	t := c.b.t
	c.page, c.at, c.more, c.key, c.n = nil, 0, false, nil, 0
	if t.flushFor(c.b.name) != nil {
		return nil, nil
	}
	q, args := "SELECT key, value FROM kv WHERE bucket = $1 ORDER BY key DESC LIMIT 1", []any{c.b.name}
	if key != nil {
		q, args = "SELECT key, value FROM kv WHERE bucket = $1 AND key < $2 ORDER BY key DESC LIMIT 1", []any{c.b.name, key}
	}
	var k, v []byte
	t.queries++
	err := t.tx.QueryRow(t.ctx, q, args...).Scan(&k, &v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		t.fail(err)
		return nil, nil
	}
	if v == nil {
		v = []byte{}
	}
	// A Next from here reads forward again from this key.
	c.page, c.more = [][2][]byte{{k, v}}, true
	return c.current()
}

func (c *pgCursor) Last() ([]byte, []byte) { return c.back(nil) }

func (c *pgCursor) Prev() ([]byte, []byte) {
	if c.key == nil {
		return nil, nil
	}
	return c.back(c.key)
}

func (c *pgCursor) Delete() error {
	if c.key == nil {
		return errors.New("store: cursor is at no key")
	}
	return c.b.Delete(c.key)
}
