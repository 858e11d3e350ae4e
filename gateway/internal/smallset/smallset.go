// Package smallset is a set that stores a single member without a map.
//
// The gateway indexes sockets by room, by session and by token. Most of
// those sets hold one socket (a socket's own room, a user on one device, one
// token's socket), and a Go map costs a few hundred bytes even for one entry;
// at tens of thousands of sessions per edge that is a large share of the
// memory per session. A Set keeps its first member inline and makes the map
// for the second.
package smallset

import "iter"

// Set is a set of T. The zero value is empty and ready to use; a nil *Set
// reads as empty.
type Set[T comparable] struct {
	one  T
	has  bool
	many map[T]struct{}
}

// Add puts v in the set.
func (s *Set[T]) Add(v T) {
	switch {
	case s.many != nil:
		s.many[v] = struct{}{}
	case !s.has || s.one == v:
		s.one, s.has = v, true
	default:
		s.many = map[T]struct{}{s.one: {}, v: {}}
		var zero T
		s.one, s.has = zero, false
	}
}

// Remove takes v out of the set.
func (s *Set[T]) Remove(v T) {
	if s.many != nil {
		delete(s.many, v)
		return
	}
	if s.has && s.one == v {
		var zero T
		s.one, s.has = zero, false
	}
}

// Len returns the number of members.
func (s *Set[T]) Len() int {
	switch {
	case s == nil:
		return 0
	case s.many != nil:
		return len(s.many)
	case s.has:
		return 1
	}
	return 0
}

// All yields every member, in no particular order.
func (s *Set[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		switch {
		case s == nil:
		case s.many != nil:
			for v := range s.many {
				if !yield(v) {
					return
				}
			}
		case s.has:
			yield(s.one)
		}
	}
}
