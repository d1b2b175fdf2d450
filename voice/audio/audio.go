// Package audio checks a recording a school uploads for a voice call before
// nabij keeps it: that it is an MP3 or WAV file, how long it is, and whether
// a parent will hear it.
//
// The school records its absence message itself in the languages no speech
// engine speaks (Tigrinya, Dari, Pashto, Somali, Kurdish), and Twilio plays the
// file with <Play> when nabij calls the family. Twilio's <Play> takes MP3 and
// WAV, so those are the two formats taken, told by their content (RIFF/WAVE;
// an ID3v2 tag or MPEG audio frames), never by the file's name or the
// browser's content type. A message is 20 to 60 seconds of speech: under
// MinDuration there is no message in the file, over MaxDuration it is
// something else (a whole lesson, a song). The parent listens on a cheap
// phone, often in a noisy room, through a line that carries little more
// than speech: a recording that is silent (peak under SilentPeakDBFS), too
// quiet (speech under QuietLoudnessDBFS) or distorted (over ClippedPercent
// of its samples at full scale) is refused with a reason the admin can act
// on, before it reaches a family.
//
// Check reads the file as a stream. A WAV file's samples are measured as
// they are read; an MP3 file (at most the limit, and small: about 0.2 MB a
// minute at 32 kbit/s) is held while its frames are counted, then decoded a
// few frames at a time with github.com/hajimehoshi/go-mp3. No decoded
// recording is held whole. A hostile file (a header that claims hours, a chunk
// size past the end, frames of garbage) is refused as ErrCorrupt.
//
// Loudness here is the RMS level of the voiced part of the recording, in
// dBFS (a full-scale square wave is 0 dBFS, a full-scale sine −3 dBFS): the
// signal is cut into 50 ms blocks, blocks under −60 dBFS (the pauses, the
// hiss of a quiet room) are left out, then blocks more than 20 dB below the
// mean of the rest, and the RMS of the blocks left is the loudness. This is
// the gating of EBU R 128 without its K-weighting filter, so the number is
// close to, but not, LUFS.
package audio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// The limits a recording is held to.
const (
	// MinDuration is the shortest recording taken: under two seconds there
	// is no message in it (a click of the record button, a cut-off word).
	MinDuration = 2 * time.Second
	// MaxDuration is the longest recording taken. A message is 20 to 60
	// seconds; 90 leaves room for a slow speaker and a greeting, and a
	// parent hangs up on anything longer.
	MaxDuration = 90 * time.Second
	// SilentPeakDBFS is the peak under which nothing audible was recorded:
	// 1 % of full scale, the level of a muted or unplugged microphone's
	// noise. Speech recorded at any usable level peaks far above it.
	SilentPeakDBFS = -40.0
	// QuietLoudnessDBFS is the loudness (RMS over the voiced part) under
	// which speech is too quiet to hear on a phone. Speech recorded at a
	// normal distance lies around −20 to −26 dBFS; Twilio plays the file as
	// it is, without raising it, and a phone line loses more.
	QuietLoudnessDBFS = -35.0
	// ClippedPercent is the share of samples at full scale over which a
	// recording is distorted: a loud voice that touches full scale now and
	// then stays well under 1 %; a microphone held too close cuts off every
	// syllable and passes it.
	ClippedPercent = 1.0
	// DefaultLimit is a size limit for a caller that has none of its own:
	// a 90-second WAV of 48 kHz 24-bit stereo (26 MB) fits, with room for
	// the chunks a recorder adds.
	DefaultLimit = 32 << 20
	// FloorDBFS is the lowest level reported: an all-zero file measures
	// this rather than minus infinity, so every Info can be shown and
	// encoded as JSON.
	FloorDBFS = -120.0
)

// Format is a recording's file format, as told by its content.
type Format string

// The formats taken: those Twilio's <Play> plays.
const (
	MP3 Format = "mp3"
	WAV Format = "wav"
)

// ContentType is the media type a recording of this format is served with.
func (f Format) ContentType() string {
	switch f {
	case MP3:
		return "audio/mpeg"
	case WAV:
		return "audio/wav"
	}
	return ""
}

// Info is what Check found in a recording. A refused recording's Info has
// what was found before the refusal; the levels (PeakDBFS, LoudnessDBFS,
// ClippedPercent) are zero when the file was refused before its samples were
// measured.
type Info struct {
	// Format is MP3 or WAV.
	Format Format
	// ContentType is "audio/mpeg" or "audio/wav".
	ContentType string
	// Encoding says what is inside, for a person: "16-bit PCM",
	// "MPEG-2 Layer III, 16 kbit/s".
	Encoding string
	// Size is the number of bytes read.
	Size int64
	// Duration is the length of the sound, computed from the samples that
	// are there (never from a header's claim). An MP3 file's includes the
	// encoder's delay and padding, under a tenth of a second.
	Duration time.Duration
	// SampleRate is the number of samples a second, per channel.
	SampleRate int
	// Channels is 1 (mono) or 2 (stereo).
	Channels int
	// PeakDBFS is the highest sample level, in dBFS (0 is full scale;
	// FloorDBFS for an all-zero recording).
	PeakDBFS float64
	// LoudnessDBFS is the RMS level of the voiced part, in dBFS (see the
	// package comment for how the voiced part is found).
	LoudnessDBFS float64
	// ClippedPercent is the share of samples at full scale, in percent.
	ClippedPercent float64
}

