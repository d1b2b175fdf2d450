package store

// Reading ahead on PostgreSQL (postgres.go): a use case that knows which
// keys and prefixes it is about to read (a list's pupils: their facts,
// their days, their cases) asks for them all in one round trip, before it
// reads them one at a time. Each read is then answered from the
// transaction: a Get from its remembered reads, a cursor's Seek to one of
// the prefixes from the page read ahead. On bbolt, which reads mapped
// memory, there is nothing to read ahead.

import (
	"bytes"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
)

// aheadRows is the most rows read ahead under one prefix: a pupil's days
// of a school year mostly fit; a cursor that goes on past them reads on
// from PostgreSQL as before.
const aheadRows = 64

// maxAhead bounds the pages a transaction keeps read ahead.
const maxAhead = 1024

// aheadPage is what a cursor's Seek to its key finds: the rows under the
// prefix (at most aheadRows) and, when they are all of them, the first row
// after the prefix, so that a cursor stops at the prefix's end without
// asking again. more says rows may follow the page.
type aheadPage struct {
	rows [][2][]byte
	more bool
}

// covers reports whether the page, read ahead from prefix, holds every
// row of key's place: from prefix up to its last row, or to the bucket's
// end when no row follows. (A page whose rows were all deleted and which
// rows may follow covers nothing.)
func (p aheadPage) covers(prefix string, key []byte) bool {
	switch {
	case string(key) < prefix:
		return false
	case !p.more:
		return true
	case len(p.rows) == 0:
		return false
	}
	return bytes.Compare(key, p.rows[len(p.rows)-1][0]) <= 0
}

// prefetcher is an engine's transaction that reads ahead.
type prefetcher interface {
	prefetch(gets []pgKey, prefixes []pgKey) error
	// under lists the rows under prefix on its page read ahead, the rest
	// of each key and its value (none when it was not read ahead).
	under(bucket, prefix string) [][2][]byte
}

func (t *pgTx) under(bucket, prefix string) [][2][]byte {
	var out [][2][]byte
	for _, r := range t.ahead[bucket][prefix].rows {
		if rest, ok := bytes.CutPrefix(r[0], []byte(prefix)); ok {
			out = append(out, [2][]byte{rest, r[1]})
		}
	}
	return out
}

// prefixEnd is the first key after every key with prefix p, or nil when
// there is none (p is all 0xff).
func prefixEnd(p []byte) []byte {
	end := slices.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// prefetch reads gets and the rows under prefixes in one round trip (a
// pgx batch). A key or prefix a pending write touches is left to be read
// as before: what it read could be stale once the write is sent.
func (t *pgTx) prefetch(gets []pgKey, prefixes []pgKey) error {
	if t.err != nil {
		return t.err
	}
	b := &pgx.Batch{}
	var asked, seeks []pgKey
	for _, k := range gets {
		if _, ok := t.reads[k]; ok {
			continue
		}
		if _, ok := t.written[k]; ok {
			continue
		}
		asked = append(asked, k)
		b.Queue("SELECT value FROM kv WHERE bucket = $1 AND key = $2", k.bucket, []byte(k.key))
	}
	for _, p := range prefixes {
		end := prefixEnd([]byte(p.key))
		if _, ok := t.ahead[p.bucket][p.key]; ok || end == nil || t.pendingIn(p.bucket, []byte(p.key), true, nil) {
			continue
		}
		seeks = append(seeks, p)
		b.Queue(`(SELECT key, value FROM kv WHERE bucket = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4)
		UNION ALL (SELECT key, value FROM kv WHERE bucket = $1 AND key >= $3 ORDER BY key LIMIT 1) ORDER BY key`,
			p.bucket, []byte(p.key), end, aheadRows)
	}
	if b.Len() == 0 {
		return nil
	}
	t.queries++
	br := t.tx.SendBatch(t.ctx, b)
	defer br.Close()
	for _, k := range asked {
		var v []byte
		err := br.QueryRow().Scan(&v)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			t.remember(k, pgRead{})
		case err != nil:
			return t.fail(err)
		case len(v) <= maxReadBytes:
			if v == nil {
				v = []byte{}
			}
			t.remember(k, pgRead{value: v, ok: true})
		}
	}
	for _, p := range seeks {
		rows, err := br.Query()
		if err != nil {
			return t.fail(err)
		}
		var page aheadPage
		for rows.Next() {
			var k, v []byte
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return t.fail(err)
			}
			if v == nil {
				v = []byte{}
			}
			page.rows = append(page.rows, [2][]byte{k, v})
		}
		if err := rows.Err(); err != nil {
			return t.fail(err)
		}
		end := prefixEnd([]byte(p.key))
		under := len(page.rows)
		if under > 0 && bytes.Compare(page.rows[under-1][0], end) >= 0 {
			under-- // the row after the prefix
		}
		if under == aheadRows {
			// The prefix has more rows than were read: the page ends
			// with the last of them, and the cursor reads on.
			page.rows, page.more = page.rows[:under], true
		} else {
			page.more = under < len(page.rows)
		}
		if t.ahead == nil || t.aheadN >= maxAhead {
			t.ahead, t.aheadN = map[string]map[string]aheadPage{}, 0
		}
		if t.ahead[p.bucket] == nil {
			t.ahead[p.bucket] = map[string]aheadPage{}
		}
		t.ahead[p.bucket][p.key] = page
		t.aheadN++
	}
	return nil
}

// applyAhead brings the pages read ahead that a write falls in up to
// date: the page holds every row of the keys it covers (from its prefix up
// to its last row, or to the bucket's end), so the write's key is put in,
// replaced or taken out where it sorts.
func (t *pgTx) applyAhead(w pgWrite) {
	for p, page := range t.ahead[w.bucket] {
		if !page.covers(p, w.key) {
			continue
		}
		i, found := slices.BinarySearchFunc(page.rows, w.key, func(r [2][]byte, k []byte) int { return bytes.Compare(r[0], k) })
		switch {
		case w.del && found:
			page.rows = slices.Delete(slices.Clone(page.rows), i, i+1)
		case w.del:
			continue
		case found:
			page.rows = slices.Clone(page.rows)
			page.rows[i][1] = w.value
		default:
			page.rows = slices.Insert(slices.Clone(page.rows), i, [2][]byte{w.key, w.value})
		}
		t.ahead[w.bucket][p] = page
	}
}

// getAhead answers a Get from a page read ahead that covers key.
func (t *pgTx) getAhead(bucket string, key []byte) (pgRead, bool) {
	for p, page := range t.ahead[bucket] {
		if !page.covers(p, key) {
			continue
		}
		i, found := slices.BinarySearchFunc(page.rows, key, func(r [2][]byte, k []byte) int { return bytes.Compare(r[0], k) })
		if !found {
			return pgRead{}, true
		}
		return pgRead{value: page.rows[i][1], ok: true}, true
	}
	return pgRead{}, false
}

// seekAhead puts c on the page read ahead for a Seek to key, if there is one.
func (c *pgCursor) seekAhead(key []byte) bool {
	t := c.b.t
	page, ok := t.ahead[c.b.name][string(key)]
	if !ok || t.err != nil || len(page.rows) == 0 && page.more {
		return false
	}
	// Shallow copy: the cursor's next fetch reuses its page's array.
	c.page, c.at, c.more, c.key = slices.Clone(page.rows), 0, page.more, nil
	c.n = min(aheadRows*4, cursorPage)
	return true
}
