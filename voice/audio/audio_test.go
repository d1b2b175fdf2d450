package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// wavSpec is a WAV file a test makes.
type wavSpec struct {
	rate, channels, bits int
	float                bool
	extensible           bool
	tag                  uint16 // a format tag other than PCM or float (µ-law…); its samples are written as PCM
	claim                int64  // the data chunk's claimed size; 0: the size written
	before               []byte // chunks before the fmt chunk
}

// makeWAV writes d of wave (a function of the time in seconds, 1 = full
// scale, clamped to the encoding's range) in every channel.
func makeWAV(s wavSpec, d time.Duration, wave func(t float64) float64) []byte {
	frames := int(int64(d) * int64(s.rate) / int64(time.Second))
	width := s.bits / 8
	data := make([]byte, 0, frames*s.channels*width)
	le := binary.LittleEndian
	clamp := func(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, math.Round(x))) }
	for i := range frames {
		x := wave(float64(i) / float64(s.rate))
		for range s.channels {
			switch {
			case s.float && s.bits == 32:
				data = le.AppendUint32(data, math.Float32bits(float32(x)))
			case s.float:
				data = le.AppendUint64(data, math.Float64bits(x))
			case s.bits == 8:
				data = append(data, byte(clamp(x*128+128, 0, 255)))
			case s.bits == 16:
				data = le.AppendUint16(data, uint16(int16(clamp(x*32768, -32768, 32767))))
			case s.bits == 24:
				v := uint32(int32(clamp(x*(1<<23), -(1 << 23), 1<<23-1)))
				data = append(data, byte(v), byte(v>>8), byte(v>>16))
			case s.bits == 32:
				data = le.AppendUint32(data, uint32(int32(clamp(x*(1<<31), -(1<<31), 1<<31-1))))
			}
		}
	}
	tag := uint16(wavPCM)
	if s.float {
		tag = wavFloat
	}
	if s.tag != 0 {
		tag = s.tag
	}
	fmtChunk := le.AppendUint16(nil, tag)
	if s.extensible {
		fmtChunk = le.AppendUint16(nil, wavExtensible)
	}
	fmtChunk = le.AppendUint16(fmtChunk, uint16(s.channels))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(s.rate))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(s.rate*s.channels*width))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(s.channels*width))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(s.bits))
	if s.extensible {
		fmtChunk = le.AppendUint16(fmtChunk, 22)
		fmtChunk = le.AppendUint16(fmtChunk, uint16(s.bits))
		fmtChunk = le.AppendUint32(fmtChunk, 0)
		fmtChunk = le.AppendUint16(fmtChunk, tag)
		fmtChunk = append(fmtChunk, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"...)
	}
	claim := uint32(len(data))
	if s.claim != 0 {
		claim = uint32(s.claim)
	}
	out := []byte("RIFF\x00\x00\x00\x00WAVE")
	out = append(out, s.before...)
	out = append(out, "fmt "...)
	out = le.AppendUint32(out, uint32(len(fmtChunk)))
	out = append(out, fmtChunk...)
	out = append(out, "data"...)
	out = le.AppendUint32(out, claim)
	out = append(out, data...)
	le.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// tone is a 440 Hz sine peaking at peakDBFS.
func tone(peakDBFS float64) func(float64) float64 {
	a := math.Pow(10, peakDBFS/20)
	return func(t float64) float64 { return a * math.Sin(2*math.Pi*440*t) }
}

// silence is digital silence.
func silence(float64) float64 { return 0 }

// mono16 is 16 kHz 16-bit mono, the test's usual WAV.
var mono16 = wavSpec{rate: 16000, channels: 1, bits: 16}

// near fails unless got is within tol of want.
func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.3f, want %.3f ± %.3f", what, got, want, tol)
	}
}

// checkBytes checks b with the default limit.
func checkBytes(t *testing.T, b []byte) (Info, error) {
	t.Helper()
	return Check(bytes.NewReader(b), DefaultLimit)
}

