package store

// A PostgreSQL transaction's writes, buffered (postgres.go's pgTx): sent
// together, in one round trip (the puts in one statement, each delete in
// its own), after each grouped call and after the
// transaction's function (flushWrites), before a cursor's page of their
// bucket would cover one of them (Last and Prev: before any read of a
// bucket with one pending), and at maxPending writes.

import (
	"bytes"

	"github.com/jackc/pgx/v5"
)

// pgWrite is a put (or, del, a delete) not yet sent.
type pgWrite struct {
	bucket     string
	key, value []byte
	del        bool
}

type pgKey struct{ bucket, key string }

// buffer records a write to send with the next flush.
// A key written again replaces its pending write (writes to different keys
// commute; a clear flushes first). At maxPending writes the buffer is sent,
// so that a transaction of many writes (a first purge, an import) holds
// at most that many in memory.
func (t *pgTx) buffer(w pgWrite) {
	if t.written == nil {
		t.written, t.dirty = map[pgKey]int{}, map[string]int{}
	}
	k := pgKey{w.bucket, string(w.key)}
	delete(t.reads, k) // read again once the write is sent
	t.applyAhead(w)
	if i, ok := t.written[k]; ok {
		t.pending[i] = w
		return
	}
	t.written[k] = len(t.pending)
	t.dirty[w.bucket]++
	t.pending = append(t.pending, w)
	if len(t.pending) >= maxPending {
		t.flush()
	}
}

// maxPending is how many writes wait at most before they are sent.
const maxPending = 1000

// flushWrites sends a transaction's buffered writes, on an engine that
// buffers them (PostgreSQL): so that a write the database refuses is the
// failure of the call that made it (a group's call, or fn), not of the
// commit.
func flushWrites(tx kvTx) error {
	if t, ok := tx.(*pgTx); ok {
		return t.flush()
	}
	return nil
}

// flush sends the pending writes and the sequences moved in one round
// trip: the puts in one statement (a pending write is the last of its key,
// so no two touch one key and their order does not matter; a statement for
// each write cost PostgreSQL several times the time), each delete in its
// own (see below). A write refused fails the transaction.
func (t *pgTx) flush() error {
	var seqBuckets []string
	var seqValues []int64
	for name, seq := range t.seqs {
		if seq.dirty {
			seqBuckets, seqValues = append(seqBuckets, name), append(seqValues, seq.value)
		}
	}
	if t.err != nil || len(t.pending) == 0 && len(seqBuckets) == 0 {
		return t.err
	}
	t.queries++
	var putBuckets, delBuckets []string
	var putKeys, putValues, delKeys [][]byte
	for _, w := range t.pending {
		if w.del {
			delBuckets, delKeys = append(delBuckets, w.bucket), append(delKeys, w.key)
		} else {
			putBuckets, putKeys, putValues = append(putBuckets, w.bucket), append(putKeys, w.key), append(putValues, w.value)
		}
	}
	b := &pgx.Batch{}
	if len(seqBuckets) > 0 {
		b.Queue(`INSERT INTO kv_sequences (bucket, value) SELECT * FROM unnest($1::text[], $2::bigint[])
		ON CONFLICT (bucket) DO UPDATE SET value = EXCLUDED.value`, seqBuckets, seqValues)
	}
	if len(putKeys) > 0 {
		b.Queue(`INSERT INTO kv (bucket, key, value) SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[])
		ON CONFLICT (bucket, key) DO UPDATE SET value = EXCLUDED.value`, putBuckets, putKeys, putValues)
	}
	// The deletes one by one: a statement over an array of keys is planned
	// once per connection (a prepared statement's generic plan), and when
	// that was while the table was small it kept a sequential scan as the
	// table grew (measured: 10x fewer messages a second, in some runs). A
	// key's delete is an index lookup whatever the plan.
	for i := range delKeys {
		b.Queue("DELETE FROM kv WHERE bucket = $1 AND key = $2", delBuckets[i], delKeys[i])
	}
	sent := t.pending
	t.pending, t.written, t.dirty = nil, nil, nil
	br := t.tx.SendBatch(t.ctx, b)
	for range b.Len() {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return t.fail(err)
		}
	}
	if err := br.Close(); err != nil {
		return t.fail(err)
	}
	for _, name := range seqBuckets {
		seq := t.seqs[name]
		seq.dirty = false
		t.seqs[name] = seq
	}
	// What was sent is what PostgreSQL now holds for those keys, and only
	// this transaction writes: a Get of one is answered here. (Not after
	// a flush of many writes, an import's or a purge's, which do not read
	// them again.)
	if len(sent) <= maxRememberSent {
		for _, w := range sent {
			if w.del {
				t.remember(pgKey{w.bucket, string(w.key)}, pgRead{})
			} else if len(w.value) <= maxReadBytes {
				t.remember(pgKey{w.bucket, string(w.key)}, pgRead{value: w.value, ok: true})
			}
		}
	}
	return nil
}

// maxRememberSent is the most writes a flush remembers as reads.
const maxRememberSent = 256

// pendingIn reports whether a pending write of bucket falls in the keys a
// cursor's page covers: after from (or from it, inclusive) up to and with
// to, or without end when to is nil.
func (t *pgTx) pendingIn(bucket string, from []byte, inclusive bool, to []byte) bool {
	if t.dirty[bucket] == 0 {
		return false
	}
	for _, w := range t.pending {
		if w.bucket != bucket {
			continue
		}
		c := bytes.Compare(w.key, from)
		if (c > 0 || inclusive && c == 0) && (to == nil || bytes.Compare(w.key, to) <= 0) {
			return true
		}
	}
	return false
}

// flushFor sends the pending writes before a read of bucket's keys that a
// pending write could change.
func (t *pgTx) flushFor(bucket string) error {
	if t.dirty[bucket] > 0 {
		return t.flush()
	}
	return t.err
}
