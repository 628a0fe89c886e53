package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseErrorsNameLineAndKey(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		key, msg   string
	}{
		{"syntax", "listen = \"0.0.0.0:5060\"\naudio = = \"null\"\n", 2, "", "expected"},
		{"unknown top key", "listen = \"0.0.0.0:5060\"\nlisten_port = 5\n", 2, "listen_port", "unknown key"},
		{"unknown account key", "[[accounts]]\naor = \"sip:a@b\"\n\n[[accounts]]\naor = \"sip:c@d\"\npasword = \"x\"\n", 6, "accounts.pasword", "unknown key"},
		{"bad type", "[[accounts]]\naor = \"sip:a@b\"\nexpires = \"soon\"\n", 3, "accounts.expires", ""},
		{"bad audio", "audio = \"alsa\"\n", 1, "audio", "unknown audio kind"},
		{"bad listen", "# comment\nlisten = \"localhost\"\n", 2, "listen", "bad address"},
		{"bad auto answer in second account", "[[accounts]]\naor = \"sip:a@b\"\n[[accounts]]\naor = \"sip:c@d\"\nauto_answer = \"soon\"\n", 5, "accounts[2].auto_answer", "bad duration"},
		{"missing aor", "[[accounts]]\nname = \"x\"\n", 1, "accounts[1].aor", "needs an aor"},
		{"bad aor", "[[accounts]]\naor = \"sip:@\"\n", 2, "accounts[1].aor", ""},
		{"duplicate name", "[[accounts]]\naor = \"sip:a@b\"\n[[accounts]]\naor = \"sip:a@c\"\n", 0, "accounts[2].name", "used twice"},
		{"two passwords", "[[accounts]]\naor = \"sip:a@b\"\npassword = \"x\"\npassword_env = \"Y\"\n", 3, "accounts[1].password", "only one"},
		{"bad theme", "[ui]\ntheme = \"neon\"\n", 2, "ui.theme", "unknown theme"},
		{"bad rtp ports", "rtp_ports = \"20000-10000\"\n", 1, "rtp_ports", "bad port range"},
		{"bad refer policy", "[[accounts]]\naor = \"sip:a@b\"\nrefer_policy = \"maybe\"\n", 3, "accounts[1].refer_policy", "want accept, ask or reject"},
		{"bad media encryption", "[[accounts]]\naor = \"sip:a@b\"\nmedia_encryption = \"zrtp\"\n", 3, "accounts[1].media_encryption", "want none, srtp or srtp-optional"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.toml", []byte(tt.text))
			if err == nil {
				t.Fatal("want an error")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *config.Error", err, err)
			}
			if ce.File != "test.toml" {
				t.Errorf("file = %q", ce.File)
			}
			if tt.line != 0 && ce.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", ce.Line, tt.line, err)
			}
			if tt.key != "" && ce.Key != tt.key {
				t.Errorf("key = %q, want %q (%v)", ce.Key, tt.key, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err.Error(), tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "test.toml") {
				t.Errorf("message %q does not start with the file name", err.Error())
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	text := `listen = "127.0.0.1:5070"
audio = "file"
play = "a.wav"
auto_answer = "0s"

[[accounts]]
name = "alice"
aor = "sip:alice@example.org"
registrar = "sip:example.org:5060"
password_env = "SIPTERM_TEST_PW"
auto_answer = "3s"
media_encryption = "srtp"

[[accounts]]
aor = "sip:bob@10.0.0.1"
`
	cfg, err := Parse("ok.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 2 {
		t.Fatalf("accounts = %d", len(cfg.Accounts))
	}
	a, b := cfg.Accounts[0], cfg.Accounts[1]
	if a.Username != "alice" || a.RegistrarURI == nil || a.RegistrarURI.Host != "example.org" || *a.AutoAnswerDur != 3*time.Second {
		t.Errorf("alice = %+v", a)
	}
	if a.MediaEncryption != "srtp" || b.MediaEncryption != "none" {
		t.Errorf("media_encryption = %q, %q; want srtp, none (the default)", a.MediaEncryption, b.MediaEncryption)
	}
	if b.Name != "bob" || b.RegistrarURI != nil || b.AutoAnswerDur != nil || b.Expires != 300 {
		t.Errorf("bob = %+v", b)
	}
	if cfg.AutoAnswerDur == nil || *cfg.AutoAnswerDur != 0 {
		t.Errorf("global auto answer = %v", cfg.AutoAnswerDur)
	}
	if cfg.RTPTimeoutDur != 30*time.Second || cfg.RTPPortMin != 10000 {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	t.Setenv("SIPTERM_TEST_PW", "s3cret")
	if pw, err := a.Secret(); err != nil || pw != "s3cret" {
		t.Errorf("secret = %q, %v", pw, err)
	}
}

func TestDefaults(t *testing.T) {
	cfg := Defaults()
	if cfg.Listen != "0.0.0.0:5060" || len(cfg.Accounts) != 1 || cfg.Accounts[0].RegistrarURI != nil {
		t.Fatalf("defaults = %+v", cfg)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func TestPasswordCmd(t *testing.T) {
	a := Account{Name: "x", PasswordCmd: "echo hunter2"}
	if pw, err := a.Secret(); err != nil || pw != "hunter2" {
		t.Fatalf("secret = %q, %v", pw, err)
	}
	a = Account{Name: "x", PasswordEnv: "SIPTERM_SURELY_UNSET_VAR"}
	if _, err := a.Secret(); err == nil {
		t.Fatal("want error for unset env")
	}
}

// listen given in a file (or by --listen, see cmd/sipterm) is explicit: a busy port stops
// start-up; the embedded default is not.
func TestListenExplicit(t *testing.T) {
	tests := []struct {
		name, text string
		want       bool
	}{
		{"given", "listen = \"127.0.0.1:5070\"\n", true},
		{"given as the default value", "listen = \"0.0.0.0:5060\"\n", true},
		{"not given", "audio = \"null\"\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("test.toml", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ListenExplicit != tt.want {
				t.Errorf("ListenExplicit = %v, want %v", cfg.ListenExplicit, tt.want)
			}
		})
	}
	if d := Defaults(); d.ListenExplicit || d.Listen != "0.0.0.0:5060" {
		t.Errorf("embedded defaults: listen %q explicit %v, want 0.0.0.0:5060 not explicit", d.Listen, d.ListenExplicit)
	}
}

func TestReferPolicy(t *testing.T) {
	tests := []struct{ line, want string }{
		{"", "accept"},
		{"refer_policy = \"accept\"\n", "accept"},
		{"refer_policy = \"ask\"\n", "ask"},
		{"refer_policy = \"reject\"\n", "reject"},
	}
	for _, tt := range tests {
		t.Run(tt.want+"/"+tt.line, func(t *testing.T) {
			c, err := Parse("test.toml", []byte("[[accounts]]\naor = \"sip:a@b\"\n"+tt.line))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Accounts[0].ReferPolicy; got != tt.want {
				t.Errorf("refer_policy = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSessionTimerKeys(t *testing.T) {
	for _, tc := range []struct {
		name, text   string
		timer, minSE time.Duration
		env, errKey  string
	}{
		{"defaults", "", 1800 * time.Second, 90 * time.Second, "", ""},
		{"off", `session_timer = "0s"`, 0, 90 * time.Second, "", ""},
		{"custom", "session_timer = \"600s\"\nsession_min_se = \"120s\"", 600 * time.Second, 120 * time.Second, "", ""},
		{"below the RFC floor", `session_min_se = "30s"`, 0, 0, "", "accounts[1].session_min_se"},
		{"timer below min-se", `session_timer = "100s"` + "\n" + `session_min_se = "200s"`, 0, 0, "", "accounts[1].session_timer"},
		{"not whole seconds", `session_timer = "1500ms"`, 0, 0, "", "accounts[1].session_timer"},
		{"test floor", "session_timer = \"6s\"\nsession_min_se = \"4s\"", 6 * time.Second, 4 * time.Second, "2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(TestMinSEEnv, tc.env)
			cfg, err := Parse("t.toml", []byte("[[accounts]]\naor = \"sip:a@b\"\n"+tc.text+"\n"))
			if tc.errKey != "" {
				var ce *Error
				if !errors.As(err, &ce) || ce.Key != tc.errKey {
					t.Fatalf("error %v, want one for %s", err, tc.errKey)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a := cfg.Accounts[0]
			if a.SessionTimerDur != tc.timer || a.SessionMinSEDur != tc.minSE {
				t.Errorf("timer %v min-se %v, want %v %v", a.SessionTimerDur, a.SessionMinSEDur, tc.timer, tc.minSE)
			}
		})
	}
}
