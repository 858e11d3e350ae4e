package gateway

import (
	"bytes"
	"testing"
)

func FuzzParseSIO(f *testing.F) {
	for _, s := range []string{
		"0", `0{"token":"x"}`, "0/admin,", `2["ev",1]`, `21["ev"]`, `3/a,1[]`,
		`51-["ev",{"_placeholder":true,"num":0}]`, `61-/a,2[{"_placeholder":true,"num":0}]`,
		"1/x,", "9", "5999999-[]", "2/" + string(bytes.Repeat([]byte("a"), 300)) + ",[]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseSIO(b, 10)
		if err != nil {
			return
		}
		if p.binary() && (p.attachments < 1 || p.attachments > 10) {
			t.Fatalf("attachment count %d accepted", p.attachments)
		}
		if p.typ == sioEvent || p.typ == sioBinaryEvent {
			if err := validateEventData(p.data); err != nil {
				t.Fatalf("accepted event fails validation: %v", err)
			}
		}
		again, err := parseSIO(p.encode(), 10)
		if err != nil || again.typ != p.typ || again.nsp != p.nsp || again.id != p.id {
			t.Fatalf("re-encoding %q gives %q: %v", b, p.encode(), err)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"4hello", "2\x1e3", "bAQID", "b!!", "", "4a\x1ebAAE=\x1e6", "7"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		frames, err := decodePayload(b, 100)
		if err != nil {
			return
		}
		again, err := decodePayload(encodePayload(frames), 100)
		if err != nil || len(again) != len(frames) {
			t.Fatalf("payload %q does not round-trip: %v", b, err)
		}
		for i := range frames {
			if frames[i].typ != again[i].typ || !bytes.Equal(frames[i].data, again[i].data) {
				t.Fatalf("frame %d differs after round trip", i)
			}
		}
	})
}

func FuzzDecodeArgs(f *testing.F) {
	f.Add([]byte(`["a",{"_placeholder":true,"num":0}]`), []byte{1, 2}, 1)
	f.Add([]byte(`["a",[{"b":{"_placeholder":true,"num":1}}]]`), []byte{3}, 2)
	f.Add([]byte(`[{"_placeholder":true,"num":-1}]`), []byte{}, 1)
	f.Fuzz(func(t *testing.T, data, att []byte, n int) {
		if n < 0 || n > 10 {
			return
		}
		parts := make([][]byte, n)
		for i := range parts {
			parts[i] = att
		}
		args, err := decodeArgs(data, parts)
		if err != nil {
			return
		}
		enc, out, err := encodeArgs(args)
		if err != nil {
			t.Fatalf("decoded arguments do not encode: %v", err)
		}
		if _, err := decodeArgs(enc, out); err != nil {
			t.Fatalf("re-encoded arguments %s do not decode: %v", enc, err)
		}
	})
}
