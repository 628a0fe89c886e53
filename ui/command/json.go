package command

import (
	"time"

	"github.com/sipterm/sipterm/phone"
)

// CallJSON is a call as the protocol's call event.
func CallJSON(c phone.CallInfo) map[string]any {
	m := map[string]any{
		"event": "call", "id": c.ID, "state": string(c.State), "direction": string(c.Direction),
		"remote": c.Remote, "account": c.Account,
	}
	if c.Code != 0 {
		m["code"] = c.Code
	}
	if c.Reason != "" {
		m["reason"] = c.Reason
	}
	if c.Codec != "" {
		m["codec"] = c.Codec
	}
	if c.Encryption != "" {
		m["encryption"] = c.Encryption
	}
	if c.Muted {
		m["muted"] = true
	}
	if c.State == phone.StateTerminated && !c.Answered.IsZero() {
		m["duration_s"] = c.Duration(time.Now()).Seconds()
	}
	return m
}

// RegistrationJSON is an account as the protocol's registration event.
func RegistrationJSON(a phone.AccountInfo) map[string]any {
	m := map[string]any{"event": "registration", "account": a.Name, "aor": a.AOR, "state": string(a.State)}
	if a.Code != 0 {
		m["code"] = a.Code
	}
	if a.Reason != "" {
		m["reason"] = a.Reason
	}
	if !a.Expires.IsZero() {
		m["expires_s"] = int(time.Until(a.Expires).Seconds())
	}
	if a.LastError != "" {
		m["last_error"] = a.LastError
	}
	if a.Transport != "" {
		m["transport"] = a.Transport
	}
	if a.Contact != "" {
		m["contact"] = a.Contact
	}
	if a.TLSInsecure {
		m["tls_insecure"] = true
	}
	return m
}
