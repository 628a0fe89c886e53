package phone

// fuzzSeeds are real requests as peers send them (LF here; the fuzz target sends CRLF): the
// seed corpus of FuzzHandlers, with testdata/fuzz/FuzzHandlers for inputs found later.
var fuzzSeeds = []string{
	`INVITE sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-1-1;rport
From: "sipp" <sip:sipp@127.0.0.1:5999>;tag=1
To: <sip:alice@127.0.0.1>
Call-ID: fuzz-1@127.0.0.1
CSeq: 1 INVITE
Contact: <sip:sipp@127.0.0.1:5999>
Max-Forwards: 70
Supported: 100rel, timer, replaces
Session-Expires: 1800;refresher=uac
Content-Type: application/sdp
Content-Length: 180

v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
`,
	`INVITE sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-2-1
From: <sip:bob@127.0.0.1>;tag=2
To: <sip:alice@127.0.0.1>
Call-ID: fuzz-2@127.0.0.1
CSeq: 1 INVITE
Contact: <sip:bob@127.0.0.1:5999>
Require: 100rel
Replaces: other@127.0.0.1;to-tag=a;from-tag=b
Content-Length: 0

`,
	`INVITE sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-3-1
From: <sip:bob@127.0.0.1>;tag=3
To: <sip:alice@127.0.0.1>;tag=x
Call-ID: fuzz-3@127.0.0.1
CSeq: 2 INVITE
Contact: <sip:bob@127.0.0.1:5999>
Content-Type: application/sdp
Content-Length: 107

v=0
o=- 1 2 IN IP4 127.0.0.1
s=-
c=IN IP4 0.0.0.0
t=0 0
m=audio 6000 RTP/SAVP 0
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x
`,
	`BYE sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-4-1
From: <sip:bob@127.0.0.1>;tag=4
To: <sip:alice@127.0.0.1>;tag=y
Call-ID: fuzz-4@127.0.0.1
CSeq: 3 BYE
Content-Length: 0

`,
	`REFER sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-5-1
From: <sip:bob@127.0.0.1>;tag=5
To: <sip:alice@127.0.0.1>;tag=y
Call-ID: fuzz-5@127.0.0.1
CSeq: 4 REFER
Refer-To: <sip:carol@127.0.0.1?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>
Referred-By: <sip:bob@127.0.0.1>
Contact: <sip:bob@127.0.0.1:5999>
Content-Length: 0

`,
	`UPDATE sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-6-1
From: <sip:bob@127.0.0.1>;tag=6
To: <sip:alice@127.0.0.1>;tag=y
Call-ID: fuzz-6@127.0.0.1
CSeq: 5 UPDATE
Session-Expires: 90;refresher=uas
Contact: <sip:bob@127.0.0.1:5999>
Content-Length: 0

`,
	`PRACK sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-7-1
From: <sip:bob@127.0.0.1>;tag=7
To: <sip:alice@127.0.0.1>;tag=y
Call-ID: fuzz-7@127.0.0.1
CSeq: 6 PRACK
RAck: 1 1 INVITE
Content-Length: 0

`,
	`NOTIFY sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-8-1
From: <sip:bob@127.0.0.1>;tag=8
To: <sip:alice@127.0.0.1>;tag=y
Call-ID: fuzz-8@127.0.0.1
CSeq: 7 NOTIFY
Event: refer;id=4
Subscription-State: terminated;reason=noresource
Content-Type: message/sipfrag;version=2.0
Content-Length: 16

SIP/2.0 200 OK
`,
	`INFO sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-9-1
From: <sip:bob@127.0.0.1>;tag=9
To: <sip:alice@127.0.0.1>;tag=y
Call-ID: fuzz-9@127.0.0.1
CSeq: 8 INFO
Content-Type: application/dtmf-relay
Content-Length: 24

Signal=5
Duration=160
`,
	`OPTIONS sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-10-1
From: <sip:bob@127.0.0.1>;tag=10
To: <sip:alice@127.0.0.1>
Call-ID: fuzz-10@127.0.0.1
CSeq: 1 OPTIONS
Accept: application/sdp
Content-Length: 0

`,
	`MESSAGE sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-11-1
From: <sip:bob@127.0.0.1>;tag=11
To: <sip:alice@127.0.0.1>
Call-ID: fuzz-11@127.0.0.1
CSeq: 1 MESSAGE
Content-Type: text/plain
Content-Length: 5

hello`,
	`CANCEL sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-12-1
From: <sip:bob@127.0.0.1>;tag=12
To: <sip:alice@127.0.0.1>
Call-ID: fuzz-12@127.0.0.1
CSeq: 1 CANCEL
Content-Length: 0

`,
	`ACK sip:alice@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-13-1
From: <sip:bob@127.0.0.1>;tag=13
To: <sip:alice@127.0.0.1>;tag=y
Call-ID: fuzz-13@127.0.0.1
CSeq: 1 ACK
Content-Length: 0

`,
	`SUBSCRIBE sip:nobody@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-14-1
From: <sip:scanner@127.0.0.1>;tag=14
To: <sip:nobody@127.0.0.1>
Call-ID: fuzz-14@127.0.0.1
CSeq: 1 SUBSCRIBE
Event: presence
Content-Length: 0

`,
}
