package gateway

import "iter"

// room holds the local sockets of one room. Most rooms have one member (a
// socket's own room, the room of a user on one device), so a single member
// is kept without a set; the set is made for the second.
type room struct {
	one  *Socket
	many map[*Socket]struct{}
}

func (r *room) add(s *Socket) {
	switch {
	case r.many != nil:
		r.many[s] = struct{}{}
	case r.one == nil || r.one == s:
		r.one = s
	default:
		r.many = map[*Socket]struct{}{r.one: {}, s: {}}
		r.one = nil
	}
}

func (r *room) remove(s *Socket) {
	if r.many != nil {
		delete(r.many, s)
		return
	}
	if r.one == s {
		r.one = nil
	}
}

// len returns the number of members; a nil room has none.
func (r *room) len() int {
	switch {
	case r == nil:
		return 0
	case r.many != nil:
		return len(r.many)
	case r.one != nil:
		return 1
	}
	return 0
}

// members yields every member; a nil room yields none.
func (r *room) members() iter.Seq[*Socket] {
	return func(yield func(*Socket) bool) {
		switch {
		case r == nil:
		case r.many != nil:
			for s := range r.many {
				if !yield(s) {
					return
				}
			}
		case r.one != nil:
			yield(r.one)
		}
	}
}
