package audio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"
)

// WAV format tags (the first field of the fmt chunk).
const (
	wavPCM        = 0x0001
	wavFloat      = 0x0003
	wavExtensible = 0xfffe
)

// wavEncodings names the WAV encodings an admin may meet that are not taken.
var wavEncodings = map[uint16]string{
	0x0002: "Microsoft ADPCM audio",
	0x0006: "A-law audio",
	0x0007: "µ-law audio",
	0x0011: "IMA ADPCM audio",
	0x0031: "GSM 6.10 audio",
	0x0055: "MP3 audio inside a WAV",
	0x0161: "Windows Media audio",
}

// wavFormat is what a WAV file's fmt chunk says.
type wavFormat struct {
	tag        uint16
	channels   int
	sampleRate int
	blockAlign int
	bits       int
}

// checkWAV reads a RIFF/WAVE file chunk by chunk, measuring the samples of
// its data chunk as they are read; the duration is that of the samples
// there, whatever the header claims.
func checkWAV(br *bufio.Reader) (Info, error) {
	info := Info{Format: WAV, ContentType: WAV.ContentType()}
	var head [12]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return info, cutShort(err, "header")
	}
	var f *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			if err == io.EOF {
				return info, corrupt("the file has no sound in it (no data chunk)")
			}
			return info, cutShort(err, "chunk headers")
		}
		id, size := string(ch[:4]), int64(binary.LittleEndian.Uint32(ch[4:]))
		switch id {
		case "fmt ":
			if f != nil || size < 16 || size > 1024 {
				return info, corrupt("the file's format chunk is not a WAV format chunk")
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(br, b); err != nil {
				return info, cutShort(err, "format chunk")
			}
			var err error
			if f, err = parseWAVFormat(b[:size], &info); err != nil {
				return info, err
			}
		case "data":
			if f == nil {
				return info, corrupt("the file's sound comes before its format chunk")
			}
			if err := measureWAV(br, f, size, &info); err != nil {
				return info, err
			}
			// The chunks after the sound (a LIST of tags, say) are not
			// needed, but read: a file over the limit is refused whole.
			if _, err := io.Copy(io.Discard, br); err != nil {
				return info, err
			}
			return info, judge(info)
		default:
			if _, err := io.CopyN(io.Discard, br, size+size%2); err != nil {
				return info, cutShort(err, "chunk "+fmt.Sprintf("%q", id))
			}
		}
	}
}

// parseWAVFormat reads a fmt chunk, refusing the encodings not taken.
func parseWAVFormat(b []byte, info *Info) (*wavFormat, error) {
	le := binary.LittleEndian
	f := &wavFormat{
		tag:        le.Uint16(b),
		channels:   int(le.Uint16(b[2:])),
		sampleRate: int(le.Uint32(b[4:])),
		blockAlign: int(le.Uint16(b[12:])),
		bits:       int(le.Uint16(b[14:])),
	}
	if f.tag == wavExtensible {
		if len(b) < 40 {
			return nil, corrupt("the file's format chunk is cut short")
		}
		f.tag = le.Uint16(b[24:]) // the sub-format GUID's first field
	}
	info.SampleRate, info.Channels = f.sampleRate, f.channels
	switch {
	case f.tag == wavPCM && (f.bits == 8 || f.bits == 16 || f.bits == 24):
		info.Encoding = fmt.Sprintf("%d-bit PCM", f.bits)
	case f.tag == wavFloat && (f.bits == 32 || f.bits == 64):
		info.Encoding = fmt.Sprintf("%d-bit float", f.bits)
	case f.tag == wavPCM:
		return nil, &Refusal{Reason: ErrUnsupportedEncoding, Detail: fmt.Sprintf("%d-bit integer PCM", f.bits)}
	case f.tag == wavFloat:
		return nil, &Refusal{Reason: ErrUnsupportedEncoding, Detail: fmt.Sprintf("%d-bit float samples", f.bits)}
	case wavEncodings[f.tag] != "":
		return nil, &Refusal{Reason: ErrUnsupportedEncoding, Detail: wavEncodings[f.tag]}
	default:
		return nil, &Refusal{Reason: ErrUnsupportedEncoding, Detail: fmt.Sprintf("audio in an unknown encoding (%#04x)", f.tag)}
	}
	switch {
	case f.channels == 0 || f.sampleRate == 0:
		return nil, corrupt("the file's format chunk gives no channels or no sample rate")
	case f.channels > 2:
		return nil, &Refusal{Reason: ErrUnsupportedEncoding, Detail: fmt.Sprintf("%d channels (mono or stereo are taken)", f.channels)}
	case f.sampleRate < 8000 || f.sampleRate > 192000:
		return nil, &Refusal{Reason: ErrUnsupportedEncoding, Detail: fmt.Sprintf("a sample rate of %d Hz (8,000 to 192,000 are taken)", f.sampleRate)}
	case f.blockAlign != f.channels*f.bits/8:
		return nil, corrupt("the file's format chunk does not add up")
	}
	return f, nil
}

