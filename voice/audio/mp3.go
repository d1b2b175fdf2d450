package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hajimehoshi/go-mp3"
)

// frameHeader is an MPEG audio frame's header.
type frameHeader struct {
	version    int // 1, 2, or 25 (MPEG-2.5)
	layer      int // 1, 2 or 3
	bitrate    int // bits a second; 0 for free format
	sampleRate int
	padding    int
	mono       bool
	crc        bool // a 16-bit CRC follows the header
}

// parseFrameHeader reads an MPEG audio frame header at the start of b.
func parseFrameHeader(b []byte) (frameHeader, bool) {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return frameHeader{}, false
	}
	var h frameHeader
	switch (b[1] >> 3) & 3 {
	case 0:
		h.version = 25
	case 2:
		h.version = 2
	case 3:
		h.version = 1
	default:
		return frameHeader{}, false
	}
	h.layer = 4 - int((b[1]>>1)&3)
	bitrateIndex, rateIndex := b[2]>>4, (b[2]>>2)&3
	if h.layer == 4 || bitrateIndex == 15 || rateIndex == 3 || b[3]&3 == 2 {
		return frameHeader{}, false
	}
	h.crc = b[1]&1 == 0
	h.padding = int(b[2]>>1) & 1
	h.mono = b[3]>>6 == 3
	rates := [3]int{44100, 48000, 32000}
	h.sampleRate = rates[rateIndex]
	switch h.version {
	case 2:
		h.sampleRate /= 2
	case 25:
		h.sampleRate /= 4
	}
	if h.layer == 3 {
		kbits := [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
		if h.version != 1 {
			kbits = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}
		}
		h.bitrate = kbits[bitrateIndex] * 1000
	}
	return h, true
}

// layerName is "Layer I", "Layer II" or "Layer III".
func (h frameHeader) layerName() string {
	return [4]string{"", "Layer I", "Layer II", "Layer III"}[h.layer]
}

// versionName is "MPEG-1", "MPEG-2" or "MPEG-2.5".
func (h frameHeader) versionName() string {
	if h.version == 25 {
		return "MPEG-2.5"
	}
	return fmt.Sprintf("MPEG-%d", h.version)
}

// samplesPerFrame is the number of samples (per channel) in a Layer III
// frame.
func (h frameHeader) samplesPerFrame() int {
	if h.version == 1 {
		return 1152
	}
	return 576
}

// size is a Layer III frame's length in bytes, header included (0 for free
// format, whose length the header does not give).
func (h frameHeader) size() int {
	return h.samplesPerFrame()/8*h.bitrate/h.sampleRate + h.padding
}

// infoFrames is the frame count an encoder's Xing or Info tag, in the first
// frame, gives for the stream, or -1 when the frame carries none.
func (h frameHeader) infoFrames(frame []byte) int64 {
	off := 4
	if h.crc {
		off += 2
	}
	switch {
	case h.version == 1 && h.mono, h.version != 1 && !h.mono:
		off += 17
	case h.version == 1:
		off += 32
	default:
		off += 9
	}
	if len(frame) < off+12 {
		return -1
	}
	tag, flags := string(frame[off:off+4]), binary.BigEndian.Uint32(frame[off+4:])
	if tag != "Xing" && tag != "Info" || flags&1 == 0 {
		return -1
	}
	return int64(binary.BigEndian.Uint32(frame[off+8:]))
}

