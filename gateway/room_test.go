package gateway

import (
	"slices"
	"testing"
)

func TestRoomMembers(t *testing.T) {
	a, b, c := &Socket{id: "a"}, &Socket{id: "b"}, &Socket{id: "c"}
	ids := func(r *room) []string {
		var out []string
		for s := range r.members() {
			out = append(out, s.id)
		}
		slices.Sort(out)
		return out
	}
	var none *room
	if none.len() != 0 || len(ids(none)) != 0 {
		t.Fatal("a nil room has members")
	}
	r := &room{}
	r.add(a)
	r.add(a)
	if r.len() != 1 || !slices.Equal(ids(r), []string{"a"}) {
		t.Fatalf("one member added twice: %v", ids(r))
	}
	r.add(b)
	r.add(c)
	if r.len() != 3 || !slices.Equal(ids(r), []string{"a", "b", "c"}) {
		t.Fatalf("three members: %v", ids(r))
	}
	r.remove(b)
	r.remove(b)
	if r.len() != 2 || !slices.Equal(ids(r), []string{"a", "c"}) {
		t.Fatalf("after removing b: %v", ids(r))
	}
	single := &room{}
	single.add(a)
	single.remove(b)
	single.remove(a)
	if single.len() != 0 {
		t.Fatal("the only member was not removed")
	}
}
