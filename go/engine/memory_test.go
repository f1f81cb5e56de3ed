package engine

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// CallFrom reads exactly its n bytes into the plugin's memory; a call refused before then leaves them unread.
func TestCallFrom(t *testing.T) {
	p := load(t, "echo", Options{MemoryLimitPages: 64})
	in := strings.NewReader(`{"a":1}` + "rest")
	r, err := p.CallFrom(context.Background(), "pre_hook", 7, in)
	if err != nil || string(r.Output) != `{"a":1}` || r.Stats.InputBytes != 7 {
		t.Fatalf("output %q, stats %+v, err %v", r.Output, r.Stats, err)
	}
	if rest := in.Len(); rest != 4 {
		t.Fatalf("%d bytes left unread, want 4", rest)
	}
	big := strings.NewReader(strings.Repeat("x", 5<<20))
	_, err = p.CallFrom(context.Background(), "pre_hook", big.Len(), big)
	var tooLarge *InputTooLargeError
	if !errors.As(err, &tooLarge) || big.Len() != 5<<20 {
		t.Fatalf("err %v, %d bytes left, want an InputTooLargeError and the input unread", err, big.Len())
	}
	short := strings.NewReader("{}")
	if _, err := p.CallFrom(context.Background(), "pre_hook", 10, short); err == nil || !strings.Contains(err.Error(), "reading the pre_hook input: unexpected EOF") {
		t.Fatalf("a short input: %v", err)
	}
	if r, err := p.Call(context.Background(), "post_hook", []byte("after")); err != nil || string(r.Output) != "after" {
		t.Fatalf("the next call: %q %v", r.Output, err)
	}
}

// ReserveMemory changes where memory lives, not what a plugin sees: growth, the limit and outputs are the same.
func TestReserveMemory(t *testing.T) {
	var atLimit []string
	for _, reserve := range []bool{false, true} {
		p := load(t, "echo", Options{ReserveMemory: reserve, MemoryLimitPages: 200})
		for _, n := range []int{10, 3 << 20, 9 << 20} {
			in := bytes.Repeat([]byte{'a' + byte(n%26)}, n)
			r, err := p.Call(context.Background(), "pre_hook", in)
			if err != nil || !bytes.Equal(r.Output, in) {
				t.Fatalf("reserve=%v, %d bytes: %v", reserve, n, err)
			}
			if r.Stats.PagesAfter <= r.Stats.PagesBefore && n > 1<<20 {
				t.Fatalf("reserve=%v: memory did not grow: %+v", reserve, r.Stats)
			}
		}
		// echo's bump allocator never frees: the next 9 MiB passes the 200-page limit, and malloc returns 0.
		_, err := p.Call(context.Background(), "pre_hook", make([]byte, 9<<20))
		if err == nil {
			t.Fatalf("reserve=%v: grew past the limit", reserve)
		}
		atLimit = append(atLimit, err.Error())
	}
	if atLimit[0] != atLimit[1] {
		t.Fatalf("at the limit:\n%s\n%s", atLimit[0], atLimit[1])
	}
	m := reserveMemory
	if m == nil {
		t.Skip("no reserved memory on this system")
	}
	lm := m.Allocate(0, 4<<16)
	defer lm.Free()
	if b := lm.Reallocate(2 << 16); len(b) != 2<<16 {
		t.Fatalf("len %d", len(b))
	}
	if b := lm.Reallocate(5 << 16); b != nil {
		t.Fatal("grown past the reservation")
	}
}