// checkMP3 checks an MP3 file held whole (it is at most the limit, and
// small): its frames are walked and counted first, so a file of the wrong
// length is refused without decoding it, then its sound is decoded and
// measured.
func checkMP3(data []byte) (Info, error) {
	info := Info{Format: MP3, ContentType: MP3.ContentType()}
	off := 0
	if bytes.HasPrefix(data, []byte("ID3")) {
		if len(data) < 10 {
			return info, corrupt("the file is cut short in its ID3 tag")
		}
		var size int
		for _, c := range data[6:10] {
			if c >= 0x80 {
				return info, corrupt("the file's ID3 tag has an impossible size")
			}
			size = size<<7 | int(c)
		}
		off = 10 + size
		if data[5]&0x10 != 0 {
			off += 10 // a footer
		}
		if off > len(data) {
			return info, corrupt("the file is cut short in its ID3 tag")
		}
	}
	first, ok := parseFrameHeader(data[off:])
	switch {
	case !ok:
		if k, looks := sniff(data[off:min(len(data), off+sniffLen)]); k == kindOther {
			return info, &Refusal{Reason: ErrOtherFormat, Detail: looks + " (behind an MP3 tag)"}
		}
		return info, corrupt("the file has an MP3 tag (ID3) but no MP3 sound after it")
	case first.layer != 3:
		return info, &Refusal{Reason: ErrOtherFormat, Detail: "MPEG audio " + first.layerName() + ", not MP3 (Layer III)"}
	case first.version == 25:
		return info, &Refusal{Reason: ErrUnsupportedEncoding, Detail: fmt.Sprintf("MPEG-2.5 at %d Hz", first.sampleRate)}
	case first.bitrate == 0:
		return info, &Refusal{Reason: ErrUnsupportedEncoding, Detail: "free-format (its frames give no bitrate)"}
	}
	info.SampleRate = first.sampleRate
	info.Channels = 2
	if first.mono {
		info.Channels = 1
	}
	spf := first.samplesPerFrame()
	at := func(frames int64) string {
		return seconds(time.Duration(frames) * time.Duration(spf) * time.Second / time.Duration(first.sampleRate))
	}

	var frames, promised, audioBytes int64 = 0, -1, 0
	bitrates := map[int]bool{}
	pos := off
	for pos+4 <= len(data) {
		h, ok := parseFrameHeader(data[pos:])
		if !ok {
			if !tailTag(data[pos:]) {
				return info, corrupt("the file holds something other than sound after %s", at(frames))
			}
			break
		}
		if h.layer != 3 || h.version != first.version || h.sampleRate != first.sampleRate || h.bitrate == 0 {
			return info, corrupt("the file's frames change their format after %s", at(frames))
		}
		n := h.size()
		if pos+n > len(data) {
			return info, corrupt("the file is cut short after %s", at(frames))
		}
		if pos == off {
			if promised = h.infoFrames(data[pos : pos+n]); promised >= 0 {
				pos += n // the encoder's tag, a frame without sound
				continue
			}
		}
		bitrates[h.bitrate] = true
		frames++
		audioBytes += int64(n)
		pos += n
	}
	if frames == 0 {
		return info, corrupt("the file has no MP3 sound in it")
	}
	info.Duration = time.Duration(frames) * time.Duration(spf) * time.Second / time.Duration(first.sampleRate)
	if promised > frames {
		return info, corrupt("the file is cut short: its header promises %s of sound and it holds %s", at(promised), at(frames))
	}
	kbits := first.bitrate / 1000
	if len(bitrates) > 1 {
		kbits = int(audioBytes * 8 * int64(first.sampleRate) / (frames * int64(spf)) / 1000)
		info.Encoding = fmt.Sprintf("%s Layer III, variable bitrate, about %d kbit/s", first.versionName(), kbits)
	} else {
		info.Encoding = fmt.Sprintf("%s Layer III, %d kbit/s", first.versionName(), kbits)
	}
	if info.Duration < MinDuration || info.Duration > MaxDuration {
		return info, judge(info)
	}
	// The decoder is given the frames alone: it would take a tag's bytes
	// after them for frames of garbage.
	if err := measureMP3(data[off:pos], &info, frames*int64(spf)); err != nil {
		return info, err
	}
	return info, judge(info)
}

// tailTag says whether b, what follows the last frame, is a tag an encoder
// or a music program appends (ID3v1, APE, Lyrics3, ID3v2) or zero padding.
func tailTag(b []byte) bool {
	for _, tag := range []string{"TAG", "APETAGEX", "LYRICSBEGIN", "ID3"} {
		if bytes.HasPrefix(b, []byte(tag)) {
			return true
		}
	}
	return len(bytes.Trim(b, "\x00")) == 0
}

// measureMP3 decodes the frames of data, a few at a time, and writes their
// levels into info. samples is the number of samples (per channel) the
// walk counted: the decoder may give one frame more (the encoder's tag) and
// is stopped if it gives more than that.
func measureMP3(data []byte, info *Info, samples int64) (err error) {
	defer func() {
		// go-mp3 has been fuzzed, but a decoder bug on a hostile file is a
		// refused file, not a crashed upload.
		if recover() != nil {
			err = corrupt("the file's sound could not be decoded")
		}
	}()
	// Hidden behind a plain io.Reader, data is not scanned a second time
	// for a seek table.
	d, err := mp3.NewDecoder(struct{ io.Reader }{bytes.NewReader(data)})
	if err != nil {
		return corrupt("the file's sound could not be decoded")
	}
	if d.SampleRate() != info.SampleRate {
		return corrupt("the file's frames change their format")
	}
	m := newMeter(info.SampleRate, info.Channels)
	maxBytes := (samples + 2*1152) * 4
	buf := make([]byte, 16<<10)
	var total int64
	for {
		n, err := io.ReadFull(d, buf)
		total += int64(n)
		if total > maxBytes {
			return corrupt("the file's sound could not be decoded")
		}
		for i := 0; i+4 <= n; i += 4 {
			// go-mp3 gives 16-bit stereo, clamped to ±32767; a mono
			// file's sample is in both channels.
			for c := range info.Channels {
				s := int16(binary.LittleEndian.Uint16(buf[i+2*c:]))
				m.add(float64(s)/32767, s == 32767 || s <= -32767)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return corrupt("the file's sound could not be decoded")
		}
	}
	m.result(info)
	return nil
}
