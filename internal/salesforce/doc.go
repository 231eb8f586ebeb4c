// Package salesforce is sfzoom's Salesforce REST client: SOQL through an
// injection-proof query builder, sObject writes, Composite and sObject
// Collections, platform event publishing, record-access checks, describe,
// the identity URL, API-budget tracking and a circuit breaker.
//
// Authentication belongs to the *http.Client passed to NewClient (see
// internal/tokens); this package never sees a secret. Vendor DTOs live here
// and nowhere else.
package salesforce