// refusal fails unless err is a *Refusal of reason whose message holds
// every one of says, and returns it.
func refusal(t *testing.T, err error, reason Reason, says ...string) *Refusal {
	t.Helper()
	var ref *Refusal
	if !errors.As(err, &ref) {
		t.Fatalf("Check answered %v, want a *Refusal of %s", err, reason)
	}
	if ref.Reason != reason || !errors.Is(err, reason) {
		t.Fatalf("refused for %s (%v), want %s", ref.Reason, err, reason)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the refusal says %q, which does not say %q", err, s)
		}
	}
	return ref
}

// A 440 Hz tone at −12 dBFS is taken in every WAV encoding nabij takes, and
// measured the same in each: its sine's RMS is 3 dB under its peak.
func TestWAVEncodingsAreTaken(t *testing.T) {
	cases := []struct {
		name     string
		spec     wavSpec
		encoding string
	}{
		{"16-bit mono", mono16, "16-bit PCM"},
		{"8-bit mono", wavSpec{rate: 8000, channels: 1, bits: 8}, "8-bit PCM"},
		{"24-bit stereo", wavSpec{rate: 48000, channels: 2, bits: 24}, "24-bit PCM"},
		{"float32", wavSpec{rate: 44100, channels: 1, bits: 32, float: true}, "32-bit float"},
		{"float64", wavSpec{rate: 22050, channels: 2, bits: 64, float: true}, "64-bit float"},
		{"extensible 16-bit stereo", wavSpec{rate: 44100, channels: 2, bits: 16, extensible: true}, "16-bit PCM"},
		{"a chunk before fmt", wavSpec{rate: 16000, channels: 1, bits: 16, before: []byte("JUNK\x03\x00\x00\x00abc\x00")}, "16-bit PCM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := makeWAV(c.spec, 3*time.Second, tone(-12))
			info, err := checkBytes(t, b)
			if err != nil {
				t.Fatal(err)
			}
			want := Info{Format: WAV, ContentType: "audio/wav", Encoding: c.encoding, Size: int64(len(b)),
				Duration: 3 * time.Second, SampleRate: c.spec.rate, Channels: c.spec.channels}
			got := info
			got.PeakDBFS, got.LoudnessDBFS, got.ClippedPercent = 0, 0, 0
			if got != want {
				t.Errorf("Check = %+v, want %+v", got, want)
			}
			near(t, "PeakDBFS", info.PeakDBFS, -12, 0.1)
			near(t, "LoudnessDBFS", info.LoudnessDBFS, -15.05, 0.1)
			if info.ClippedPercent != 0 {
				t.Errorf("ClippedPercent = %v, want 0", info.ClippedPercent)
			}
		})
	}
}

// The loudness is that of the speech, not of the pauses between: a tone
// that sounds half the time, with silence or room noise at −55 dBFS
// between, measures as the tone does (an RMS over the whole file would be
// 3 dB lower).
func TestLoudnessIsOfTheVoicedPart(t *testing.T) {
	noise := rand.New(rand.NewPCG(1, 2))
	for _, floor := range []float64{0, math.Pow(10, -55.0/20)} {
		wave := func(t float64) float64 {
			if int(t*2)%2 == 0 { // 0.5 s on, 0.5 s off
				return tone(-12)(t)
			}
			return floor * (2*noise.Float64() - 1)
		}
		info, err := checkBytes(t, makeWAV(mono16, 6*time.Second, wave))
		if err != nil {
			t.Fatal(err)
		}
		near(t, "LoudnessDBFS", info.LoudnessDBFS, -15.05, 0.1)
	}
}

