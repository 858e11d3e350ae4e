package gateway

// DeliverBatch delivers bs under one write hold, as the Redis adapter
// delivers the broadcasts that arrive together.
func (n *Namespace) DeliverBatch(bs []Broadcast) error {
	var h writeHold
	defer h.release()
	for _, b := range bs {
		if err := n.deliverLocal(b, &h); err != nil {
			return err
		}
	}
	return nil
}
