package media

import "strings"

// codecFuncs is a G.711 variant as the media loops use it.
type codecFuncs struct {
	name string
	pt   uint8
	enc  func(dst []byte, src []int16) int
	dec  func(dst []int16, src []byte) int
}

var (
	ulaw = codecFuncs{name: "PCMU", pt: 0, enc: EncodeUlaw, dec: DecodeUlaw}
	alaw = codecFuncs{name: "PCMA", pt: 8, enc: EncodeAlaw, dec: DecodeAlaw}
)

// codecByName finds the codec by name, or by static payload type when the name is empty.
func codecByName(c Codec) (codecFuncs, bool) {
	switch {
	case strings.EqualFold(c.Name, "PCMU"):
		f := ulaw
		f.pt = c.PT
		return f, true
	case strings.EqualFold(c.Name, "PCMA"):
		f := alaw
		f.pt = c.PT
		return f, true
	case c.Name == "" && c.PT == 0:
		return ulaw, true
	case c.Name == "" && c.PT == 8:
		return alaw, true
	}
	return codecFuncs{}, false
}

// decoderFor picks the decoder for a received payload type: the negotiated one, else the static
// G.711 types (some peers switch without a re-INVITE).
func decoderFor(negotiated codecFuncs, pt uint8) (func(dst []int16, src []byte) int, bool) {
	switch {
	case negotiated.dec != nil && pt == negotiated.pt:
		return negotiated.dec, true
	case pt == 0:
		return DecodeUlaw, true
	case pt == 8:
		return DecodeAlaw, true
	}
	return nil, false
}