// Each refusal of a WAV file, with its reason and its words.
func TestWAVRefusals(t *testing.T) {
	spikes := func(every int) func(float64) float64 {
		return func(t float64) float64 {
			if int(math.Round(t*16000))%every == 0 {
				return 1
			}
			return tone(-12)(t)
		}
	}
	square := func(t float64) float64 { return math.Copysign(1, math.Sin(2*math.Pi*300*t)) }
	le := binary.LittleEndian
	nan := makeWAV(wavSpec{rate: 16000, channels: 1, bits: 32, float: true}, 3*time.Second, tone(-12))
	le.PutUint32(nan[len(nan)-400:], math.Float32bits(float32(math.NaN())))

	cases := []struct {
		name   string
		file   []byte
		reason Reason
		says   []string
		then   func(t *testing.T, r *Refusal)
	}{
		{"silence", makeWAV(mono16, 4*time.Second, silence), ErrSilent,
			[]string{"nothing audible was recorded", "-120 dBFS"},
			func(t *testing.T, r *Refusal) { near(t, "PeakDBFS", r.Info.PeakDBFS, FloorDBFS, 0) }},
		{"a tone at -45 dBFS", makeWAV(mono16, 4*time.Second, tone(-45)), ErrSilent,
			[]string{"nothing audible", "-45 dBFS"}, nil},
		{"a tone at -38 dBFS", makeWAV(mono16, 4*time.Second, tone(-38)), ErrTooQuiet,
			[]string{"too quiet to hear on a phone", "-41 dBFS", "record closer to the microphone"},
			func(t *testing.T, r *Refusal) { near(t, "LoudnessDBFS", r.Info.LoudnessDBFS, -41.05, 0.1) }},
		{"a full-scale square wave", makeWAV(mono16, 3*time.Second, square), ErrClipped,
			[]string{"distorted", "100.0 %", "record further from the microphone"}, nil},
		{"2 % of the samples at full scale", makeWAV(mono16, 3*time.Second, spikes(50)), ErrClipped,
			[]string{"2.0 %"}, nil},
		{"1.5 s", makeWAV(mono16, 1500*time.Millisecond, tone(-12)), ErrTooShort,
			[]string{"the recording is 1.5s long; with less than 2s there is no message in it"}, nil},
		{"95 s", makeWAV(wavSpec{rate: 8000, channels: 1, bits: 8}, 95*time.Second, tone(-12)), ErrTooLong,
			[]string{"the recording is 95s long; a message may be at most 90s"}, nil},
		{"2 h claimed, 3 s there", makeWAV(wavSpec{rate: 16000, channels: 1, bits: 16, claim: 2 * 3600 * 16000 * 2}, 3*time.Second, tone(-12)),
			ErrCorrupt, []string{"cut short", "promises 2h0m0s of sound and it holds 3s"},
			func(t *testing.T, r *Refusal) {
				if r.Info.Duration != 3*time.Second {
					t.Errorf("Duration = %v, want the 3s there", r.Info.Duration)
				}
			}},
		{"a chunk whose size runs past the end", makeWAV(wavSpec{rate: 16000, channels: 1, bits: 16, before: []byte("LIST\xff\xff\xff\xff")}, 3*time.Second, tone(-12)),
			ErrCorrupt, []string{"cut short in its chunk \"LIST\""}, nil},
		{"no data chunk", []byte("RIFF\x04\x00\x00\x00WAVE"), ErrCorrupt, []string{"no data chunk"}, nil},
		{"sound before its format", []byte("RIFF\x10\x00\x00\x00WAVEdata\x04\x00\x00\x00\x00\x00\x00\x00"), ErrCorrupt,
			[]string{"before its format chunk"}, nil},
		{"not numbers", nan, ErrCorrupt, []string{"not numbers"}, nil},
		{"µ-law", makeWAV(wavSpec{rate: 8000, channels: 1, bits: 8, tag: 7}, 3*time.Second, tone(-12)), ErrUnsupportedEncoding,
			[]string{"the WAV file holds µ-law audio; save it again as 16-bit PCM WAV or as MP3"}, nil},
		{"IMA ADPCM", makeWAV(wavSpec{rate: 8000, channels: 1, bits: 8, tag: 0x11, extensible: true}, 3*time.Second, tone(-12)), ErrUnsupportedEncoding,
			[]string{"IMA ADPCM"}, nil},
		{"32-bit integer PCM", makeWAV(wavSpec{rate: 16000, channels: 1, bits: 32}, 3*time.Second, tone(-12)), ErrUnsupportedEncoding,
			[]string{"32-bit integer PCM"}, nil},
		{"six channels", makeWAV(wavSpec{rate: 16000, channels: 6, bits: 16}, 3*time.Second, tone(-12)), ErrUnsupportedEncoding,
			[]string{"6 channels"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := checkBytes(t, c.file)
			r := refusal(t, err, c.reason, c.says...)
			if r.Info != info {
				t.Errorf("the refusal's Info %+v is not Check's %+v", r.Info, info)
			}
			if c.then != nil {
				c.then(t, r)
			}
		})
	}

	// Under the clipping limit, a loud voice that touches full scale now
	// and then is taken.
	info, err := checkBytes(t, makeWAV(mono16, 3*time.Second, spikes(200)))
	if err != nil {
		t.Fatalf("0.5 %% at full scale: %v", err)
	}
	near(t, "ClippedPercent", info.ClippedPercent, 0.5, 0.01)
}

