package ui

import (
	"testing"

	"github.com/sipterm/sipterm/phone"
)

// A TLS account shows its transport; one that skips certificate checks says so in its row.
func TestAccountRowShowsTLSAndInsecure(t *testing.T) {
	h := start(t, 160, 48, Options{}, func(c *fakeCore) {
		c.accounts = []phone.AccountInfo{
			{Name: "alice", AOR: "sip:alice@pbx.test", State: phone.RegRegistered, Transport: "tls"},
			{Name: "bob", AOR: "sip:bob@lab.test", State: phone.RegRegistered, Transport: "tls", TLSInsecure: true},
		}
	})
	h.waitText("sip:alice@pbx.test [tls]")
	h.waitText("sip:bob@lab.test [TLS UNVERIFIED]")
}
