package media

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sipterm/sipterm/audio"
)

// BenchmarkLoad runs N call pairs (2N sessions, null-clock devices; N from SIPTERM_LOAD_CALLS,
// default 50) on loopback for 10 s and reports CPU use and loss; one run, whatever b.N. Each
// session's device has its own clock, like a sound card.
func BenchmarkLoad(b *testing.B) {
	benchLoad(b, func(tone float64) Config { return Config{Device: newFakeDevice(tone)} })
}

// BenchmarkLoadSharedClock is BenchmarkLoad on the null device: every session is sent from the
// one shared clock (audio.Puller), as the phone does with --audio null or file.
func BenchmarkLoadSharedClock(b *testing.B) {
	dev := audio.NewNullDevice()
	defer dev.Close()
	benchLoad(b, func(float64) Config { return Config{Device: dev} })
}

func benchLoad(b *testing.B, config func(tone float64) Config) {
	t := b
	n, _ := strconv.Atoi(os.Getenv("SIPTERM_LOAD_CALLS"))
	if n <= 0 {
		n = 50
	}
	var sessions []*Session
	for range n {
		a := newTestSession(t, config(1000))
		b := newTestSession(t, config(440))
		if err := a.Start(Params{Remote: b.LocalAddr(), Codec: PCMU}); err != nil {
			t.Fatal(err)
		}
		if err := b.Start(Params{Remote: a.LocalAddr(), Codec: PCMU}); err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, a, b)
	}
	var before, after syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	time.Sleep(10 * time.Second)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	wall := time.Since(start)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	var sent, recv uint64
	var lost int64
	var concealed uint64
	for _, s := range sessions {
		st := s.Stats()
		sent += st.PacketsSent
		recv += st.PacketsReceived
		lost += st.PacketsLost
		concealed += st.ConcealedFrames
	}
	t.Logf("%d calls for %v: CPU %.1f%% of one core (%.1f µs per packet sent+received); sent %d, received %d, lost %d, concealed frames %d",
		n, wall.Round(time.Millisecond), 100*cpu.Seconds()/wall.Seconds(), float64(cpu.Microseconds())/float64(sent+recv), sent, recv, lost, concealed)
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%")
	b.ReportMetric(float64(cpu.Microseconds())/float64(sent+recv), "µs/packet")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(0, "ns/op")
}
