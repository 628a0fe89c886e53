package config

import "fmt"

// validateOpus checks the Opus encoder settings (opus_complexity, opus_bitrate).
func (c *Config) validateOpus() *keyError {
	if c.OpusComplexity != nil && (*c.OpusComplexity < 0 || *c.OpusComplexity > 10) {
		return &keyError{"opus_complexity", fmt.Sprintf("%d is out of range: want 0 (cheapest) to 10 (libopus's default)", *c.OpusComplexity)}
	}
	if c.OpusBitrate != 0 && (c.OpusBitrate < 6000 || c.OpusBitrate > 510000) {
		return &keyError{"opus_bitrate", fmt.Sprintf("%d is out of range: want bits/s from 6000 to 510000, or 0 for sipterm's loss-driven policy", c.OpusBitrate)}
	}
	return nil
}
