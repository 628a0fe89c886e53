package phone

import (
	"context"
	"strings"
	"testing"
)

func TestGroup(t *testing.T) {
	tests := []struct {
		name    string
		run     func(g *group, release chan struct{}) // starts goroutines blocked on release
		release bool                                  // release them before waiting
		wantErr string                                // "" = wait returns nil
	}{
		{name: "none", run: func(*group, chan struct{}) {}, release: true},
		{name: "finished", release: true, run: func(g *group, r chan struct{}) {
			g.Go("a", func() { <-r })
			g.Go("b", func() { <-r })
		}},
		{name: "started by one of its own", release: true, run: func(g *group, r chan struct{}) {
			g.Go("parent", func() { <-r; g.Go("child", func() {}) })
		}},
		{name: "still running", release: false, wantErr: "blocked ×2, other", run: func(g *group, r chan struct{}) {
			g.Go("blocked", func() { <-r })
			g.Go("blocked", func() { <-r })
			g.Go("other", func() { <-r })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGroup()
			release := make(chan struct{})
			tt.run(g, release)
			ctx, cancel := context.WithCancel(context.Background())
			if tt.release {
				close(release)
			} else {
				cancel() // wait must report, not hang
			}
			err := g.wait(ctx)
			cancel()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("wait: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("wait: %v, want an error naming %q", err, tt.wantErr)
			}
			if !tt.release {
				close(release)
				if err := g.wait(context.Background()); err != nil {
					t.Fatalf("wait after release: %v", err)
				}
			}
		})
	}
}
