package phone

import (
	"testing"

	"github.com/sipterm/sipterm/phone/config"
	"github.com/sipterm/sipterm/phone/media"
	"github.com/sipterm/sipterm/phone/sdp"
)

// The config's Opus encoder settings reach the media session next to the peer's fmtp.
func TestOpusParamsFromConfig(t *testing.T) {
	zero, ten := 0, 10
	fmtp := sdp.OpusParams{FEC: true, MaxPlaybackRate: 16000, MaxAverageBitrate: 40000}
	tests := []struct {
		name string
		cfg  *config.Config
		want media.OpusParams
	}{
		{"no config", nil, media.OpusParams{FEC: true, MaxPlaybackRate: 16000, MaxAverageBitrate: 40000}},
		{"unset: media's default", &config.Config{}, media.OpusParams{FEC: true, MaxPlaybackRate: 16000, MaxAverageBitrate: 40000}},
		{"complexity 0", &config.Config{OpusComplexity: &zero}, media.OpusParams{FEC: true, MaxPlaybackRate: 16000, MaxAverageBitrate: 40000, Complexity: media.OpusComplexity(0)}},
		{"complexity 10, 24 kbit/s", &config.Config{OpusComplexity: &ten, OpusBitrate: 24000}, media.OpusParams{FEC: true, MaxPlaybackRate: 16000, MaxAverageBitrate: 40000, Complexity: 10, Bitrate: 24000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := opusParams(fmtp, tt.cfg); got != tt.want {
				t.Errorf("opusParams = %+v, want %+v", got, tt.want)
			}
		})
	}
}
