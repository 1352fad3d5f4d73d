package promsource_test

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/measure/promsource"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

func TestStartWithoutPrometheus(t *testing.T) {
	// Nothing listens on the port of a listener just closed.
	url := "http://" + freePort(t)
	def, err := netdef.Load(writeDefinition(t, fmt.Sprintf(testDefinition, url)))
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	src, err := promsource.Start(def, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("Start with Prometheus down: %v, want a running source", err)
	}
	t.Cleanup(func() { src.Close() })

	var live snapshot.Live
	src.Contribute(&live)
	if live.Measurements == nil {
		t.Fatal("no measurement set after the first round")
	}
	if got := live.Measurements.Links[measure.SeriesKey{Kind: measure.Delay, Operator: "cur"}]; len(got) != 0 {
		t.Errorf("delay values %v with Prometheus down, want none", got)
	}
	if !strings.Contains(logs.String(), "querying Prometheus") || !strings.Contains(logs.String(), url) {
		t.Errorf("no warning naming %s in the log:\n%s", url, logs.String())
	}

	s, err := snapshot.BuildLive(def, live)
	if err != nil {
		t.Fatalf("build with Prometheus down: %v", err)
	}
	if got := s.Stats.Measured[measure.SeriesKey{Kind: measure.Delay, Operator: "cur"}]; got != (snapshot.MeasureStats{Missing: 8}) {
		t.Errorf("delay stats = %+v, want all 8 link directions missing", got)
	}
	if s.CostMaps["num-hop"] == nil {
		t.Error("the topology cost type num-hop is missing while Prometheus is down")
	}
}

func TestCheckWithoutPrometheus(t *testing.T) {
	url := "http://" + freePort(t)
	def, err := netdef.Load(writeDefinition(t, fmt.Sprintf(testDefinition, url)))
	if err != nil {
		t.Fatal(err)
	}
	src, err := promsource.CheckFactory(def, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("CheckFactory with Prometheus down: %v, want warnings only", err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
