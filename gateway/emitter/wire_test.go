package emitter

import (
	"bytes"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	in := Message{
		UID: "u1", Namespace: "/chat", Rooms: []string{"r"}, Except: []string{"x"},
		Event: "ev", Args: []any{"s", []byte{1, 2}, map[string]any{"k": true}},
	}
	b, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if out.UID != "u1" || out.Namespace != "/chat" || out.Event != "ev" || out.Rooms[0] != "r" ||
		out.Except[0] != "x" || !bytes.Equal(out.Args[1].([]byte), []byte{1, 2}) {
		t.Fatalf("round trip: %+v", out)
	}
	if ch := BroadcastChannel("socket.io", "/chat", in.Rooms); ch != "socket.io#/chat#r#" {
		t.Errorf("single-room channel %q", ch)
	}
	if ch := BroadcastChannel("socket.io", "/", []string{"a", "b"}); ch != "socket.io#/#" {
		t.Errorf("multi-room channel %q", ch)
	}
}

func TestDecodeRefusesWhatIsNotAnEvent(t *testing.T) {
	ack, _ := msgpack.Marshal([]any{"u", map[string]any{"type": 3, "data": []any{"x"}, "nsp": "/"}, map[string]any{}})
	cases := map[string][]byte{
		"not msgpack":    []byte("{}"),
		"empty array":    {0x90},
		"an ack packet":  ack,
		"no event name":  mustPack(t, []any{"u", map[string]any{"type": 2, "data": []any{1}}, map[string]any{}}),
		"packet not map": mustPack(t, []any{"u", "x", map[string]any{}}),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(b); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func mustPack(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzDecode(f *testing.F) {
	b, _ := Encode(Message{UID: "u", Namespace: "/", Event: "e", Args: []any{[]byte{1}}})
	f.Add(b)
	f.Add([]byte{0x93, 0xa1, 0x75, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		if m.Event == "" && len(m.Args) > 0 {
			t.Fatal("decoded arguments without an event")
		}
		if _, err := Encode(m); err != nil {
			t.Fatalf("a decoded message does not encode: %v", err)
		}
	})
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"type":2,"opts":{"rooms":["a"],"except":[]},"rooms":["b"]}`))
	f.Add([]byte{0x81, 0xa4, 't', 'y', 'p', 'e', 0x04})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeRequest(b)
	})
}