// A twenty-minute recording is refused for its length, in minutes.
func TestTwentyMinutes(t *testing.T) {
	b := makeWAV(wavSpec{rate: 8000, channels: 1, bits: 8}, 0, silence)
	b = append(b, bytes.Repeat([]byte{128}, 20*60*8000)...)
	binary.LittleEndian.PutUint32(b[len(b)-20*60*8000-4:], 20*60*8000)
	_, err := checkBytes(t, b)
	refusal(t, err, ErrTooLong, "the recording is 20m0s long; a message may be at most 90s")
}

// The MP3 fixtures (testdata/README.md says how each was made).
func TestMP3Fixtures(t *testing.T) {
	taken := func(peak, loudness float64) func(*testing.T, Info) {
		return func(t *testing.T, info Info) {
			if info.Format != MP3 || info.ContentType != "audio/mpeg" || info.Channels != 1 || info.SampleRate != 16000 ||
				info.Encoding != "MPEG-2 Layer III, 16 kbit/s" {
				t.Errorf("Check = %+v, want a mono MPEG-2 Layer III at 16 kHz, 16 kbit/s", info)
			}
			near(t, "PeakDBFS", info.PeakDBFS, peak, 0.5)
			near(t, "LoudnessDBFS", info.LoudnessDBFS, loudness, 0.5)
		}
	}
	cases := []struct {
		file     string
		duration time.Duration // the sound, and the encoder's delay and padding (under 0.15 s)
		reason   Reason
		says     []string
		then     func(*testing.T, Info)
	}{
		{"tone.mp3", 5 * time.Second, "", nil, taken(-12, -15)},
		{"id3.mp3", 5 * time.Second, "", nil, taken(-12, -15)},
		{"speech.mp3", 6 * time.Second, "", nil, taken(-6, -22)},
		{"vbr.mp3", 6 * time.Second, "", nil, func(t *testing.T, info Info) {
			if !strings.HasPrefix(info.Encoding, "MPEG-2 Layer III, variable bitrate, about ") {
				t.Errorf("Encoding = %q, want a variable bitrate", info.Encoding)
			}
			near(t, "LoudnessDBFS", info.LoudnessDBFS, -22, 0.5)
		}},
		{"silence.mp3", 4 * time.Second, ErrSilent, []string{"nothing audible was recorded"}, nil},
		{"quiet.mp3", 5 * time.Second, ErrTooQuiet, []string{"too quiet to hear on a phone", "-41 dBFS"}, nil},
		{"clipped.mp3", 4 * time.Second, ErrClipped, []string{"distorted"}, nil},
		{"long.mp3", 95 * time.Second, ErrTooLong, []string{"the recording is 95.1s long; a message may be at most 90s"},
			func(t *testing.T, info Info) {
				if info.PeakDBFS != 0 {
					t.Errorf("PeakDBFS = %v: a file too long was decoded", info.PeakDBFS)
				}
			}},
		{"mpeg25.mp3", 0, ErrUnsupportedEncoding, []string{"MPEG-2.5 at 8000 Hz"}, nil},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			info, err := checkBytes(t, b)
			if c.reason == "" && err != nil {
				t.Fatal(err)
			}
			if c.reason != "" {
				refusal(t, err, c.reason, c.says...)
			}
			if info.Duration < c.duration || info.Duration > c.duration+150*time.Millisecond {
				t.Errorf("Duration = %v, want %v", info.Duration, c.duration)
			}
			if info.Size != int64(len(b)) {
				t.Errorf("Size = %d, want %d", info.Size, len(b))
			}
			if c.then != nil {
				c.then(t, info)
			}
		})
	}
}

