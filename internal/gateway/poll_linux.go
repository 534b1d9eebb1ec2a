//go:build linux

package gateway

import (
	"errors"
	"net"
	"sync"
	"syscall"
)

// poller reads connections on readiness: one epoll instance watches every
// idle connection, and a goroutine is started for a connection only when a
// frame arrives, for the time it takes to read and handle it. An idle
// session then holds no goroutine and no stack, only its state.
//
// Each connection is registered one-shot: after a readiness event it is not
// reported again until its reader re-arms it, so that one connection's
// frames are read by one goroutine at a time, in order.
type poller struct {
	epfd int

	mu    sync.Mutex
	conns map[int32]*conn // by file descriptor
	done  chan struct{}
	stop  bool
}

// newPoller starts a poller, or returns nil when the platform refuses one
// (connections then keep a reader goroutine each).
func newPoller() *poller {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil
	}
	p := &poller{epfd: fd, conns: make(map[int32]*conn), done: make(chan struct{})}
	go p.run()
	return p
}

const pollEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

// fdOf returns a connection's file descriptor, if it has one.
func fdOf(nc net.Conn) (int, bool) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if rc.Control(func(f uintptr) { fd = int(f) }) != nil || fd < 0 {
		return 0, false
	}
	return fd, true
}

// add watches c, whose descriptor is fd, for its next frame.
func (p *poller) add(c *conn, fd int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop {
		return errors.New("gateway: poller stopped")
	}
	ev := syscall.EpollEvent{Events: pollEvents, Fd: int32(fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return err
	}
	p.conns[int32(fd)] = c
	return nil
}

// rearm watches c again after its reader handled a frame.
func (p *poller) rearm(c *conn, fd int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop || p.conns[int32(fd)] != c {
		return errors.New("gateway: connection no longer polled")
	}
	ev := syscall.EpollEvent{Events: pollEvents, Fd: int32(fd)}
	return syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, fd, &ev)
}

// remove stops watching c; it must run before c's socket closes, so that
// its descriptor, once reused, cannot reach c.
func (p *poller) remove(c *conn, fd int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop || p.conns[int32(fd)] != c {
		return
	}
	delete(p.conns, int32(fd))
	syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
}

// run waits for ready connections and starts a reader for each.
func (p *poller) run() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, 500)
		p.mu.Lock()
		if p.stop {
			p.mu.Unlock()
			return
		}
		var ready []*conn
		for i := range max(n, 0) {
			if c := p.conns[events[i].Fd]; c != nil {
				ready = append(ready, c)
			}
		}
		p.mu.Unlock()
		for _, c := range ready {
			go c.readReady()
		}
		if err != nil && !errors.Is(err, syscall.EINTR) {
			return
		}
	}
}

// close stops the poller; the connections it watched are no longer read.
func (p *poller) close() {
	p.mu.Lock()
	if p.stop {
		p.mu.Unlock()
		return
	}
	p.stop = true
	clear(p.conns)
	p.mu.Unlock()
	<-p.done
	syscall.Close(p.epfd)
}
