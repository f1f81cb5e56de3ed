//go:build nosonic

package floor

// Sonic is nil: this build leaves sonic out (-tags nosonic).
var Sonic *Codec
