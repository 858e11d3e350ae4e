package gateway

import (
	"encoding/json"
	"fmt"
)

// Event arguments are plain Go values as encoding/json decodes them (nil,
// bool, float64, string, []any, map[string]any), with one addition: a []byte
// is a binary value, sent as a Socket.IO attachment.

// placeholder is how a binary value is referenced inside the JSON of a
// binary packet.
type placeholder struct {
	Placeholder bool `json:"_placeholder"`
	Num         int  `json:"num"`
}

// decodeArgs parses a packet's JSON array, putting each attachment back where
// its placeholder stands.
func decodeArgs(data []byte, attachments [][]byte) ([]any, error) {
	var raw []any
	if len(data) == 0 {
		return nil, nil
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: arguments are not a JSON array", errMalformed)
	}
	used := 0
	for i := range raw {
		v, err := fillPlaceholders(raw[i], attachments, &used, 0)
		if err != nil {
			return nil, err
		}
		raw[i] = v
	}
	if used != len(attachments) {
		return nil, fmt.Errorf("%w: %d attachments sent, %d referenced", errMalformed,
			len(attachments), used)
	}
	return raw, nil
}

// maxDepth bounds the nesting walked when placing attachments.
const maxDepth = 32

func fillPlaceholders(v any, att [][]byte, used *int, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: arguments nested too deeply", errMalformed)
	}
	switch t := v.(type) {
	case []any:
		for i := range t {
			r, err := fillPlaceholders(t[i], att, used, depth+1)
			if err != nil {
				return nil, err
			}
			t[i] = r
		}
	case map[string]any:
		if isPlaceholder(t) {
			return takeAttachment(t, att, used)
		}
		for k := range t {
			r, err := fillPlaceholders(t[k], att, used, depth+1)
			if err != nil {
				return nil, err
			}
			t[k] = r
		}
	}
	return v, nil
}

func isPlaceholder(m map[string]any) bool {
	b, ok := m["_placeholder"].(bool)
	return ok && b && len(m) == 2
}

func takeAttachment(m map[string]any, att [][]byte, used *int) (any, error) {
	n, ok := m["num"].(float64)
	if !ok || n < 0 || int(n) >= len(att) || float64(int(n)) != n {
		return nil, fmt.Errorf("%w: placeholder refers to no attachment", errMalformed)
	}
	*used++
	return att[int(n)], nil
}

// encodeArgs writes values as a JSON array, replacing each []byte by a
// placeholder and returning the attachments in order.
func encodeArgs(values []any) ([]byte, [][]byte, error) {
	var att [][]byte
	repl := make([]any, len(values))
	for i, v := range values {
		repl[i] = extractBinary(v, &att, 0)
	}
	data, err := json.Marshal(repl)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding arguments: %w", err)
	}
	return data, att, nil
}

func extractBinary(v any, att *[][]byte, depth int) any {
	if depth > maxDepth {
		return v
	}
	switch t := v.(type) {
	case []byte:
		*att = append(*att, t)
		return placeholder{Placeholder: true, Num: len(*att) - 1}
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = extractBinary(t[i], att, depth+1)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = extractBinary(e, att, depth+1)
		}
		return out
	}
	return v
}
