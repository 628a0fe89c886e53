package phone

// otherAnswered says whether a call other than c is answered (established or held). It reads
// only the states: under load every new call asks this, and Calls() would copy every live
// call's info and media stats (measured: half of all bytes allocated at 400 calls/s).
func (p *Phone) otherAnswered(c *Call) bool {
	p.mu.Lock()
	others := make([]*Call, 0, len(p.calls))
	for _, o := range p.calls {
		if o != c {
			others = append(others, o)
		}
	}
	p.mu.Unlock()
	for _, o := range others {
		if answered(o.State()) {
			return true
		}
	}
	return false
}