// frameEnds are the offsets at which the frames of an MP3 file end.
func frameEnds(t *testing.T, b []byte) []int {
	t.Helper()
	var ends []int
	for pos := 0; ; {
		h, ok := parseFrameHeader(b[pos:])
		if !ok {
			return ends
		}
		pos += h.size()
		ends = append(ends, pos)
	}
}

// An MP3 file cut short is refused: within a frame, and at a frame's end,
// where the encoder's Xing tag says how many frames there should be.
func TestTruncatedMP3(t *testing.T) {
	b, err := os.ReadFile("testdata/vbr.mp3")
	if err != nil {
		t.Fatal(err)
	}
	ends := frameEnds(t, b) // the first frame is the Xing tag's
	frames := func(n int) string { return seconds(time.Duration(n) * 576 * time.Second / 16000) }
	half := len(ends) / 2
	_, err = checkBytes(t, b[:ends[half]+20])
	refusal(t, err, ErrCorrupt, "the file is cut short after "+frames(half))
	_, err = checkBytes(t, b[:ends[half]])
	refusal(t, err, ErrCorrupt, "the file is cut short: its header promises "+frames(len(ends)-1)+" of sound and it holds "+frames(half))
	// Something other than frames after the sound is damage; a tag is not.
	_, err = checkBytes(t, append(b[:len(b):len(b)], "this is not a frame"...))
	refusal(t, err, ErrCorrupt, "the file holds something other than sound after "+frames(len(ends)-1))
	if _, err := checkBytes(t, append(b[:len(b):len(b)], "TAG"+strings.Repeat("\xff\xfb", 62)...)); err != nil {
		t.Errorf("an ID3v1 tag after the sound: %v", err)
	}
}

// Frames with valid headers and garbage inside are refused as damaged (the
// decoder finds them impossible), not decoded into noise and never a crash.
func TestGarbageFrames(t *testing.T) {
	b, err := os.ReadFile("testdata/tone.mp3")
	if err != nil {
		t.Fatal(err)
	}
	ends := frameEnds(t, b)
	garbage := bytes.Clone(b)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 1; i+1 < len(ends); i++ {
		for j := ends[i] + 4; j < ends[i+1]; j++ {
			garbage[j] = byte(r.Uint32())
		}
	}
	_, err = checkBytes(t, garbage)
	refusal(t, err, ErrCorrupt, "the file's sound could not be decoded; export or record it again")
}

