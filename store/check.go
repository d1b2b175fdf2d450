package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A store file can be damaged under nabij: a disk that filled while a
// backup was copied back, a file emptied by a careless `>`, a bad sector.
// bbolt trusts its file: it reads its pages through a memory map, so a file
// shorter than its pages say is a SIGBUS, and a page of garbage is a panic,
// or worse, wrong data. So before bbolt opens an existing file, nabij reads
// it itself, with plain reads: the file is not empty, a meta page is whole
// (magic, version, checksum), the file holds every page the meta page
// counts, and every page reachable from the root (buckets, branches,
// leaves, the freelist) is in the file, is the page it claims to be, and
// has its elements inside it. Only then does bbolt's own consistency check
// (Tx.Check: every page reachable once or free, keys in order) run.

// ErrDamaged is a store file that is empty, cut short or inconsistent.
var ErrDamaged = errors.New("the store is damaged")

// DamagedError says which file is damaged and how.
type DamagedError struct {
	Path   string
	Reason string
}

func (e *DamagedError) Error() string { return fmt.Sprintf("%s is damaged: %s", e.Path, e.Reason) }

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// CheckStats is what checking a store file found and cost.
type CheckStats struct {
	Bytes int64         // the file's size
	Pages int           // the pages in use
	Took  time.Duration // both checks: the file read by nabij, then bbolt's
	Bolt  time.Duration // bbolt's check alone
}

// bbolt's file format (go.etcd.io/bbolt/internal/common), in the machine's
// byte order (little-endian on every platform nabij is built for).
const (
	pageHeaderSize  = 16
	elementSize     = 16 // a branch or a leaf element
	flagBranch      = 0x01
	flagLeaf        = 0x02
	flagMeta        = 0x04
	flagFreelist    = 0x10
	flagBucketValue = 0x01
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	noFreelist      = ^uint64(0)
	maxDepth        = 64 // a b+tree of 4 KB pages this deep holds more than any disk
)

var le = binary.LittleEndian

type boltMeta struct {
	pageSize         uint32
	root, freelist   uint64
	highWater, txid  uint64
	valid            bool
	checksumMismatch bool
}

func readMeta(b []byte) boltMeta {
	if len(b) < pageHeaderSize+64 {
		return boltMeta{}
	}
	m := b[pageHeaderSize:]
	if le.Uint16(b[8:]) != flagMeta || le.Uint32(m) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}
	}
	h := fnv.New64a()
	h.Write(m[:56])
	meta := boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		highWater: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if h.Sum64() != le.Uint64(m[56:]) {
		meta.checksumMismatch = true
		return meta
	}
	meta.valid = meta.pageSize >= 512 && meta.pageSize <= 1<<20 && meta.pageSize&(meta.pageSize-1) == 0
	return meta
}

