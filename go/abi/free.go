package abi

import (
	"fmt"
	"strings"
)

// FreePolicy says which buffers a host frees after a hook call. Bifrost's
// choice is unknown, so a plugin must be correct under every policy.
type FreePolicy string

// The free policies.
const (
	FreeBoth   FreePolicy = "both"   // the input and the output, once each
	FreeInput  FreePolicy = "input"  // the input only
	FreeNone   FreePolicy = "none"   // nothing
	FreeDouble FreePolicy = "double" // the input and the output, twice each
)

// FreePolicies lists every policy, the default first.
var FreePolicies = []FreePolicy{FreeBoth, FreeInput, FreeNone, FreeDouble}

// Frees returns how many times p frees the input and the output buffer;
// the empty policy is FreeBoth.
func (p FreePolicy) Frees() (input, output int) {
	switch p {
	case FreeBoth, "":
		return 1, 1
	case FreeInput:
		return 1, 0
	case FreeNone:
		return 0, 0
	case FreeDouble:
		return 2, 2
	}
	return 1, 1
}

// ParseFreePolicy checks a policy name, with the TypeScript host's wording
// for an unknown one.
func ParseFreePolicy(s string) (FreePolicy, error) {
	for _, p := range FreePolicies {
		if string(p) == s {
			return p, nil
		}
	}
	names := make([]string, len(FreePolicies))
	for i, p := range FreePolicies {
		names[i] = string(p)
	}
	return "", fmt.Errorf("unknown free policy %q: expected %s", s, strings.Join(names, ", "))
}
