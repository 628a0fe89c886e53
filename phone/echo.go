package phone

import "errors"

// dialEcho connects a call to the built-in echo endpoint.
func (p *Phone) dialEcho(acct *Account) (string, error) {
	return "", errors.New("echo test not available yet")
}
