//go:build !nosonic

package floor

import "github.com/bytedance/sonic"

// Sonic is github.com/bytedance/sonic's default configuration, Bifrost's JSON library (nil when built with
// -tags nosonic, which saves about 4 MB of binary on amd64).
var Sonic = &Codec{"sonic", sonic.Unmarshal, sonic.Marshal}
