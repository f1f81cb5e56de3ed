package abi

import (
	"testing"
	"unicode/utf8"
)

func TestPack(t *testing.T) {
	for _, tc := range []struct {
		ptr, n uint32
		packed uint64
	}{
		{0, 0, 0},
		{1024, 17, 1024<<32 | 17},
		{0xffffffff, 0xffffffff, 0xffffffff_ffffffff},
		{16, 0, 16 << 32},
	} {
		if got := Pack(tc.ptr, tc.n); got != tc.packed {
			t.Errorf("Pack(%d, %d) = %#x, want %#x", tc.ptr, tc.n, got, tc.packed)
		}
		if p, n := Unpack(tc.packed); p != tc.ptr || n != tc.n {
			t.Errorf("Unpack(%#x) = %d, %d", tc.packed, p, n)
		}
	}
}

func TestInBounds(t *testing.T) {
	for _, tc := range []struct {
		ptr, n uint32
		size   uint64
		want   bool
	}{
		{0, 0, 0, true},
		{65535, 1, 65536, true},
		{65535, 2, 65536, false},
		{0xffffffff, 0xffffffff, 1 << 32, false}, // no uint32 overflow
		{0, 0xffffffff, 1 << 32, true},
	} {
		if got := InBounds(tc.ptr, tc.n, tc.size); got != tc.want {
			t.Errorf("InBounds(%d, %d, %d) = %v", tc.ptr, tc.n, tc.size, got)
		}
	}
}

func TestFreePolicy(t *testing.T) {
	for _, tc := range []struct {
		policy        FreePolicy
		input, output int
	}{{FreeBoth, 1, 1}, {FreeInput, 1, 0}, {FreeNone, 0, 0}, {FreeDouble, 2, 2}, {"", 1, 1}} {
		if i, o := tc.policy.Frees(); i != tc.input || o != tc.output {
			t.Errorf("%q frees %d, %d", tc.policy, i, o)
		}
	}
	if p, err := ParseFreePolicy("none"); err != nil || p != FreeNone {
		t.Fatal(p, err)
	}
	if _, err := ParseFreePolicy("some"); err == nil || err.Error() != `unknown free policy "some": expected both, input, none, double` {
		t.Fatal(err)
	}
}

func TestImportProblem(t *testing.T) {
	for _, tc := range []struct{ module, name, want string }{
		{WASIModule, "fd_write", ""},
		{"env", "abort", `import "env.abort" is not provided by Bifrost (build with --use abort= )`},
		{"env", "memcpy", `import "env.memcpy" is not provided by Bifrost (Bifrost provides only wasi_snapshot_preview1)`},
		{"bifrost", "log", `import "bifrost.log" is not provided by Bifrost (Bifrost provides only wasi_snapshot_preview1)`},
	} {
		if got := ImportProblem(tc.module, tc.name); got != tc.want {
			t.Errorf("ImportProblem(%s, %s) = %q", tc.module, tc.name, got)
		}
	}
}

func TestSignature(t *testing.T) {
	if s := Signatures[PreHook].String(); s != "(i32, i32) -> i64" {
		t.Error(s)
	}
	if s := FreeSignatures[0].String(); s != "(i32) -> ()" {
		t.Error(s)
	}
	if Signatures[Malloc].Equal(Signatures[Cleanup]) || !Signatures[PreHook].Equal(Signatures[PostHook]) {
		t.Error("Equal")
	}
	for _, h := range Hooks {
		if !IsHook(h) || !Signatures[h].Equal(Signatures[PreHook]) {
			t.Errorf("hook %s", h)
		}
	}
	if IsHook(Malloc) {
		t.Error("malloc is no hook")
	}
}

func TestFirstInvalidUTF8(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", -1}, {"abc", -1}, {"é😀", -1}, {"ab\xff", 2}, {"\xc0\x80", 0}, {"a\xed\xa0\x80", 1}, {"é\xe2\x82", 2},
	} {
		if got := FirstInvalidUTF8([]byte(tc.in)); got != tc.want {
			t.Errorf("FirstInvalidUTF8(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func FuzzUnpack(f *testing.F) {
	f.Add(uint64(0))
	f.Add(uint64(1024<<32 | 17))
	f.Add(^uint64(0))
	f.Fuzz(func(t *testing.T, packed uint64) {
		p, n := Unpack(packed)
		if Pack(p, n) != packed {
			t.Fatalf("%#x does not round-trip", packed)
		}
		in := InBounds(p, n, 1<<32)
		if in != (uint64(p)+uint64(n) <= 1<<32) {
			t.Fatalf("InBounds(%d, %d)", p, n)
		}
	})
}

func FuzzFirstInvalidUTF8(f *testing.F) {
	for _, s := range []string{"", "abc", "ab\xff", "\xc0\x80", "é😀\xed\xa0\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		at := FirstInvalidUTF8(b)
		if (at < 0) != utf8.Valid(b) {
			t.Fatalf("%q: %d", b, at)
		}
		if at >= 0 {
			if !utf8.Valid(b[:at]) {
				t.Fatalf("%q: the bytes before %d are not valid", b, at)
			}
			if r, n := utf8.DecodeRune(b[at:]); r != utf8.RuneError || n != 1 {
				t.Fatalf("%q: byte %d starts a valid sequence", b, at)
			}
		}
	})
}
