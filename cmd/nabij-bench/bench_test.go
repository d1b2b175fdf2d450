package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
)

// TestMain lets the test binary be the ceiling child, as the bench's own
// binary is: ceilingInChild runs os.Executable again with childEnv.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		runChild()
		return
	}
	os.Exit(m.Run())
}

// The ceiling child runs at the GOGC cmd/nabij sets for itself.
func TestGCPercentIsNabijs(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "nabij", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^const gcPercent = (\d+)$`).FindSubmatch(src)
	if m == nil {
		t.Fatal("cmd/nabij/main.go has no `const gcPercent = N`: how does nabij set its GOGC now? The ceiling child must follow it")
	}
	if got, _ := strconv.Atoi(string(m[1])); got != nabijGCPercent {
		t.Errorf("cmd/nabij's gcPercent is %d, the ceiling child's nabijGCPercent %d", got, nabijGCPercent)
	}
}

func TestCeilingRunsInAChild(t *testing.T) {
	if testing.Short() {
		t.Skip("writes to a store for a moment")
	}
	res, err := ceilingInChild(context.Background(), &stores{kind: storeBbolt}, filepath.Join(t.TempDir(), "data"), "ceiling", 2*classSize*mentors, 300*time.Millisecond, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.ok == 0 || len(res.lat) != res.ok || res.elapsed <= 0 {
		t.Errorf("the child wrote %d lists with %d latencies in %s", res.ok, len(res.lat), res.elapsed)
	}
}

func TestParseStore(t *testing.T) {
	if k, err := parseStore("bbolt"); err != nil || k != storeBbolt {
		t.Errorf("bbolt: %q, %v", k, err)
	}
	if k, err := parseStore("postgres"); err != nil || k != storePostgres {
		t.Errorf("postgres: %q, %v", k, err)
	}
	if _, err := parseStore("sqlite"); err == nil {
		t.Error("sqlite accepted")
	}
}

func TestParseRoundTrip(t *testing.T) {
	for _, c := range []struct {
		in     string
		lo, hi time.Duration
		bad    bool
	}{
		{in: "200ms", lo: 200 * time.Millisecond, hi: 200 * time.Millisecond},
		{in: "150ms-300ms", lo: 150 * time.Millisecond, hi: 300 * time.Millisecond},
		{in: "0s", lo: 0, hi: 0},
		{in: "300ms-150ms", bad: true},
		{in: "fast", bad: true},
	} {
		lo, hi, err := parseRoundTrip(c.in)
		if (err != nil) != c.bad || (!c.bad && (lo != c.lo || hi != c.hi)) {
			t.Errorf("%q: %s, %s, %v", c.in, lo, hi, err)
		}
	}
}

// A morning of the 5,000-pupil school is the alerts asked for, each class's
// list naming distinct pupils of that class only, the pupils turning by day.
func TestMorningLists(t *testing.T) {
	sch := newSchool(5000)
	per := sch.absentPerClass(400)
	total := 0
	for ci, c := range sch.classes {
		l := sch.morningList(c, per(ci), 3)
		if len(l) != per(ci) {
			t.Fatalf("class %s: %d absences, want %d", c, len(l), per(ci))
		}
		seen := map[string]bool{}
		for _, a := range l {
			if seen[a.Student] || a.Kind != school.Absent {
				t.Fatalf("class %s: %+v twice or not absent", c, a)
			}
			seen[a.Student] = true
			found := false
			for _, id := range sch.pupils[c] {
				found = found || id == a.Student
			}
			if !found {
				t.Fatalf("class %s lists %s, not of the class", c, a.Student)
			}
		}
		total += len(l)
	}
	if total != 400 {
		t.Errorf("the morning has %d absences, want 400", total)
	}
	if a, b := sch.morningList("k000", 3, 0), sch.morningList("k000", 3, 1); a[0] == b[0] {
		t.Errorf("the same pupil is first absent on two days: %v, %v", a, b)
	}
}

func TestWorkersFor(t *testing.T) {
	for _, c := range []struct {
		n     int
		rtt   time.Duration
		limit time.Duration
		want  int
	}{
		{400, 200 * time.Millisecond, 50 * time.Second, 2},
		{400, 200 * time.Millisecond, 80 * time.Second, 1},
		{5000, 250 * time.Millisecond, 50 * time.Second, 25},
	} {
		if got := workersFor(c.n, c.rtt, c.limit); got != c.want {
			t.Errorf("workersFor(%d, %s, %s) = %d, want %d", c.n, c.rtt, c.limit, got, c.want)
		}
	}
}

func TestTreeLabel(t *testing.T) {
	if got := (tree{commit: "31e449b"}).label(); got != "31e449b" {
		t.Errorf("clean: %q", got)
	}
	if got := (tree{commit: "31e449b", changed: 2}).label(); got != "31e449b+dirty" {
		t.Errorf("dirty: %q", got)
	}
}

// The bench's temp dir is on a filesystem it can name; /dev/shm, where
// Linux has it, is tmpfs and said to be.
func TestFilesystem(t *testing.T) {
	if name, _ := filesystem(t.TempDir()); strings.HasPrefix(name, "unknown") {
		t.Errorf("temp dir: %s", name)
	}
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("no /dev/shm")
	}
	if name, tmpfs := filesystem("/dev/shm"); !tmpfs || name != "tmpfs" {
		t.Errorf("/dev/shm: %s, tmpfs %v", name, tmpfs)
	}
}

// Every worker does all its work when the work is exactly maxOps (the
// morning's 167 lists), and an endless load stops near maxOps.
func TestRunLoadCount(t *testing.T) {
	for range 20 {
		total := 0
		for w := range 8 {
			total += w + 1
		}
		res := runLoad(context.Background(), 8, time.Minute, total, func(w, i int) (bool, error) {
			if i > w {
				return false, nil
			}
			runtime.Gosched()
			return true, nil
		})
		if res.ok != total || res.failed != 0 {
			t.Fatalf("%d of %d done (%d failed)", res.ok, total, res.failed)
		}
	}
	// A worker with no work, looking while another takes its last list,
	// does not stop that one: worker 0 has none and answers so only once
	// worker 1 is at its second (and last) list; worker 1 must do both.
	atSecond, zeroLooking := make(chan struct{}), make(chan struct{})
	res := runLoad(context.Background(), 2, time.Minute, 2, func(w, i int) (bool, error) {
		if w == 0 {
			close(zeroLooking)
			select {
			case <-atSecond:
			case <-time.After(2 * time.Second): // worker 1 stopped short
			}
			return false, nil
		}
		switch i {
		case 0:
			<-zeroLooking
		case 1:
			close(atSecond)
		}
		return i < 2, nil
	})
	if res.ok != 2 {
		t.Errorf("worker 1 did %d of its 2 lists", res.ok)
	}
	res = runLoad(context.Background(), 8, time.Minute, 100, func(w, i int) (bool, error) { return true, nil })
	if res.ok < 100 || res.ok > 100+7 {
		t.Errorf("an endless load did %d, want 100 to 107", res.ok)
	}
}
