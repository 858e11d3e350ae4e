package smallset

import (
	"slices"
	"testing"
)

func members(s *Set[string]) []string {
	out := slices.Collect(s.All())
	slices.Sort(out)
	return out
}

func TestSet(t *testing.T) {
	var none *Set[string]
	if none.Len() != 0 || len(members(none)) != 0 {
		t.Fatal("a nil set has members")
	}
	s := &Set[string]{}
	s.Add("")
	s.Add("")
	if s.Len() != 1 || !slices.Equal(members(s), []string{""}) {
		t.Fatalf("the zero value added twice: %q", members(s))
	}
	s.Add("b")
	s.Add("c")
	if s.Len() != 3 || !slices.Equal(members(s), []string{"", "b", "c"}) {
		t.Fatalf("three members: %q", members(s))
	}
	s.Remove("b")
	s.Remove("b")
	if s.Len() != 2 || !slices.Equal(members(s), []string{"", "c"}) {
		t.Fatalf("after removing b: %q", members(s))
	}
	one := &Set[string]{}
	one.Add("a")
	one.Remove("z")
	if one.Len() != 1 {
		t.Fatal("removing a non-member removed the member")
	}
	one.Remove("a")
	if one.Len() != 0 || len(members(one)) != 0 {
		t.Fatal("the only member was not removed")
	}
	for range s.All() {
		break // stopping early must not panic
	}
}
