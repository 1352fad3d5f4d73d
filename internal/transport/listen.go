package transport

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// maxBindAttempts bounds the search for a port number that is free on
// both TCP and UDP when the configured port is 0.
const maxBindAttempts = 10

// bind listens on TCP at addr and, when withUDP is set, on UDP at the
// same IP address and port number. With port 0 it retries on another
// free TCP port while the UDP port of that number is taken.
func bind(addr string, withUDP bool) (*net.TCPListener, *net.UDPConn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("Listen %q: %w", addr, err)
	}
	attempts := 1
	if withUDP && (port == "0" || port == "") {
		attempts = maxBindAttempts
	}
	for i := 1; ; i++ {
		tcpLn, err := listenTCP(addr)
		if err != nil || !withUDP {
			return tcpLn, nil, err
		}
		udpConn, err := listenUDPSamePort(tcpLn)
		if err == nil {
			return tcpLn, udpConn, nil
		}
		_ = tcpLn.Close()
		if i >= attempts || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, err
		}
	}
}

func listenTCP(addr string) (*net.TCPListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("Listen: %w", err)
	}
	return ln.(*net.TCPListener), nil
}

// listenUDPSamePort binds UDP on the IP address and port of tcpLn, so a
// client that learned the port from Alt-Svc reaches the same host.
func listenUDPSamePort(tcpLn *net.TCPListener) (*net.UDPConn, error) {
	tcpAddr := tcpLn.Addr().(*net.TCPAddr)
	udpAddr := &net.UDPAddr{IP: tcpAddr.IP, Port: tcpAddr.Port, Zone: tcpAddr.Zone}
	conn, err := net.ListenUDP("udp", udpAddr)
	if err != nil {
		return nil, fmt.Errorf("Listen: UDP port for h3: %w", err)
	}
	return conn, nil
}
