package sdp

import (
	"fmt"
	"strconv"
	"strings"
)

// Offered is what an SDP body offers for audio (a probe's view of a peer).
type Offered struct {
	Codecs []string // "PCMU/8000", in the peer's order (telephone-event included)
	SRTP   bool     // the audio m-line is RTP/SAVP
	DTMF   bool     // telephone-event is offered
	Common bool     // one of our codecs (Preferred) is offered
}

// Describe reads the first audio m-line of an SDP body.
func Describe(body []byte) (Offered, error) {
	sd, err := parse(body)
	if err != nil {
		return Offered{}, err
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		var o Offered
		o.SRTP = isSAVP(md.MediaName.Protos)
		m := codecMap(md)
		for _, f := range md.MediaName.Formats {
			pt, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			e, ok := m[uint8(pt)]
			if !ok {
				o.Codecs = append(o.Codecs, "PT"+f)
				continue
			}
			o.Codecs = append(o.Codecs, fmt.Sprintf("%s/%d", e.name, e.rate))
			if strings.EqualFold(e.name, "telephone-event") {
				o.DTMF = true
			}
			for _, c := range Preferred {
				if e.name == c.Name && (e.rate == c.Rate || e.rate == 0) {
					o.Common = true
				}
			}
		}
		return o, nil
	}
	return Offered{}, fmt.Errorf("%w: no audio stream", ErrNotAcceptable)
}
