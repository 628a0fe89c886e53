package sdp

import "net/netip"

// ConnectionAddr is the connection address (c=) of the first audio stream of an SDP body, or
// of the session when the stream has none: it tells a call's address family (IP4 or IP6)
// before the offer is answered. Invalid when the body does not parse or names no address.
func ConnectionAddr(body []byte) netip.Addr {
	sd, err := parse(body)
	if err != nil {
		return netip.Addr{}
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media == "audio" {
			return connectionAddr(sd, md)
		}
	}
	return connectionAddr(sd, sd.MediaDescriptions[0])
}
