package replay

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/goalto/goalto/internal/topology"
)

// AssignPrefixes appends to node i of g the i-th subnet of length bits
// inside base, in node order: with base 10.0.0.0/8 and bits 24 the first
// node gets 10.0.0.0/24, the second 10.0.1.0/24. Under the network
// definition's node rule each node then becomes a PID. base must have no
// host bits set and hold a subnet for every node.
func AssignPrefixes(g *topology.Graph, base netip.Prefix, bits int) error {
	if err := checkPrefix(base); err != nil {
		return err
	}
	if bits < base.Bits() || bits > base.Addr().BitLen() {
		return fmt.Errorf("prefix length %d: want %d to %d for subnets of %s", bits, base.Bits(), base.Addr().BitLen(), base)
	}
	free := bits - base.Bits()
	if free < 63 && uint64(len(g.Nodes)) > uint64(1)<<free {
		return fmt.Errorf("%s holds %d subnets of length /%d, fewer than the %d nodes", base, uint64(1)<<free, bits, len(g.Nodes))
	}
	for i := range g.Nodes {
		p := netip.PrefixFrom(subnetAddr(base.Addr(), uint64(i), base.Addr().BitLen()-bits), bits)
		g.Nodes[i].Prefixes = append(g.Nodes[i].Prefixes, p)
	}
	return nil
}

// subnetAddr returns addr plus n shifted left by shift bits. The caller
// ensures that the sum stays inside the base prefix.
func subnetAddr(addr netip.Addr, n uint64, shift int) netip.Addr {
	if addr.Is4() {
		a := addr.As4()
		v := binary.BigEndian.Uint32(a[:]) + uint32(n<<shift)
		binary.BigEndian.PutUint32(a[:], v)
		return netip.AddrFrom4(a)
	}
	a := addr.As16()
	hi, lo := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	var addHi, addLo uint64
	switch {
	case shift >= 64:
		addHi = n << (shift - 64)
	case shift == 0:
		addLo = n
	default:
		addHi, addLo = n>>(64-shift), n<<shift
	}
	lo += addLo
	if lo < addLo {
		hi++
	}
	hi += addHi
	binary.BigEndian.PutUint64(a[:8], hi)
	binary.BigEndian.PutUint64(a[8:], lo)
	return netip.AddrFrom16(a)
}
