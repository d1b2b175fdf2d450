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
	"fmt"
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
// pgx batch of at most two statements: every get in one, every prefix's
// page in the other; a statement for each key and prefix cost PostgreSQL
// five times the time, measured on a 30-pupil list's 180). A key or prefix
// a pending write touches is left to be read as before: what it read could
// be stale once the write is sent.
func (t *pgTx) prefetch(gets []pgKey, prefixes []pgKey) error {
	if t.err != nil {
		return t.err
	}
	var asked, seeks []pgKey
	seen := make(map[pgKey]bool, len(gets)+len(prefixes))
	for _, k := range gets {
		if _, ok := t.reads[k]; ok || seen[k] {
			continue
		}
		if _, ok := t.written[k]; ok {
			continue
		}
		seen[k] = true
		asked = append(asked, k)
	}
	clear(seen)
	for _, p := range prefixes {
		if _, ok := t.ahead[p.bucket][p.key]; ok || seen[p] || prefixEnd([]byte(p.key)) == nil || t.pendingIn(p.bucket, []byte(p.key), true, nil) {
			continue
		}
		seen[p] = true
		seeks = append(seeks, p)
	}
	if len(asked) == 0 && len(seeks) == 0 {
		return nil
	}
	// Room is made before, not while, what this read brings is kept: a
	// bound reached halfway would drop the first pupils' reads and pages
	// (a group's tenth list read again, one round trip at a time, what it
	// had just read ahead).
	if t.ahead == nil || t.aheadN+len(seeks) > maxAhead {
		t.ahead, t.aheadN = map[string]map[string]aheadPage{}, 0
	}
	if len(t.reads)+len(asked) > maxReads/2 {
		t.reads = nil // and room for the reads and writes of what follows
	}
	b := &pgx.Batch{}
	if len(asked) > 0 {
		buckets, keys := make([]string, len(asked)), make([][]byte, len(asked))
		for i, k := range asked {
			buckets[i], keys[i] = k.bucket, []byte(k.key)
		}
		b.Queue(`SELECT g.i, kv.value FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS g(bucket, key, i)
		JOIN kv ON kv.bucket = g.bucket AND kv.key = g.key`, buckets, keys)
	}
	if len(seeks) > 0 {
		buckets, from, to := make([]string, len(seeks)), make([][]byte, len(seeks)), make([][]byte, len(seeks))
		for i, p := range seeks {
			buckets[i], from[i], to[i] = p.bucket, []byte(p.key), prefixEnd([]byte(p.key))
		}
		// Each prefix's rows (at most aheadRows) and the first row after
		// them, in key order.
		b.Queue(`SELECT p.i, r.key, r.value FROM unnest($1::text[], $2::bytea[], $3::bytea[]) WITH ORDINALITY AS p(bucket, lo, hi, i)
		CROSS JOIN LATERAL (
			(SELECT key, value FROM kv WHERE bucket = p.bucket AND key >= p.lo AND key < p.hi ORDER BY key LIMIT $4)
			UNION ALL (SELECT key, value FROM kv WHERE bucket = p.bucket AND key >= p.hi ORDER BY key LIMIT 1)) r
		ORDER BY p.i, r.key`, buckets, from, to, aheadRows)
	}
	t.queries++
	br := t.tx.SendBatch(t.ctx, b)
	defer br.Close()
	if len(asked) > 0 {
		found := make([]*pgRead, len(asked))
		rows, err := br.Query()
		if err != nil {
			return t.fail(err)
		}
		for rows.Next() {
			var i int64
			var v []byte
			if err := rows.Scan(&i, &v); err != nil {
				rows.Close()
				return t.fail(err)
			}
			if i < 1 || int(i) > len(asked) {
				rows.Close()
				return t.fail(fmt.Errorf("read ahead: row of key %d of %d", i, len(asked)))
			}
			if v == nil {
				v = []byte{}
			}
			found[i-1] = &pgRead{value: v, ok: true}
		}
		if err := rows.Err(); err != nil {
			return t.fail(err)
		}
		for i, k := range asked {
			switch r := found[i]; {
			case r == nil:
				t.remember(k, pgRead{})
			case len(r.value) <= maxReadBytes:
				t.remember(k, *r)
			}
		}
	}
	if len(seeks) > 0 {
		pages := make([]aheadPage, len(seeks))
		rows, err := br.Query()
		if err != nil {
			return t.fail(err)
		}
		for rows.Next() {
			var i int64
			var k, v []byte
			if err := rows.Scan(&i, &k, &v); err != nil {
				rows.Close()
				return t.fail(err)
			}
			if i < 1 || int(i) > len(seeks) {
				rows.Close()
				return t.fail(fmt.Errorf("read ahead: row of prefix %d of %d", i, len(seeks)))
			}
			if v == nil {
				v = []byte{}
			}
			pages[i-1].rows = append(pages[i-1].rows, [2][]byte{k, v})
		}
		if err := rows.Err(); err != nil {
			return t.fail(err)
		}
		for i, p := range seeks {
			page := pages[i]
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
			if t.ahead[p.bucket] == nil {
				t.ahead[p.bucket] = map[string]aheadPage{}
			}
			t.ahead[p.bucket][p.key] = page
			t.aheadN++
		}
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