// The format is told by the content, whatever the file is called: what is
// not MP3 or WAV is refused with what it looks like.
func TestFormatsByContent(t *testing.T) {
	mp2 := bytes.Repeat(append([]byte{0xff, 0xfd, 0x90, 0x44}, make([]byte, 414)...), 4) // MPEG-1 Layer II, 128 kbit/s
	cases := []struct {
		head   string
		reason Reason
		looks  string
	}{
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ErrNotAudio, "a PNG image"},
		{"\xff\xd8\xff\xe0\x00\x10JFIF", ErrNotAudio, "a JPEG photo"},
		{"%PDF-1.7\n%\xe2\xe3\xcf\xd3", ErrNotAudio, "a PDF document"},
		{"PK\x03\x04\x14\x00\x06\x00", ErrNotAudio, "a ZIP archive"},
		{"Beste ouders, Amanuel is vandaag afwezig.\n", ErrNotAudio, "text"},
		{"<!DOCTYPE html><html><body>", ErrNotAudio, "a web page (HTML)"},
		{"\x00\x01\x02\x03\x04\x05\x06\x07", ErrNotAudio, ""},
		{"", ErrNotAudio, "an empty file"},
		{"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", ErrOtherFormat, "an M4A (AAC) recording"},
		{"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", ErrOtherFormat, "an MP4 video"},
		{"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", ErrOtherFormat, "a QuickTime video"},
		{"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00OpusHead", ErrOtherFormat, "an Opus recording"},
		{"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm", ErrOtherFormat, "a WebM or Matroska file"},
		{"fLaC\x00\x00\x00\x22", ErrOtherFormat, "a FLAC recording"},
		{"#!AMR\n", ErrOtherFormat, "an AMR recording"},
		{"RIFF\x00\x00\x00\x00AVI LIST", ErrOtherFormat, "an AVI video"},
		{string(mp2), ErrOtherFormat, "MPEG audio Layer II, not MP3"},
		{"ID3\x03\x00\x00\x00\x00\x00\x00fLaC\x00\x00\x00\x22", ErrOtherFormat, "a FLAC recording (behind an MP3 tag)"},
		{"ID3\x03\x00\x00\x00\x00\x00\x00nothing", ErrCorrupt, ""},
	}
	for _, c := range cases {
		_, err := checkBytes(t, []byte(c.head))
		r := refusal(t, err, c.reason, c.looks)
		if r.Reason != ErrCorrupt && !strings.HasPrefix(r.Detail, c.looks) {
			t.Errorf("%q looks like %q, want %q", c.head, r.Detail, c.looks)
		}
	}
}

// A file over the limit is refused as too large, MP3 or WAV; one of the
// limit exactly is read whole.
func TestTooLarge(t *testing.T) {
	wav := makeWAV(mono16, 3*time.Second, tone(-12))
	mp3, err := os.ReadFile("testdata/tone.mp3")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{wav, mp3} {
		_, err := Check(bytes.NewReader(b), int64(len(b))-1)
		r := refusal(t, err, ErrTooLarge, "larger than")
		if r.Limit != int64(len(b))-1 {
			t.Errorf("Limit = %d, want %d", r.Limit, len(b)-1)
		}
		if info, err := Check(bytes.NewReader(b), int64(len(b))); err != nil || info.Size != int64(len(b)) {
			t.Errorf("a file of the limit exactly: %+v, %v", info, err)
		}
	}
	_, err = Check(bytes.NewReader(wav), 100)
	refusal(t, err, ErrTooLarge, "the file is larger than 0.1 KB, the most a recording may be")
	_, err = Check(bytes.NewReader(wav), -1)
	refusal(t, err, ErrTooLarge, "larger than 0 KB")
	if got := (&Refusal{Reason: ErrTooLarge, Limit: DefaultLimit}).Error(); got != "the file is larger than 32 MB, the most a recording may be" {
		t.Errorf("the refusal says %q", got)
	}
}

// An upload that breaks off is the reader's error, not a refusal of the
// file.
func TestReaderErrorIsNotARefusal(t *testing.T) {
	boom := errors.New("connection reset")
	wav := makeWAV(mono16, 3*time.Second, tone(-12))
	mp3, err := os.ReadFile("testdata/tone.mp3")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{wav, mp3, nil} {
		_, err := Check(io.MultiReader(bytes.NewReader(b[:len(b)/2]), iotest.ErrReader(boom)), DefaultLimit)
		var ref *Refusal
		if !errors.Is(err, boom) || errors.As(err, &ref) {
			t.Errorf("Check = %v, want the reader's own error", err)
		}
	}
}

// The durations in a refusal read as a person says them.
func TestSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1500 * time.Millisecond:            "1.5s",
		90 * time.Second:                   "90s",
		95076 * time.Millisecond:           "95.1s",
		20 * time.Minute:                   "20m0s",
		2*time.Hour + 400*time.Millisecond: "2h0m0s",
	} {
		if got := seconds(d); got != want {
			t.Errorf("seconds(%v) = %q, want %q", d, got, want)
		}
	}
}