// Reason is why a recording was refused: a stable code a caller can map to
// its own words. A Reason is an error, so errors.Is(err, ErrTooLong) tells a
// refusal's reason; errors.As with a *Refusal gives its numbers.
type Reason string

// The reasons a recording is refused.
const (
	// ErrTooLarge: the file is larger than the limit given to Check.
	ErrTooLarge Reason = "too_large"
	// ErrNotAudio: the file is no sound recording (an image, a PDF, text…).
	ErrNotAudio Reason = "not_audio"
	// ErrOtherFormat: a sound or video format other than MP3 or WAV (M4A,
	// Ogg, WebM, FLAC, AMR…).
	ErrOtherFormat Reason = "other_format"
	// ErrUnsupportedEncoding: a WAV or MP3 file whose encoding inside is not
	// taken (µ-law, ADPCM, 32-bit integer PCM, MPEG-2.5…).
	ErrUnsupportedEncoding Reason = "unsupported_encoding"
	// ErrCorrupt: the file is damaged or cut short.
	ErrCorrupt Reason = "corrupt"
	// ErrTooShort: under MinDuration.
	ErrTooShort Reason = "too_short"
	// ErrTooLong: over MaxDuration.
	ErrTooLong Reason = "too_long"
	// ErrSilent: the peak is under SilentPeakDBFS.
	ErrSilent Reason = "silent"
	// ErrTooQuiet: the loudness is under QuietLoudnessDBFS.
	ErrTooQuiet Reason = "too_quiet"
	// ErrClipped: more than ClippedPercent of the samples at full scale.
	ErrClipped Reason = "clipped"
)

// Error is the reason's code, prefixed with the package.
func (r Reason) Error() string { return "audio: recording refused: " + string(r) }

// Refusal is a recording Check does not take, with why, in words a school
// admin understands, and the numbers behind them.
type Refusal struct {
	// Reason is the kind of refusal.
	Reason Reason
	// Detail says more: for ErrNotAudio and ErrOtherFormat what the file
	// looks like ("a PDF document"), for ErrUnsupportedEncoding the
	// encoding ("µ-law audio"), for ErrCorrupt what is wrong with it ("the
	// file is cut short after 2.5s").
	Detail string
	// Limit is the size limit in bytes, for ErrTooLarge.
	Limit int64
	// Info is what was found before the refusal (Duration for ErrTooLong,
	// PeakDBFS for ErrSilent…).
	Info Info
}

// Error says why the recording was refused, with its numbers: "the recording
// is 20m0s long; a message may be at most 90s".
func (r *Refusal) Error() string {
	in := r.Info
	switch r.Reason {
	case ErrTooLarge:
		return fmt.Sprintf("the file is larger than %s, the most a recording may be", size(r.Limit))
	case ErrNotAudio:
		if r.Detail == "" {
			return "the file is not a sound recording nabij knows; upload an MP3 or WAV file"
		}
		return fmt.Sprintf("the file is not a sound recording: it looks like %s; upload an MP3 or WAV file", r.Detail)
	case ErrOtherFormat:
		return fmt.Sprintf("the file is %s; upload the recording as MP3 or WAV (most recording apps can export or share it so)", r.Detail)
	case ErrUnsupportedEncoding:
		if in.Format == MP3 {
			return fmt.Sprintf("the MP3 file is %s, which cannot be played here; save it again as MP3 at 16 kHz or more", r.Detail)
		}
		return fmt.Sprintf("the WAV file holds %s; save it again as 16-bit PCM WAV or as MP3", r.Detail)
	case ErrCorrupt:
		return r.Detail + "; export or record it again"
	case ErrTooShort:
		return fmt.Sprintf("the recording is %s long; with less than %s there is no message in it", seconds(in.Duration), seconds(MinDuration))
	case ErrTooLong:
		return fmt.Sprintf("the recording is %s long; a message may be at most %s", seconds(in.Duration), seconds(MaxDuration))
	case ErrSilent:
		return fmt.Sprintf("nothing audible was recorded: its loudest moment is at %.0f dBFS (at least %.0f dBFS is needed); check the microphone", in.PeakDBFS, SilentPeakDBFS)
	case ErrTooQuiet:
		return fmt.Sprintf("the speech is at %.0f dBFS, too quiet to hear on a phone (at least %.0f dBFS is needed); record closer to the microphone", in.LoudnessDBFS, QuietLoudnessDBFS)
	case ErrClipped:
		return fmt.Sprintf("the recording is distorted: %.1f %% of it is at full scale (at most %.0f %% may be); record further from the microphone", in.ClippedPercent, ClippedPercent)
	}
	return string(r.Reason)
}

