//go:build !linux

package gateway

import "net"

// poller is Linux-only; elsewhere every connection keeps a reader
// goroutine.
type poller struct{}

func newPoller() *poller                 { return nil }
func fdOf(net.Conn) (int, bool)          { return 0, false }
func (p *poller) add(*conn, int) error   { return nil }
func (p *poller) rearm(*conn, int) error { return nil }
func (p *poller) remove(*conn, int)      {}
func (p *poller) close()                 {}
