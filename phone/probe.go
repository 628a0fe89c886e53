package phone

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/sdp"
)

// ProbeResult is what an OPTIONS probe learnt of a peer, and what it predicts will fail.
type ProbeResult struct {
	URI         string
	Code        int
	Reason      string
	Allow       []string
	Supported   []string
	Require     []string
	Accept      []string
	UserAgent   string   // User-Agent, else Server
	Codecs      []string // from an SDP in the answer, if any
	Predictions []string
}

// Probe sends OPTIONS to target from an account ("" = the first), through its transport,
// proxy and credentials, and reads the answer.
func (p *Phone) Probe(ctx context.Context, account, target string) (ProbeResult, error) {
	acct, err := p.account(account)
	if err != nil {
		return ProbeResult{}, err
	}
	uri, err := resolveTarget(acct.cfg, target)
	if err != nil {
		return ProbeResult{}, err
	}
	transport := acct.targetTransport(uri)
	callID := sip.CallIDHeader(sip.GenerateTagN(24) + "@sipterm")
	fromTag := sip.GenerateTagN(16)
	seq := uint32(0)
	build := func() *sip.Request {
		seq++
		req := sip.NewRequest(sip.OPTIONS, uri)
		from := &sip.FromHeader{Address: acct.cfg.AORURI, Params: sip.NewParams()}
		from.Params.Add("tag", fromTag)
		to := &sip.ToHeader{Address: uri, Params: sip.NewParams()}
		to.Address.UriParams = nil
		cid := callID
		req.AppendHeader(from)
		req.AppendHeader(to)
		req.AppendHeader(&cid)
		req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: sip.OPTIONS})
		req.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
		req.AppendHeader(sip.NewHeader("Allow", allowedMethods))
		req.AppendHeader(sip.NewHeader("User-Agent", p.userAgent()))
		req.SetTransport(transport)
		acct.routeOutOfDialog(req, uri)
		return req
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, res, err := acct.authedDo(ctx, nil, build, func(ctx context.Context, req *sip.Request) (*sip.Response, error) {
		res, err := p.clientFor(req.Transport()).Do(ctx, req)
		if err != nil {
			return nil, sendError("OPTIONS", req.Destination(), err)
		}
		return res, nil
	})
	if err != nil {
		return ProbeResult{}, fmt.Errorf("probe %s: %w", uri.String(), err)
	}
	r := readProbe(uri.String(), res, acct.cfg.MediaEncryption)
	p.log.Info("probe", "uri", r.URI, "code", r.Code, "allow", strings.Join(r.Allow, ","), "user_agent", r.UserAgent,
		"predictions", strings.Join(r.Predictions, "; "))
	return r, nil
}

// readProbe reads an OPTIONS answer and predicts what will fail against our settings.
func readProbe(uri string, res *sip.Response, encryption string) ProbeResult {
	r := ProbeResult{URI: uri, Code: res.StatusCode, Reason: res.Reason}
	list := func(name string) []string {
		var out []string
		for _, h := range res.GetHeaders(name) {
			for _, v := range strings.Split(h.Value(), ",") {
				if v = strings.TrimSpace(v); v != "" {
					out = append(out, v)
				}
			}
		}
		return out
	}
	r.Allow, r.Supported, r.Require, r.Accept = list("Allow"), list("Supported"), list("Require"), list("Accept")
	if h := res.GetHeader("User-Agent"); h != nil {
		r.UserAgent = h.Value()
	} else if h := res.GetHeader("Server"); h != nil {
		r.UserAgent = h.Value()
	}
	var pr []string
	if res.StatusCode != 200 {
		pr = append(pr, fmt.Sprintf("the peer answered OPTIONS with %d %s: it may refuse calls the same way", res.StatusCode, res.Reason))
	}
	has := func(l []string, v string) bool {
		for _, x := range l {
			if strings.EqualFold(x, v) {
				return true
			}
		}
		return false
	}
	if len(r.Allow) == 0 {
		pr = append(pr, "the peer sent no Allow: which methods work is unknown")
	} else {
		for _, m := range []struct{ method, fails string }{
			{"INVITE", "calls will fail"},
			{"BYE", "hanging up will fail"},
			{"REFER", "transfer will fail"},
			{"INFO", "DTMF over SIP INFO will fail"},
		} {
			if !has(r.Allow, m.method) {
				pr = append(pr, fmt.Sprintf("peer does not allow %s: %s", m.method, m.fails))
			}
		}
	}
	if has(r.Require, "100rel") {
		pr = append(pr, "peer requires 100rel (PRACK): sipterm does not do reliable provisionals, calls will fail")
	}
	if len(r.Accept) > 0 && !has(r.Accept, "application/sdp") && !has(r.Accept, "application/*") && !has(r.Accept, "*/*") {
		pr = append(pr, "peer does not accept application/sdp: calls will fail")
	}
	if len(res.Body()) == 0 {
		return finishProbe(r, pr)
	}
	if ct := res.ContentType(); ct != nil && strings.HasPrefix(strings.ToLower(ct.Value()), "application/sdp") {
		o, err := sdp.Describe(res.Body())
		switch {
		case err != nil:
			pr = append(pr, fmt.Sprintf("the peer's SDP is unusable: %v", err))
		default:
			r.Codecs = o.Codecs
			if !o.Common {
				pr = append(pr, fmt.Sprintf("no common codec: the peer offers %s, sipterm has PCMU, PCMA", strings.Join(o.Codecs, ", ")))
			}
			if !o.DTMF {
				pr = append(pr, "peer offers no telephone-event: RFC 4733 DTMF will not work")
			}
			if o.SRTP && (encryption == "" || encryption == "none") {
				pr = append(pr, "peer wants SRTP (RTP/SAVP) and media_encryption is none: calls will get 488")
			}
			if !o.SRTP && encryption == "srtp" {
				pr = append(pr, "peer offers plain RTP and media_encryption is srtp: calls will get 488")
			}
		}
	}
	return finishProbe(r, pr)
}

func finishProbe(r ProbeResult, pr []string) ProbeResult {
	if pr == nil {
		pr = []string{}
	}
	r.Predictions = pr
	return r
}
