package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/sfzoom/sfzoom/internal/integrations"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// schemaCheck is the readiness check that every connected org has the custom
// fields sfzoom writes. Describe calls cost API budget, so it is wrapped in
// web.CachedCheck. An org whose Salesforce connection is down is reported by the
// admin health page, not here: readiness is about this process's ability to
// serve, and a missing field is a deployment error an operator must fix.
type schemaCheck struct {
	store        store.Store
	integrations *integrations.Integrations
}

// Check reports the missing fields of every connected org (EUNAVAILABLE).
func (s *schemaCheck) Check(ctx context.Context) error {
	conns, err := s.store.FindConnections(ctx, "")
	if err != nil {
		return err
	}
	var problems []string
	for _, c := range conns {
		if c.Provider != sfzoom.ProviderSalesforce || c.Status != sfzoom.ConnectionActive {
			continue
		}
		client, err := s.integrations.Salesforce(ctx, c.OrgID)
		if err != nil {
			continue
		}
		missing, err := client.MissingFields(ctx)
		if err != nil {
			continue // transient API trouble is not a deployment problem
		}
		for _, f := range missing {
			problems = append(problems, fmt.Sprintf("org %s: %s.%s", c.OrgID, f.Object, f.Field))
		}
	}
	if len(problems) > 0 {
		return sfzoom.Errorf(sfzoom.EUNAVAILABLE, "Salesforce fields sfzoom needs are missing (%s); deploy sfdx/ with `sf project deploy start --source-dir force-app` and assign the sfzoom permission sets.", strings.Join(problems, ", "))
	}
	return nil
}
