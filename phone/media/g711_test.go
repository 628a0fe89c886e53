package media

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// sox converts raw audio with sox, the independent G.711 reference.
func sox(t *testing.T, in []byte, from, to []string) []byte {
	t.Helper()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.raw"), filepath.Join(dir, "out.raw")
	if err := os.WriteFile(src, in, 0o600); err != nil {
		t.Fatal(err)
	}
	args := append(append(append([]string{"-t", "raw", "-r", "8000"}, from...), "-c", "1", src, "-t", "raw"), to...)
	out, err := exec.Command("sox", append(args, dst)...).CombinedOutput()
	if err != nil {
		t.Fatalf("sox %v: %v\n%s", args, err, out)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestG711AgainstSox(t *testing.T) {
	if _, err := exec.LookPath("sox"); err != nil {
		t.Fatal("sox is missing (.ci/deps.sh test, or make test, installs it)")
	}
	all := make([]int16, 65536)
	pcm := make([]byte, 2*65536)
	for i := range all {
		all[i] = int16(uint16(i))
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(i))
	}
	codes := make([]byte, 256)
	for i := range codes {
		codes[i] = byte(i)
	}
	for _, tc := range []struct {
		name     string
		soxEnc   string
		enc      func([]byte, []int16) int
		dec      func([]int16, []byte) int
		maxDiffs int // one-step differences at decision thresholds (NOTES §5: 489 / 1027)
	}{
		{"ulaw", "u-law", EncodeUlaw, DecodeUlaw, 600},
		{"alaw", "a-law", EncodeAlaw, DecodeAlaw, 1100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Decode tables must match exactly.
			ref := sox(t, codes, []string{"-e", tc.soxEnc, "-b", "8"}, []string{"-e", "signed", "-b", "16"})
			got := make([]int16, 256)
			tc.dec(got, codes)
			for i := range 256 {
				if want := int16(binary.LittleEndian.Uint16(ref[2*i:])); got[i] != want {
					t.Errorf("decode %#02x = %d, sox %d", i, got[i], want)
				}
			}
			// Encoding: at most one quantisation step off, and only at a few thresholds.
			refEnc := sox(t, pcm, []string{"-e", "signed", "-b", "16"}, []string{"-e", tc.soxEnc})
			enc := make([]byte, 65536)
			tc.enc(enc, all)
			if bytes.Equal(enc, refEnc) {
				return
			}
			diffs, maxErrOurs, maxErrSox := 0, 0, 0
			for i := range enc {
				if enc[i] == refEnc[i] {
					continue
				}
				diffs++
				a, b := int(got[enc[i]]), int(got[refEnc[i]])
				if step := abs(a - b); step > 1024 {
					t.Fatalf("input %d: ours %#02x (%d), sox %#02x (%d): more than one step apart", all[i], enc[i], a, refEnc[i], b)
				}
				maxErrOurs = max(maxErrOurs, abs(a-int(all[i])))
				maxErrSox = max(maxErrSox, abs(b-int(all[i])))
			}
			if diffs > tc.maxDiffs {
				t.Fatalf("%d codes differ from sox, want <= %d", diffs, tc.maxDiffs)
			}
			if maxErrOurs > maxErrSox+8 {
				t.Fatalf("our worst quantisation error %d, sox %d", maxErrOurs, maxErrSox)
			}
			t.Logf("%d of 65536 codes differ from sox by one step; worst error ours %d, sox %d", diffs, maxErrOurs, maxErrSox)
		})
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestG711RoundTrip(t *testing.T) {
	var in, out [160]int16
	var b [160]byte
	for i := range in {
		in[i] = int16(i*400 - 32000)
	}
	for _, c := range []codecFuncs{ulaw, alaw} {
		c.enc(b[:], in[:])
		c.dec(out[:], b[:])
		for i := range in {
			// G.711 keeps about 12 significant bits: the error is within 1/16 of the value (+ a step near 0).
			if d := abs(int(out[i]) - int(in[i])); d > abs(int(in[i]))/16+16 {
				t.Fatalf("%s: %d -> %d", c.name, in[i], out[i])
			}
		}
	}
	// Silence encodes to the codes the RFCs expect.
	if ulawEnc[0] != 0xFF || alawEnc[0] != 0xD5 {
		t.Fatalf("silence codes %#x %#x", ulawEnc[0], alawEnc[0])
	}
}

func BenchmarkG711(b *testing.B) {
	var pcm [160]int16
	var enc [160]byte
	for i := range pcm {
		pcm[i] = int16(i * 200)
	}
	for _, c := range []codecFuncs{ulaw, alaw} {
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.enc(enc[:], pcm[:])
			}
		})
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.dec(pcm[:], enc[:])
			}
		})
	}
}
