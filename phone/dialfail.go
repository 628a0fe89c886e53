package phone

// dialFailed says why a dial failed before its call existed (unknown account, a target that is
// not a URI, no RTP port, too many calls): one terminated call event with a new id, the code
// and the error as the reason, and the same reason in the log. It returns err.
func (p *Phone) dialFailed(account, target string, code int, err error) error {
	now := timeNow()
	info := CallInfo{
		ID: p.newCallID(), Direction: DirOut, Remote: target, Account: account, State: StateTerminated,
		Code: code, Reason: err.Error(), Created: now, Ended: now,
	}
	p.log.Warn("call failed", "call", info.ID, "code", code, "reason", info.Reason, "to", target)
	p.publish(EventCall{Call: info})
	return err
}
