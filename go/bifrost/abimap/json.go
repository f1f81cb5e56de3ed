package abimap

import "github.com/bytedance/sonic"

// Marshal and Unmarshal are the JSON codec of the mapping: Bifrost's own
// (sonic), configured to behave as encoding/json (sorted map keys, HTML
// escaped, invalid UTF-8 replaced), at a fraction of its cost per hook.
var (
	Marshal   = sonic.ConfigStd.Marshal
	Unmarshal = sonic.ConfigStd.Unmarshal
)
