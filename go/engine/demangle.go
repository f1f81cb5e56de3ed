package engine

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	mangledHash   = regexp.MustCompile(`^h[0-9a-f]{16}$`)
	mangledEscape = regexp.MustCompile(`\$([A-Z]+|u[0-9a-f]+)\$`)
	escapes       = map[string]string{"SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ","}
)

// demangle makes a Rust legacy-mangled symbol readable (what rustc writes
// into a wasm name section: _ZN8dlmalloc8dlmalloc17Dlmalloc$LT$A$GT$4free17h…E
// becomes dlmalloc::dlmalloc::Dlmalloc<A>::free), as the TypeScript host's
// lib/wasm/demangle.ts does; any other name comes back unchanged.
func demangle(name string) string {
	if !strings.HasPrefix(name, "_ZN") || !strings.HasSuffix(name, "E") {
		return name
	}
	var parts []string
	end := len(name) - 1
	for i := 3; i < end; {
		j := i
		for j < end && name[j] >= '0' && name[j] <= '9' {
			j++
		}
		if j == i {
			return name
		}
		n, err := strconv.Atoi(name[i:j])
		if err != nil || j+n > end {
			return name
		}
		parts = append(parts, name[j:j+n])
		i = j + n
	}
	if len(parts) > 1 && mangledHash.MatchString(parts[len(parts)-1]) {
		parts = parts[:len(parts)-1]
	}
	for i, p := range parts {
		if strings.HasPrefix(p, "_$") {
			p = p[1:]
		}
		p = mangledEscape.ReplaceAllStringFunc(p, func(whole string) string {
			code := whole[1 : len(whole)-1]
			if code[0] == 'u' {
				if r, err := strconv.ParseUint(code[1:], 16, 32); err == nil {
					return string(rune(r))
				}
				return whole
			}
			if e, ok := escapes[code]; ok {
				return e
			}
			return whole
		})
		parts[i] = strings.ReplaceAll(p, "..", "::")
	}
	return strings.Join(parts, "::")
}
