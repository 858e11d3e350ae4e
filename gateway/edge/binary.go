package edge

import (
	"encoding/base64"

	"github.com/kernelwork/kernelwork/gateway/hooks"
)

// BinaryKey marks a binary value in hook JSON: {"$binary": "<base64>"}.
const BinaryKey = "$binary"

// ToWire returns v with every []byte replaced by {"$binary": base64}, for
// the JSON of a hook. Structs are left as they are, but their fields of type
// any are not walked; hook bodies carry arguments in []any fields, which are.
func ToWire(v any) any {
	switch t := v.(type) {
	case []byte:
		return map[string]string{BinaryKey: base64.StdEncoding.EncodeToString(t)}
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = ToWire(t[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = ToWire(e)
		}
		return out
	case hooks.ConnectRequest:
		t.Auth, _ = ToWire(t.Auth).(map[string]any)
		return t
	case hooks.EventRequest:
		t.Args, _ = ToWire(t.Args).([]any)
		return t
	}
	return v
}

// FromWire returns v with every {"$binary": base64} object replaced by its
// bytes.
func FromWire(v any) any {
	switch t := v.(type) {
	case []any:
		for i := range t {
			t[i] = FromWire(t[i])
		}
	case map[string]any:
		if s, ok := t[BinaryKey].(string); ok && len(t) == 1 {
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				return b
			}
		}
		for k := range t {
			t[k] = FromWire(t[k])
		}
	}
	return v
}

func argsFromWire(args []any) []any {
	out, _ := FromWire(args).([]any)
	return out
}
