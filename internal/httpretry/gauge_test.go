package httpretry_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sfzoom/sfzoom/internal/httpretry"
)

// TestRegisterSharesAGauge pins what two clients on one registry get: the
// first registers its gauge, the second gets the first one's back (so both
// update one series), and a collector whose name clashes with a different
// description is an error that leaves it unregistered.
func TestRegisterSharesAGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.GaugeOpts{Name: "test_breaker_state", Help: "state"}
	first, err := httpretry.Register(reg, prometheus.NewGauge(opts))
	if err != nil {
		t.Fatalf("first Register: %v", err)
	}
	second, err := httpretry.Register(reg, prometheus.NewGauge(opts))
	if err != nil {
		t.Fatalf("second Register: %v", err)
	}
	second.Set(2)
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 {
		t.Fatalf("Gather = %d families, %v; want 1", len(mfs), err)
	}
	v := mfs[0].GetMetric()[0].GetGauge().GetValue()
	if v != 2 || first != second {
		t.Errorf("the second client's gauge is not the registered one: gathered %v, same gauge %v", v, first == second)
	}

	clash := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_breaker_state", Help: "another help"})
	got, err := httpretry.Register(reg, clash)
	if err == nil {
		t.Fatal("Register of a clashing gauge succeeded, want an error")
	}
	if got != clash {
		t.Error("Register of a clashing gauge did not return it to work unregistered")
	}
}
