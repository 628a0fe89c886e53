package phone

import (
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestMissingHeader(t *testing.T) {
	full := "MESSAGE sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK1\r\n" +
		"From: <sip:bob@127.0.0.1>;tag=1\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: x@127.0.0.1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n"
	tests := []struct{ name, drop, want string }{
		{"complete", "", ""},
		{"no From", "From: <sip:bob@127.0.0.1>;tag=1\r\n", "From"},
		{"no To", "To: <sip:alice@127.0.0.1>\r\n", "To"},
		{"no Call-ID", "Call-ID: x@127.0.0.1\r\n", "Call-ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := full
			if tt.drop != "" {
				text = strings.Replace(full, tt.drop, "", 1)
			}
			msg, err := sip.ParseMessage([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			if got := missingHeader(msg.(*sip.Request)); got != tt.want {
				t.Errorf("missingHeader = %q, want %q", got, tt.want)
			}
		})
	}
}
