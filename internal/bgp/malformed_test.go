package bgp_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// rawSession is a BGP session that the test runs by hand over TCP, so
// that it can send bytes that no BGP implementation would.
type rawSession struct {
	conn net.Conn
}

// dialRaw opens a session from local to the speaker at addr: OPEN with
// 4-octet AS and IPv4 unicast, then KEEPALIVE, and drains what the
// speaker sends afterwards.
func dialRaw(t *testing.T, local, addr string) *rawSession {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("connect to the speaker: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	caps := []bgp.ParameterCapabilityInterface{bgp.NewCapMultiProtocol(bgp.RF_IPv4_UC), bgp.NewCapFourOctetASNumber(testAS)}
	open, err := bgp.NewBGPOpenMessage(testAS, 90, netip.MustParseAddr("10.255.0.3"), []bgp.OptionParameterInterface{bgp.NewOptionParameterCapability(caps)})
	if err != nil {
		t.Fatal(err)
	}
	s := &rawSession{conn: conn}
	s.send(t, open)
	in := bufio.NewReader(conn)
	if typ := readMessageType(t, in); typ != bgp.BGP_MSG_OPEN {
		t.Fatalf("the speaker sent message type %d, want OPEN", typ)
	}
	s.send(t, bgp.NewBGPKeepAliveMessage())
	if typ := readMessageType(t, in); typ != bgp.BGP_MSG_KEEPALIVE {
		t.Fatalf("the speaker sent message type %d, want KEEPALIVE", typ)
	}
	go io.Copy(io.Discard, in)
	return s
}

func (s *rawSession) send(t *testing.T, m *bgp.BGPMessage) {
	t.Helper()
	data, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	s.write(t, data)
}

func (s *rawSession) write(t *testing.T, data []byte) {
	t.Helper()
	if _, err := s.conn.Write(data); err != nil {
		t.Fatalf("send to the speaker: %v", err)
	}
}

func readMessageType(t *testing.T, in *bufio.Reader) uint8 {
	t.Helper()
	header := make([]byte, bgp.BGP_HEADER_LENGTH)
	if _, err := io.ReadFull(in, header); err != nil {
		t.Fatalf("read from the speaker: %v", err)
	}
	body := make([]byte, int(binary.BigEndian.Uint16(header[16:18]))-bgp.BGP_HEADER_LENGTH)
	if _, err := io.ReadFull(in, body); err != nil {
		t.Fatalf("read from the speaker: %v", err)
	}
	return header[18]
}

// rawUpdate builds an UPDATE that announces prefix with ORIGIN, a 4-octet
// AS_PATH, NEXT_HOP and, when communities is not nil, a COMMUNITIES
// attribute with exactly those bytes. pathLengthExtra is added to the
// total path attribute length field.
func rawUpdate(prefix netip.Prefix, communities []byte, pathLengthExtra int) []byte {
	attrs := []byte{
		0x40, 1, 1, 0, // ORIGIN IGP
		0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe8, // AS_PATH: AS_SEQUENCE of AS 65000
		0x40, 3, 4, 192, 0, 2, 1, // NEXT_HOP 192.0.2.1
	}
	if communities != nil {
		attrs = append(attrs, 0xc0, 8, byte(len(communities)))
		attrs = append(attrs, communities...)
	}
	nlri := append([]byte{byte(prefix.Bits())}, prefix.Addr().AsSlice()[:(prefix.Bits()+7)/8]...)
	body := []byte{0, 0}
	body = binary.BigEndian.AppendUint16(body, uint16(len(attrs)+pathLengthExtra))
	body = append(append(body, attrs...), nlri...)
	msg := make([]byte, 16, 19+len(body))
	for i := range msg {
		msg[i] = 0xff
	}
	msg = binary.BigEndian.AppendUint16(msg, uint16(19+len(body)))
	msg = append(msg, bgp.BGP_MSG_UPDATE)
	return append(msg, body...)
}

func TestMalformedUpdateKeepsLastMap(t *testing.T) {
	port := freePort(t, "127.0.0.1")
	good := netip.MustParsePrefix("203.0.113.0/24")
	later := netip.MustParsePrefix("198.51.100.0/24")
	definition := fmt.Sprintf(`network-map:
  pids: group
  default-pid: default
bgp:
  local-as: %d
  router-id: 10.255.0.1
  listen-address: 127.0.0.1
  listen-port: %d
  quiet-period: 200ms
  max-delay: 2s
  hold-time: 1h
  default-pid: other
  peers:
    - {address: 127.0.0.3, as: %d, passive: true, families: [ipv4-unicast]}
  rules:
    - {pid: lab, communities: ["%d:9"]}
`, testAS, port, testAS, testAS)
	a := startAltod(t, definition)
	want := map[netip.Prefix]string{
		netip.MustParsePrefix("0.0.0.0/0"): "default",
		netip.MustParsePrefix("::/0"):      "default",
	}
	lab := []byte{0xfc, 0, 0, 9} // 64512:9

	session := dialRaw(t, "127.0.0.3", fmt.Sprintf("127.0.0.1:%d", port))
	session.write(t, rawUpdate(good, lab, 0))
	want[good] = "lab"
	a.waitForMap(t, want)

	t.Run("attribute error", func(t *testing.T) {
		// A COMMUNITIES attribute of 3 bytes is malformed; RFC 7606,
		// Section 7.8 has the route treated as withdrawn.
		session.write(t, rawUpdate(later, []byte{0xfc, 0, 0}, 0))
		session.write(t, rawUpdate(netip.MustParsePrefix("192.0.2.0/24"), lab, 0))
		want[netip.MustParsePrefix("192.0.2.0/24")] = "lab"
		a.waitForMap(t, want)
		if got := mustMap(t, a)[later]; got != "" {
			t.Errorf("the route with the malformed attribute is in PID %q, want none", got)
		}
		if logs := a.logs.String(); !strings.Contains(logs, "treated as withdraw") || !strings.Contains(logs, "communities length") {
			t.Errorf("the log does not give the cause of the withdrawal:\n%s", logs)
		}
	})

	t.Run("length error", func(t *testing.T) {
		// A total path attribute length beyond the message is an UPDATE
		// error that closes the session (RFC 4271, Section 6.3).
		_, before := a.networkMap(t)
		session.write(t, rawUpdate(later, lab, 40))
		a.waitForPeer(t, false)
		if got := a.waitForMap(t, want); got != before {
			t.Errorf("vtag %s after the session loss, want the last good map's %s", got, before)
		}
		// The peer state changes before its log line is written.
		a.waitForLog(t, "BGP session down", "malformed attribute list")
	})
}
