package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzEcho: any input bytes come back exactly (no re-encoding), whatever their size or encoding.
func FuzzEcho(f *testing.F) {
	p := load(f, "echo", Options{PoolSize: 1})
	for _, s := range []string{"", "{}", "\xff\xfe", "é😀", "\x00\x00", `{"a":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := p.Call(context.Background(), "pre_hook", in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.Output, in) || r.Output == nil {
			t.Fatalf("echo changed %q into %q", in, r.Output)
		}
	})
}

// FuzzOutputBounds: a hook returning any ptr<<32|len yields either a copy of exactly that range of memory or
// ErrBadOutput, and the plugin keeps answering.
func FuzzOutputBounds(f *testing.F) {
	p := load(f, "packed", Options{PoolSize: 1})
	for _, v := range []uint64{0, 1, 16<<32 | 6, 65535<<32 | 1, 65536 << 32, 65535<<32 | 2, 0xffffffff_ffffffff, 1<<32 | 0xffffffff} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, packed uint64) {
		in := binary.LittleEndian.AppendUint64(nil, packed)
		r, err := p.Call(context.Background(), "pre_hook", in)
		ptr, n := uint64(packed>>32), uint64(uint32(packed))
		switch {
		case packed == 0:
			if err != nil || r.Output != nil {
				t.Fatalf("0: %q %v", r.Output, err)
			}
		case ptr+n > 65536:
			var oe *OutputError
			if !errors.Is(err, ErrBadOutput) || !errors.As(err, &oe) || uint64(oe.Ptr) != ptr || uint64(oe.Len) != n {
				t.Fatalf("%#x: want ErrBadOutput, got %q %v", packed, r.Output, err)
			}
		default:
			if err != nil || uint64(len(r.Output)) != n {
				t.Fatalf("%#x: %d bytes, %v", packed, len(r.Output), err)
			}
		}
		if r, err := p.Call(context.Background(), "post_hook", []byte("short")); err != nil || r.Output != nil {
			t.Fatalf("after: %q %v", r.Output, err)
		}
	})
}
