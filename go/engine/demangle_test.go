package engine

import "testing"

func TestDemangle(t *testing.T) {
	for in, want := range map[string]string{
		"_ZN4core6result13unwrap_failed17h0123456789abcdefE":                "core::result::unwrap_failed",
		"_ZN8dlmalloc8dlmalloc17Dlmalloc$LT$A$GT$4free17hc162d4563cf6e25bE": "dlmalloc::dlmalloc::Dlmalloc<A>::free",
		"~lib/rt/stub/__alloc":                                                  "~lib/rt/stub/__alloc",
		"_ZN3foo11bar$u20$baz17h0123456789abcdefE":                              "foo::bar baz",
		"_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$7reserve21do_reserve_and_handle": "_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$7reserve21do_reserve_and_handle",
		"_ZN99tooshortE": "_ZN99tooshortE",
	} {
		if got := demangle(in); got != want {
			t.Errorf("demangle(%q) = %q, want %q", in, got, want)
		}
	}
}
