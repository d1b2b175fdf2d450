package audio

import (
	"math"
	"time"
)

// The gating that finds the voiced part of a recording (see the package
// comment).
const (
	// blockDuration is the length of one block of the loudness measure: a
	// syllable is 100–250 ms, so a 50 ms block falls within or between them.
	blockDuration = 50 * time.Millisecond
	// absoluteGate is the mean square (−60 dBFS) under which a block is
	// silence or room noise, not speech.
	absoluteGate = 1e-6
	// relativeGate is the factor (−20 dB) under the mean of the blocks past
	// the absolute gate under which a block is a pause between words.
	relativeGate = 0.01
)

// meter measures a recording's levels from its samples as they are decoded,
// keeping one number per 50 ms block: a 90-second recording keeps 1,800.
type meter struct {
	channels    int
	blockFrames int

	frames  int64
	samples int64
	clipped int64
	peak    float64

	ch      int
	inBlock int
	sum     float64
	blocks  []float64
}

// newMeter measures a recording of channels channels at rate samples a
// second.
func newMeter(rate, channels int) *meter {
	bf := int(int64(rate) * int64(blockDuration) / int64(time.Second))
	return &meter{channels: channels, blockFrames: max(bf, 1)}
}

// add takes the next sample (interleaved, 1 = full scale); full says it is
// at the full scale of its encoding.
func (m *meter) add(x float64, full bool) {
	m.samples++
	if full {
		m.clipped++
	}
	if a := math.Abs(x); a > m.peak {
		m.peak = a
	}
	m.sum += x * x
	m.ch++
	if m.ch < m.channels {
		return
	}
	m.ch = 0
	m.frames++
	m.inBlock++
	if m.inBlock == m.blockFrames {
		m.blocks = append(m.blocks, m.sum/float64(m.blockFrames*m.channels))
		m.sum, m.inBlock = 0, 0
	}
}

// duration is the length of the frames measured at rate.
func (m *meter) duration(rate int) time.Duration {
	return time.Duration(float64(m.frames) / float64(rate) * float64(time.Second))
}

// result writes the levels into info.
func (m *meter) result(info *Info) {
	blocks := m.blocks
	if m.inBlock > 0 {
		blocks = append(blocks, m.sum/float64(m.inBlock*m.channels))
	}
	info.PeakDBFS = dbfs(m.peak)
	info.LoudnessDBFS = dbfs(math.Sqrt(voicedMeanSquare(blocks)))
	if m.samples > 0 {
		info.ClippedPercent = 100 * float64(m.clipped) / float64(m.samples)
	}
}

// voicedMeanSquare is the mean square of the blocks that pass both gates,
// or of all blocks when none passes the absolute gate (a silent recording).
func voicedMeanSquare(blocks []float64) float64 {
	mean := func(gate float64) (float64, int) {
		var sum float64
		n := 0
		for _, b := range blocks {
			if b >= gate {
				sum += b
				n++
			}
		}
		if n == 0 {
			return 0, 0
		}
		return sum / float64(n), n
	}
	above, n := mean(absoluteGate)
	if n == 0 {
		all, _ := mean(0)
		return all
	}
	voiced, _ := mean(math.Max(absoluteGate, above*relativeGate))
	return voiced
}
