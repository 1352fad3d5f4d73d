package transport

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// certReloader serves the certificate of a PEM file pair to TLS
// handshakes and replaces it when either file changes. A pair that fails
// to load leaves the previous certificate in use. Connections already
// established keep the certificate they were set up with.
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger
	cert              atomic.Pointer[tls.Certificate]

	stamp     filePairStamp // read and written by watch only, after start
	stop      chan struct{}
	stopOnce  sync.Once
	stoppedWG sync.WaitGroup
}

// newCertReloader loads the pair once. The error names the file at fault.
func newCertReloader(certFile, keyFile string, logger *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, logger: logger, stop: make(chan struct{})}
	r.stamp = stampPair(certFile, keyFile)
	cert, err := loadKeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	r.cert.Store(cert)
	r.warnIfExpired(cert)
	return r, nil
}

// loadKeyPair reads and parses a PEM certificate chain and private key.
// Its errors name the files by the altod flags that set them, because
// operators read them in altod's log.
func loadKeyPair(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s and --tls-key %s: %w", certFile, keyFile, err)
	}
	return &cert, nil
}

// getCertificate implements tls.Config.GetCertificate.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cert.Load(), nil
}

// start checks the files every interval until close is called.
func (r *certReloader) start(interval time.Duration) {
	r.stoppedWG.Go(func() {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-ticker.C:
				r.check()
			}
		}
	})
}

// close stops the check started by start and waits for it to return.
func (r *certReloader) close() {
	r.stopOnce.Do(func() { close(r.stop) })
	r.stoppedWG.Wait()
}

// check reloads the pair when the modification time, size or identity
// of either file has changed since the last check. Each change is
// logged once, so a broken file does not repeat its error every interval.
func (r *certReloader) check() {
	stamp := stampPair(r.certFile, r.keyFile)
	if stamp.equal(r.stamp) {
		return
	}
	r.stamp = stamp
	if stamp.err != nil {
		r.logger.Error("certificate reload failed; the previous certificate keeps serving", "err", stamp.err)
		return
	}
	cert, err := loadKeyPair(r.certFile, r.keyFile)
	if err != nil {
		r.logger.Error("certificate reload failed; the previous certificate keeps serving", "err", err)
		return
	}
	r.cert.Store(cert)
	attrs := []any{"cert_file", r.certFile}
	if leaf := cert.Leaf; leaf != nil {
		attrs = append(attrs, "subject", leaf.Subject.String(),
			"serial", leaf.SerialNumber.String(), "not_after", leaf.NotAfter)
	}
	r.logger.Info("certificate reloaded", attrs...)
	r.warnIfExpired(cert)
}

func (r *certReloader) warnIfExpired(cert *tls.Certificate) {
	if cert.Leaf != nil && time.Now().After(cert.Leaf.NotAfter) {
		r.logger.Warn("certificate has expired; clients will reject it",
			"cert_file", r.certFile, "not_after", cert.Leaf.NotAfter)
	}
}

// filePairStamp records what os.Stat returned for a certificate and key.
type filePairStamp struct {
	cert, key os.FileInfo
	err       error
}

func stampPair(certFile, keyFile string) filePairStamp {
	var s filePairStamp
	s.cert, s.err = os.Stat(certFile)
	if s.err != nil {
		s.err = fmt.Errorf("--tls-cert: %w", s.err)
		return s
	}
	s.key, s.err = os.Stat(keyFile)
	if s.err != nil {
		s.err = fmt.Errorf("--tls-key: %w", s.err)
	}
	return s
}

func (s filePairStamp) equal(o filePairStamp) bool {
	if (s.err == nil) != (o.err == nil) {
		return false
	}
	if s.err != nil {
		return s.err.Error() == o.err.Error()
	}
	return sameFileVersion(s.cert, o.cert) && sameFileVersion(s.key, o.key)
}

// sameFileVersion reports whether two os.Stat results describe the same
// file with the same contents as far as metadata shows. os.SameFile
// catches a file replaced by rename even within one timestamp tick.
func sameFileVersion(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}
