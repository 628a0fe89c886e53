package phone

import (
	"github.com/sipterm/sipterm/phone/config"
	"github.com/sipterm/sipterm/phone/media"
	"github.com/sipterm/sipterm/phone/sdp"
)

// codecsFor is the account's codec preference as SDP codecs (config validated the names).
func codecsFor(acct *Account) []sdp.Codec {
	names := config.DefaultCodecs
	if acct != nil && acct.cfg != nil && len(acct.cfg.Codecs) > 0 {
		names = acct.cfg.Codecs
	}
	out := make([]sdp.Codec, 0, len(names))
	for _, n := range names {
		if c, ok := sdp.CodecByName(n); ok {
			out = append(out, c)
		}
	}
	return out
}

// opusParams hands the peer's Opus fmtp and our encoder settings (cfg may be nil) to the media
// session.
func opusParams(o sdp.OpusParams, cfg *config.Config) media.OpusParams {
	p := media.OpusParams{FEC: o.FEC, MaxPlaybackRate: o.MaxPlaybackRate, Stereo: o.Stereo,
		MaxAverageBitrate: o.MaxAverageBitrate}
	if cfg != nil {
		if cfg.OpusComplexity != nil {
			p.Complexity = media.OpusComplexity(*cfg.OpusComplexity)
		}
		p.Bitrate = cfg.OpusBitrate
	}
	return p
}