// measureWAV reads the samples of a data chunk that claims size bytes and
// writes the duration and levels into info.
func measureWAV(br *bufio.Reader, f *wavFormat, size int64, info *Info) error {
	sample, err := wavSampleReader(f)
	if err != nil {
		return err
	}
	m := newMeter(f.sampleRate, f.channels)
	width := f.bits / 8
	buf := make([]byte, (32<<10)/f.blockAlign*f.blockAlign)
	var read int64
	for read < size {
		want := int64(len(buf))
		if left := (size - read) / int64(f.blockAlign) * int64(f.blockAlign); left < want {
			want = left
		}
		if want == 0 {
			break // a partial last frame: not sound
		}
		n, err := io.ReadFull(br, buf[:want])
		n -= n % f.blockAlign
		read += int64(n)
		for i := 0; i < n; i += width {
			x, full := sample(buf[i:])
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return corrupt("the file's samples are not numbers")
			}
			m.add(x, full)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			info.Duration = m.duration(f.sampleRate)
			claimed := time.Duration(float64(size/int64(f.blockAlign)) / float64(f.sampleRate) * float64(time.Second))
			return corrupt("the file is cut short: its header promises %s of sound and it holds %s", seconds(claimed), seconds(info.Duration))
		}
		if err != nil {
			return err
		}
	}
	info.Duration = m.duration(f.sampleRate)
	m.result(info)
	return nil
}

// wavSampleReader returns the function that reads one sample of format f:
// its value (1 = full scale) and whether it is at the encoding's full scale.
func wavSampleReader(f *wavFormat) (func([]byte) (float64, bool), error) {
	le := binary.LittleEndian
	switch {
	case f.tag == wavPCM && f.bits == 8: // unsigned, 128 is zero
		return func(b []byte) (float64, bool) {
			return float64(int(b[0])-128) / 128, b[0] == 0 || b[0] == 255
		}, nil
	case f.tag == wavPCM && f.bits == 16:
		return func(b []byte) (float64, bool) {
			s := int16(le.Uint16(b))
			return float64(s) / 32768, s == math.MaxInt16 || s == math.MinInt16
		}, nil
	case f.tag == wavPCM && f.bits == 24:
		return func(b []byte) (float64, bool) {
			s := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
			return float64(s) / (1 << 23), s == 1<<23-1 || s == -1<<23
		}, nil
	case f.tag == wavFloat && f.bits == 32:
		return func(b []byte) (float64, bool) {
			x := float64(math.Float32frombits(le.Uint32(b)))
			return x, math.Abs(x) >= 1
		}, nil
	case f.tag == wavFloat && f.bits == 64:
		return func(b []byte) (float64, bool) {
			x := math.Float64frombits(le.Uint64(b))
			return x, math.Abs(x) >= 1
		}, nil
	}
	return nil, &Refusal{Reason: ErrUnsupportedEncoding, Detail: fmt.Sprintf("%d-bit samples", f.bits)}
}
