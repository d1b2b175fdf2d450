package app

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nabij-isk/nabij/school"
	"github.com/nabij-isk/nabij/store"
)

// BenchmarkStoreCheckAtOpen is what checking the store costs nabij at
// every start (store/check.go: the file read page by page, then bbolt's
// Tx.Check), on a school of NABIJ_CHECK_PUPILS pupils (default 20,000) with
// NABIJ_CHECK_WEEKS weeks of lists (default 40, a school year). The file
// is read from the page cache, as at a restart; a cold disk adds its read.
//
//	go test -run '^$' -bench StoreCheckAtOpen -benchtime 3x ./app
func BenchmarkStoreCheckAtOpen(b *testing.B) {
	pupils, weeks := envInt("NABIJ_CHECK_PUPILS", 20_000), envInt("NABIJ_CHECK_WEEKS", 40)
	holidays, _ := school.NationalHolidays(school.RegionMidden)
	cal := &school.Calendar{Holidays: holidays}
	dir := b.TempDir()
	setup := time.Now()
	buildSchool(b, dir, pupils, weeks, cal, school.Date{Year: 2027, Month: 6, Day: 25})
	info, err := os.Stat(filepath.Join(dir, store.FileName))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d pupils with %d weeks of lists in %v: a file of %d MB", pupils, weeks, time.Since(setup).Round(time.Second), info.Size()>>20)
	for b.Loop() {
		st, err := store.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		c := st.Checked()
		st.Close()
		b.ReportMetric(float64(c.Took.Milliseconds()), "check-ms")
		b.ReportMetric(float64(c.Bolt.Milliseconds()), "bbolt-check-ms")
		b.ReportMetric(float64(c.Pages), "pages")
		b.ReportMetric(float64(c.Bytes>>20), "file-MB")
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
