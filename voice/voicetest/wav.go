// Package voicetest makes recordings for tests: WAV files of a tone at a
// set loudness, of any length, made in memory.
package voicetest

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"
)

// Tone is a WAV file (PCM, mono) of a 440 Hz sine of length d at rate
// samples a second, bits 8 or 16 per sample, peaking at peakDBFS (−6: half
// of full scale). A 20-minute tone of 8 kHz 8-bit is 9.6 MB.
func Tone(d time.Duration, rate, bits int, peakDBFS float64) []byte {
	n := int(d.Seconds() * float64(rate))
	size := n * bits / 8
	var b bytes.Buffer
	b.Grow(44 + size)
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + size))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1)) // PCM
	w(uint16(1)) // mono
	w(uint32(rate))
	w(uint32(rate * bits / 8))
	w(uint16(bits / 8))
	w(uint16(bits))
	b.WriteString("data")
	w(uint32(size))
	amp := math.Pow(10, peakDBFS/20)
	step := 2 * math.Pi * 440 / float64(rate)
	for i := 0; i < n; i++ {
		x := amp * math.Sin(step*float64(i))
		if bits == 8 {
			b.WriteByte(byte(128 + int(math.Round(x*127))))
		} else {
			w(int16(math.Round(x * 32767)))
		}
	}
	return b.Bytes()
}

// PNG is a tiny PNG image: a file that is no sound recording.
var PNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
