package main

import (
	"flag"

	"github.com/goalto/goalto/internal/altoconf"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/restconf"
)

// configListen takes the listen address of an ietf-alto configuration
// (listen/http/tcp-server-parameters/local-bind) unless --listen is
// given.
func configListen(fs *flag.FlagSet, cfg *daemon.Config) error {
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "listen" })
	if explicit || cfg.Definition == "" || !altoconf.IsFile(cfg.Definition) {
		return nil
	}
	c, err := altoconf.Load(cfg.Definition)
	if err != nil {
		return err
	}
	if c.Listen != "" {
		cfg.Listen = c.Listen
	}
	return nil
}

// configDatastore returns the datastore that RESTCONF changes the
// configuration through: one for an ietf-alto configuration served with
// a management listener, and nil otherwise, when RESTCONF serves state
// only. Call its SetApply once the daemon has started.
func configDatastore(cfg *daemon.Config) (*altoconf.Datastore, error) {
	if cfg.ManagementListen == "" || cfg.Definition == "" || !altoconf.IsFile(cfg.Definition) {
		return nil, nil
	}
	ds, err := altoconf.NewDatastore(cfg.Definition, nil)
	if err != nil {
		return nil, err
	}
	if cfg.Logger != nil {
		ds.SetLogger(cfg.Logger)
	}
	return ds, nil
}

// asRESTCONF returns ds as a restconf.Datastore, nil when ds is nil.
func asRESTCONF(ds *altoconf.Datastore) restconf.Datastore {
	if ds == nil {
		return nil
	}
	return ds
}
