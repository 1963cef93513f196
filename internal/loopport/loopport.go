// Package loopport picks free loopback TCP ports for servers that a test or
// a load run starts in another process (redis-server, mockllm, gateways).
package loopport

import (
	"fmt"
	"net"
	"sync"
)

// handedOut holds every port Pick has returned in this process. The kernel
// soon hands a freed port out again, and a client left over from an earlier
// test or phase (a limiter replaying its spool, a pool redialling) keeps
// dialling its old server's address: it must not reach a later server there
// and write into it.
var handedOut struct {
	sync.Mutex
	m map[int]bool
}

// Pick returns a port on 127.0.0.1 that was free a moment ago and that this
// process has not picked before.
func Pick() (int, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		if !handedOut.m[port] {
			if handedOut.m == nil {
				handedOut.m = map[int]bool{}
			}
			handedOut.m[port] = true
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free loopback port this process has not picked before")
}
