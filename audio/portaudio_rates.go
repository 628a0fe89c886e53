package audio

import (
	"fmt"
	"math"
)

// rateConv converts between the device's rate and one stream rate, shared by every stream at
// that rate: a captured block is resampled once for all of them, and their playback is mixed
// at their rate and resampled once. So the device goroutine's cost grows with the number of
// rates in use (at most three), not with the number of calls and tones. Device goroutine only,
// once built.
type rateConv struct {
	down, up *Resampler // nil when the rate is the device's: no conversion at all
	in       []int16    // the captured block at this rate (fresh: converted for this block)
	mix      []int32    // the streams' playback at this rate, summed
	mixed    []int16    // mix, clipped
	out      []int16    // mixed at the device's rate
	fresh    bool
	used     bool // some stream's playback is in mix for this block
}

// newRateConvs builds a converter for every stream rate at device rate rate.
func newRateConvs(rate int) (map[int]*rateConv, error) {
	convs := make(map[int]*rateConv, len(streamRates))
	for sr := range streamRates {
		c := &rateConv{}
		if sr != rate {
			var err error
			if c.down, err = NewResampler(rate, sr); err != nil {
				return nil, fmt.Errorf("converting %d Hz to %d Hz: %w", rate, sr, err)
			}
			if c.up, err = NewResampler(sr, rate); err != nil {
				return nil, fmt.Errorf("converting %d Hz to %d Hz: %w", sr, rate, err)
			}
			n := FrameSamplesAt(sr)
			c.in, c.mix, c.mixed, c.out = make([]int16, n), make([]int32, n), make([]int16, n), make([]int16, rate/50)
		}
		convs[sr] = c
	}
	return convs, nil
}

// captured is block (device rate) at this converter's rate, converted at most once per block.
func (c *rateConv) captured(block []int16) []int16 {
	if c.down == nil {
		return block
	}
	if !c.fresh {
		n := c.down.Process(block, c.in)
		clear(c.in[n:]) // cannot happen with whole 20 ms blocks; keep the frame whole anyway
		c.fresh = true
	}
	return c.in
}

// add sums one stream's frame into the mix at this rate, or straight into dev (the device
// rate's mix) when no conversion is needed.
func (c *rateConv) add(f []int16, dev []int32) {
	mix := dev
	if c.up != nil {
		mix, c.used = c.mix, true
	}
	for i, v := range f {
		mix[i] += int32(v)
	}
}

// next makes the next captured call convert its block afresh.
func (c *rateConv) next() { c.fresh = false }

// flush adds this rate's mix, converted to the device rate, into dev and starts the next block.
func (c *rateConv) flush(dev []int32) {
	if !c.used {
		return
	}
	c.used = false
	for i, v := range c.mix {
		c.mixed[i] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
	}
	clear(c.mix)
	n := c.up.Process(c.mixed, c.out)
	clear(c.out[n:])
	for i, v := range c.out {
		dev[i] += int32(v)
	}
}

func (c *rateConv) reset() {
	if c.down != nil {
		c.down.Reset()
		c.up.Reset()
	}
}
