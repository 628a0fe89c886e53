package phone

import "github.com/sipterm/sipterm/audio"

// watchDevice shows the sound device's own news (lost mid-call, back again) as notices: a
// person hears nothing and must see why, and that the calls go on.
func (p *Phone) watchDevice() {
	if n, ok := p.dev.(audio.Notifier); ok {
		n.SetNotify(p.notice)
	}
}