// checkFile reads the store file at path with plain reads and says whether
// bbolt may map it: see above. It finds no damage bbolt's check would not,
// but it finds it without a SIGBUS or a panic.
func checkFile(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	damaged := func(format string, args ...any) (int, error) {
		return 0, &DamagedError{Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	size := info.Size()
	if size == 0 {
		return damaged("the file is empty (0 bytes), and only a missing file is a new store")
	}
	head := make([]byte, 4096)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	m0 := readMeta(head[:n])
	var m1 boltMeta
	// The second meta page is one page in; the first, when it is bad, does
	// not say how long a page is, so try the sizes bbolt allows.
	for ps := int64(512); ps <= 1<<16; ps *= 2 {
		if m0.valid && ps != int64(m0.pageSize) {
			continue
		}
		buf := make([]byte, pageHeaderSize+64)
		if n, _ := f.ReadAt(buf, ps); n == len(buf) {
			if m := readMeta(buf); m.valid && (!m0.valid || m.pageSize == m0.pageSize) {
				m1 = m
				break
			}
		}
	}
	meta := m0
	if !m0.valid || (m1.valid && m1.txid > m0.txid) {
		meta = m1
	}
	if !meta.valid {
		if size < 2*512 {
			return damaged("the file is %d bytes, too short to be a store", size)
		}
		if m0.checksumMismatch || m1.checksumMismatch {
			return damaged("both meta pages fail their checksum")
		}
		return damaged("it is not a bbolt file (no valid meta page)")
	}
	ps := int64(meta.pageSize)
	if need := int64(meta.highWater) * ps; meta.highWater < 2 || need > size || need/ps != int64(meta.highWater) {
		return damaged("the file is %d bytes, but its pages need %d: it was cut short", size, int64(meta.highWater)*ps)
	}
	c := &fileChecker{f: f, pageSize: ps, highWater: meta.highWater, seen: make([]uint64, (meta.highWater+63)/64)}
	if err := c.bucket(meta.root, nil, 0); err != nil {
		return damaged("%v", err)
	}
	if meta.freelist != noFreelist {
		if err := c.freelist(meta.freelist); err != nil {
			return damaged("%v", err)
		}
	}
	return c.pages, nil
}

type fileChecker struct {
	f         *os.File
	pageSize  int64
	highWater uint64
	seen      []uint64 // a bit per page
	pages     int
	bufs      [maxDepth + 2][]byte // a page's bytes at each depth of the walk
}

// page reads page id whole (with its overflow pages), once, into the
// buffer of depth (valid until the walk comes back to that depth).
func (c *fileChecker) page(id uint64, depth int) ([]byte, error) {
	if id < 2 || id >= c.highWater {
		return nil, fmt.Errorf("a page number (%d) outside the file's %d pages", id, c.highWater)
	}
	if c.seen[id/64]&(1<<(id%64)) != 0 {
		return nil, fmt.Errorf("page %d is reached twice", id)
	}
	if c.bufs[depth] == nil {
		c.bufs[depth] = make([]byte, c.pageSize)
	}
	b := c.bufs[depth][:c.pageSize]
	if _, err := c.f.ReadAt(b, int64(id)*c.pageSize); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	if got := le.Uint64(b); got != id {
		return nil, fmt.Errorf("page %d holds page %d's header: it is garbage or misplaced", id, got)
	}
	overflow := uint64(le.Uint32(b[12:]))
	if id+overflow >= c.highWater {
		return nil, fmt.Errorf("page %d runs %d pages past the end of the data", id, id+overflow+1-c.highWater)
	}
	for p := id; p <= id+overflow; p++ {
		if c.seen[p/64]&(1<<(p%64)) != 0 {
			return nil, fmt.Errorf("page %d is reached twice", p)
		}
		c.seen[p/64] |= 1 << (p % 64)
	}
	c.pages += int(overflow) + 1
	if overflow > 0 {
		size := int64(overflow+1) * c.pageSize
		if int64(cap(c.bufs[depth])) < size {
			grown := make([]byte, size)
			copy(grown, b)
			c.bufs[depth] = grown
		}
		b = c.bufs[depth][:size]
		if _, err := c.f.ReadAt(b[c.pageSize:], int64(id+1)*c.pageSize); err != nil {
			return nil, fmt.Errorf("page %d: %w", id, err)
		}
	}
	return b, nil
}

// bucket checks a bucket whose root is page root, or, when root is 0, the
// inline page inline.
func (c *fileChecker) bucket(root uint64, inline []byte, depth int) error {
	if root == 0 {
		if len(inline) < pageHeaderSize || le.Uint16(inline[8:]) != flagLeaf {
			return errors.New("an inline bucket that is not a leaf")
		}
		return c.elements(0, inline, depth)
	}
	return c.node(root, depth)
}

func (c *fileChecker) node(id uint64, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("page %d: the tree is deeper than %d", id, maxDepth)
	}
	b, err := c.page(id, depth)
	if err != nil {
		return err
	}
	return c.elements(id, b, depth)
}

// elements checks the elements of a branch or leaf page b (page id, 0 for
// an inline page) lie inside it, and goes down to the pages they name.
func (c *fileChecker) elements(id uint64, b []byte, depth int) error {
	flags, count := le.Uint16(b[8:]), int(le.Uint16(b[10:]))
	if flags != flagBranch && flags != flagLeaf {
		return fmt.Errorf("page %d: not a branch or leaf page (flags %#x)", id, flags)
	}
	if pageHeaderSize+count*elementSize > len(b) {
		return fmt.Errorf("page %d: %d elements do not fit in it", id, count)
	}
	for i := range count {
		at := pageHeaderSize + i*elementSize
		e := b[at : at+elementSize]
		if flags == flagBranch {
			pos, ksize := uint64(le.Uint32(e)), uint64(le.Uint32(e[4:]))
			if uint64(at)+pos+ksize > uint64(len(b)) {
				return fmt.Errorf("page %d: element %d lies outside the page", id, i)
			}
			if err := c.node(le.Uint64(e[8:]), depth+1); err != nil {
				return err
			}
			continue
		}
		eflags, pos, ksize, vsize := le.Uint32(e), uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
		end := uint64(at) + pos + ksize + vsize
		if end > uint64(len(b)) {
			return fmt.Errorf("page %d: element %d lies outside the page", id, i)
		}
		if eflags&flagBucketValue != 0 {
			v := b[uint64(at)+pos+ksize : end]
			if len(v) < 16 {
				return fmt.Errorf("page %d: element %d: a bucket without its header", id, i)
			}
			if err := c.bucket(le.Uint64(v), v[16:], depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *fileChecker) freelist(id uint64) error {
	b, err := c.page(id, 0)
	if err != nil {
		return fmt.Errorf("the freelist: %w", err)
	}
	if le.Uint16(b[8:]) != flagFreelist {
		return fmt.Errorf("the freelist's page %d is not a freelist page", id)
	}
	start, count := pageHeaderSize, uint64(le.Uint16(b[10:]))
	if count == 0xFFFF {
		count, start = le.Uint64(b[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > uint64(len(b)-start)/8 {
		return fmt.Errorf("the freelist's page %d counts %d pages it has no room for", id, count)
	}
	for i := range int(count) {
		if p := le.Uint64(b[start+8*i:]); p < 2 || p >= c.highWater {
			return fmt.Errorf("the freelist names page %d, outside the file's %d pages", p, c.highWater)
		}
	}
	return nil
}

// boltCheck runs bbolt's own consistency check in tx and returns its first
// finding, if any.
func boltCheck(path string, tx *bolt.Tx) error {
	var first error
	for err := range tx.Check() {
		if first == nil {
			first = err
		}
	}
	if first != nil {
		return &DamagedError{Path: path, Reason: first.Error()}
	}
	return nil
}

// Check checks the store file at path, which no process may be writing:
// both checks, as Open runs them.
func Check(path string) (CheckStats, error) {
	start := time.Now()
	unlock, err := lockShared(path)
	if err != nil {
		return CheckStats{}, err
	}
	defer unlock()
	pages, err := checkFile(path)
	if err != nil {
		return CheckStats{}, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return CheckStats{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	boltStart := time.Now()
	if err := db.View(func(tx *bolt.Tx) error { return boltCheck(path, tx) }); err != nil {
		return CheckStats{}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return CheckStats{}, err
	}
	return CheckStats{Bytes: info.Size(), Pages: pages, Took: time.Since(start), Bolt: time.Since(boltStart)}, nil
}

// Partial files: a backup or a restore writes into a temporary file beside
// its target, locked while it is written, and renames it when it is whole.
// One killed half-way leaves its temporary file; the next backup into that
// folder, and nabij's start (for its data directory), remove it.
const (
	partialBackup  = ".nabij-backup-*"
	partialRestore = ".nabij-restore-*"
)

// RemovePartial removes the partial backups and restores a killed process
// left in dir; a file still being written (locked) is left alone.
func RemovePartial(dir string) ([]string, error) {
	var removed []string
	for _, pattern := range []string{partialBackup, partialRestore} {
		names, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return removed, err
		}
		for _, name := range names {
			f, err := os.Open(name)
			if err != nil {
				continue
			}
			busy := tryLock(f) != nil
			if !busy {
				if err := os.Remove(name); err == nil {
					removed = append(removed, name)
				}
			}
			f.Close()
		}
	}
	return removed, nil
}
