package snapshot

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"slices"
	"strconv"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/propmap/entity"
)

// wlcgSite is a site of the WLCG CRIC site table: the JSON object that
// the CRIC rcsite query returns, keyed by site name. Only the fields
// that give properties are read.
type wlcgSite struct {
	Name        string  `json:"name"`
	CountryCode string  `json:"country_code"`
	Latitude    float64 `json:"latitude"`
	Longitude   float64 `json:"longitude"`
	Netroutes   map[string]struct {
		Networks map[string][]string `json:"networks"` // "ipv4" and "ipv6" prefix lists
	} `json:"netroutes"`
}

// wlcgKeys are the property keys that the WLCG site table gives.
var wlcgKeys = []string{netdef.PropertyWLCGSite, netdef.PropertyCountry, netdef.PropertyLatitude, netdef.PropertyLongitude}

func wantsWLCG(keys map[string]bool) bool {
	return slices.ContainsFunc(wlcgKeys, func(k string) bool { return keys[k] })
}

// loadWLCG reads the WLCG site table of a definition and checks its
// prefixes.
func loadWLCG(def *netdef.Definition) (map[string]wlcgSite, error) {
	var data []byte
	var err error
	if def.FS != nil {
		data, err = fs.ReadFile(def.FS, def.PropertySources.WLCG)
	} else {
		data, err = os.ReadFile(def.Path(def.PropertySources.WLCG))
	}
	if err != nil {
		return nil, err
	}
	if err := netdef.CheckJSON(def.Path(def.PropertySources.WLCG), data); err != nil {
		return nil, fmt.Errorf("WLCG site table: %w", err)
	}
	var sites map[string]wlcgSite
	if err := json.Unmarshal(data, &sites); err != nil {
		return nil, fmt.Errorf("WLCG site table: %w", err)
	}
	for name, site := range sites {
		for route, nr := range site.Netroutes {
			for _, list := range nr.Networks {
				for _, text := range list {
					p, err := netip.ParsePrefix(text)
					if err != nil {
						return nil, fmt.Errorf("WLCG site %q, route %q: %w", name, route, err)
					}
					if p != p.Masked() {
						return nil, fmt.Errorf("WLCG site %q, route %q: prefix %s has host bits set", name, route, p)
					}
				}
			}
		}
	}
	return sites, nil
}

// setWLCG sets the site name, country and coordinates of each site on
// the prefixes of its network routes. CRIC gives an empty country code,
// or the coordinates 0, 0, to sites without them. Such a site sets them
// to null, because its prefixes may lie inside a prefix of another site,
// whose values they must not inherit.
//
// NOTE: a few prefixes belong to the routes of two or more sites. Such a
// prefix takes the properties of the site whose name sorts first, which
// is a choice of this server, not of the data.
func setWLCG(b *entity.TreeBuilder, sites map[string]wlcgSite, keys map[string]bool) {
	names := make([]string, 0, len(sites))
	for name := range sites {
		names = append(names, name)
	}
	// The last value set on a prefix wins, so the first name goes last.
	slices.Sort(names)
	slices.Reverse(names)
	for _, name := range names {
		site := sites[name]
		values := map[string]entity.Value{
			netdef.PropertyWLCGSite:  entity.String(name),
			netdef.PropertyCountry:   entity.Null,
			netdef.PropertyLatitude:  entity.Null,
			netdef.PropertyLongitude: entity.Null,
		}
		if site.CountryCode != "" {
			values[netdef.PropertyCountry] = entity.String(site.CountryCode)
		}
		if site.Latitude != 0 || site.Longitude != 0 {
			values[netdef.PropertyLatitude] = entity.String(strconv.FormatFloat(site.Latitude, 'f', -1, 64))
			values[netdef.PropertyLongitude] = entity.String(strconv.FormatFloat(site.Longitude, 'f', -1, 64))
		}
		for _, nr := range site.Netroutes {
			for _, list := range nr.Networks {
				for _, text := range list {
					p := netip.MustParsePrefix(text) // checked by loadWLCG
					for _, key := range wlcgKeys {
						if keys[key] {
							b.Set(p, key, values[key])
						}
					}
				}
			}
		}
	}
}