// Unwrap gives the refusal's Reason, so errors.Is(err, ErrTooLong) works.
func (r *Refusal) Unwrap() error { return r.Reason }

// Check reads a recording from r, at most limit bytes, and tells whether
// nabij can play it to a family: its format by its content, then its length
// and levels from its decoded samples. It answers the recording's Info, and
// a *Refusal (wrapping a Reason) when the recording is not taken; any other
// error is r's own (the upload broke off) and says nothing about the file.
//
// A file over limit (0 when negative) is refused with ErrTooLarge as soon
// as its limit+1st byte is read; a file whose first bytes show it is no MP3 or WAV is refused
// without reading the rest.
func Check(r io.Reader, limit int64) (Info, error) {
	limit = max(limit, 0)
	lr := &limitReader{r: r, limit: limit}
	info, err := check(lr)
	info.Size = lr.n
	if errors.Is(err, errTooLarge) {
		info.Size = limit
		return info, &Refusal{Reason: ErrTooLarge, Limit: limit, Info: info}
	}
	var ref *Refusal
	if errors.As(err, &ref) {
		ref.Info = info
	}
	return info, err
}

// check tells the format and hands the file to its reader.
func check(lr *limitReader) (Info, error) {
	br := bufio.NewReaderSize(lr, 64<<10)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return Info{}, err
	}
	if len(head) == 0 {
		return Info{}, &Refusal{Reason: ErrNotAudio, Detail: "an empty file"}
	}
	kind, looks := sniff(head)
	switch kind {
	case kindWAV:
		return checkWAV(br)
	case kindMP3:
		data, err := io.ReadAll(br)
		if err != nil {
			return Info{}, err
		}
		return checkMP3(data)
	case kindOther:
		return Info{}, &Refusal{Reason: ErrOtherFormat, Detail: looks}
	}
	return Info{}, &Refusal{Reason: ErrNotAudio, Detail: looks}
}

// judge refuses a measured recording whose length or levels are out of
// bounds, in the order an admin fixes them: length first, then whether
// anything was recorded, then how it was recorded.
func judge(info Info) error {
	switch {
	case info.Duration < MinDuration:
		return &Refusal{Reason: ErrTooShort}
	case info.Duration > MaxDuration:
		return &Refusal{Reason: ErrTooLong}
	case info.PeakDBFS < SilentPeakDBFS:
		return &Refusal{Reason: ErrSilent}
	case info.LoudnessDBFS < QuietLoudnessDBFS:
		return &Refusal{Reason: ErrTooQuiet}
	case info.ClippedPercent > ClippedPercent:
		return &Refusal{Reason: ErrClipped}
	}
	return nil
}

// corrupt is an ErrCorrupt refusal saying what is wrong.
func corrupt(format string, args ...any) error {
	return &Refusal{Reason: ErrCorrupt, Detail: fmt.Sprintf(format, args...)}
}

// cutShort turns the end of the file where more was promised into an
// ErrCorrupt refusal; any other error (the limit, the reader's own) passes.
func cutShort(err error, where string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corrupt("the file is cut short in its %s", where)
	}
	return err
}

// errTooLarge is limitReader's answer past the limit; Check makes it an
// ErrTooLarge refusal.
var errTooLarge = errors.New("audio: over the size limit")

// limitReader reads at most limit bytes of r and fails with errTooLarge when
// there is more.
type limitReader struct {
	r     io.Reader
	limit int64
	n     int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n > l.limit {
		return 0, errTooLarge
	}
	if room := l.limit + 1 - l.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.limit {
		return 0, errTooLarge
	}
	return n, err
}

// seconds formats a duration as an admin reads it: "1.2s", "90s", and
// minutes past two ("20m0s").
func seconds(d time.Duration) string {
	if d >= 2*time.Minute {
		return d.Round(time.Second).String()
	}
	s := strconv.FormatFloat(d.Seconds(), 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + "s"
}

// size formats a number of bytes in MB (2^20 bytes), or KB under one MB.
func size(n int64) string {
	unit, scale := " MB", float64(1<<20)
	if n < 1<<20 {
		unit, scale = " KB", 1<<10
	}
	s := strconv.FormatFloat(float64(n)/scale, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + unit
}

// dbfs is a level (amplitude, 1 = full scale) in dBFS, floored at FloorDBFS.
func dbfs(amplitude float64) float64 {
	if amplitude <= 0 {
		return FloorDBFS
	}
	return math.Max(20*math.Log10(amplitude), FloorDBFS)
}
