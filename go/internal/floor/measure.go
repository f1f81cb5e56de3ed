package floor

import (
	"encoding/json"
	"time"
)

// Codec is a JSON library: Bifrost's (sonic) or the standard library's.
type Codec struct {
	Name      string
	Unmarshal func([]byte, any) error
	Marshal   func(any) ([]byte, error)
}

// EncodingJSON is the standard library's encoding/json.
var EncodingJSON = &Codec{"encoding/json", json.Unmarshal, json.Marshal}

// Codecs are the codecs built in: sonic (unless built with -tags nosonic) and encoding/json.
func Codecs() []*Codec {
	if Sonic == nil {
		return []*Codec{EncodingJSON}
	}
	return []*Codec{Sonic, EncodingJSON}
}

// Run is one native hook call: parse, hello-world's change, serialise.
func Run(c *Codec, hook string, input []byte) ([]byte, error) {
	var v any
	if err := c.Unmarshal(input, &v); err != nil {
		return nil, err
	}
	return c.Marshal(Hook(hook, v))
}

// Measure returns the mean ns per Run over n iterations, after a short warm-up.
func Measure(c *Codec, hook string, input []byte, n int) (float64, error) {
	if n <= 0 {
		n = 1
	}
	for i := 0; i < min(n, 100); i++ {
		if _, err := Run(c, hook, input); err != nil {
			return 0, err
		}
	}
	started := time.Now()
	for i := 0; i < n; i++ {
		if _, err := Run(c, hook, input); err != nil {
			return 0, err
		}
	}
	return float64(time.Since(started).Nanoseconds()) / float64(n), nil
}
