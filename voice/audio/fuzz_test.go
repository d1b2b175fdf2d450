package audio

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// framesUpTo is the start of an MP3 file, up to n bytes, ending at a frame's
// end: a seed that is decoded (it is over MinDuration), yet small, so that
// the fuzzer's runs and its minimizing of what it finds stay fast.
func framesUpTo(b []byte, n int) []byte {
	end := 0
	if bytes.HasPrefix(b, []byte("ID3")) && len(b) >= 10 {
		end = 10 + int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9])
	}
	for end < len(b) {
		h, ok := parseFrameHeader(b[end:])
		if !ok || end+h.size() > n {
			break
		}
		end += h.size()
	}
	return b[:end]
}

// Check answers any file with an Info it vouches for or a *Refusal: never a
// panic, a hang or another error. Seeded with the MP3 fixtures and small
// WAV files of each encoding. make fuzz runs it with -fuzzminimizetime 10s:
// an MP3 input is decoded, slowly under the fuzzer's instrumentation, and
// the default minute of minimizing each new input would take most of a
// short run.
func FuzzCheck(f *testing.F) {
	files, err := filepath.Glob("testdata/*.mp3")
	if err != nil || len(files) == 0 {
		f.Fatalf("no MP3 fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(framesUpTo(b, 5<<10))
	}
	for _, s := range []wavSpec{
		{rate: 8000, channels: 1, bits: 8},
		{rate: 8000, channels: 1, bits: 16},
		{rate: 8000, channels: 2, bits: 24, extensible: true},
		{rate: 8000, channels: 1, bits: 32, float: true},
		{rate: 8000, channels: 1, bits: 64, float: true, claim: 1 << 30},
		{rate: 8000, channels: 1, bits: 8, tag: 7},
	} {
		f.Add(makeWAV(s, 2100*time.Millisecond, tone(-12)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Check(bytes.NewReader(b), 1<<20)
		if err != nil {
			var ref *Refusal
			if !errors.As(err, &ref) || ref.Error() == "" {
				t.Fatalf("Check = %v, want a refusal or none", err)
			}
			return
		}
		levels := []float64{info.PeakDBFS, info.LoudnessDBFS, info.ClippedPercent}
		for _, x := range levels {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("Check took a file with levels %v", levels)
			}
		}
		if info.Format.ContentType() == "" || info.ContentType != info.Format.ContentType() ||
			info.Duration < MinDuration || info.Duration > MaxDuration ||
			info.PeakDBFS < SilentPeakDBFS || info.LoudnessDBFS < QuietLoudnessDBFS || info.ClippedPercent > ClippedPercent ||
			info.Channels < 1 || info.Channels > 2 || info.SampleRate < 8000 || info.Size != int64(len(b)) {
			t.Fatalf("Check took %+v", info)
		}
	})
}
