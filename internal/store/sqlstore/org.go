package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// UpsertOrg creates the org with default settings, or updates the name and
// instance URL of an existing one, keeping its settings.
func (s *Store) UpsertOrg(ctx context.Context, org *sfzoom.Org) error {
	if org.ID == "" {
		return sfzoom.Errorf(sfzoom.EINVALID, "Org id is required.")
	}
	// Every Canvas open upserts its org, and nearly every open changes
	// nothing: a read answers those without taking the write lock (the only
	// writer on SQLite) or writing the WAL (docs/performance.md).
	if stored, err := s.findOrgUnchanged(ctx, org); err != nil {
		return err
	} else if stored != nil {
		*org = *stored
		return nil
	}
	now := s.formatTime(s.nowUTC())
	settings, err := json.Marshal(sfzoom.DefaultOrgSettings())
	if err != nil {
		return s.wrapErr("upsert org", err)
	}
	var stored *sfzoom.Org
	s.orgs.written(org.ID)
	defer s.orgs.written(org.ID)
	err = s.write(ctx, "upsert org", func(tx *sqlTx) (err error) {
		if _, err := tx.ExecContext(ctx, `
		INSERT INTO orgs (id, name, instance_url, settings, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name,
			instance_url = CASE WHEN excluded.instance_url = '' THEN orgs.instance_url ELSE excluded.instance_url END,
			updated_at = excluded.updated_at`,
			org.ID, org.Name, org.InstanceURL, string(settings), now, now); err != nil {
			return err
		}
		stored, err = findOrgByID(ctx, tx, org.ID)
		return err
	})
	if err != nil {
		return err
	}
	*org = *stored
	return nil
}

// findOrgUnchanged returns the stored org when upserting org would change
// nothing, and nil when it would (a new org, a new name or instance URL).
// The org cache answers it when it holds the org (orgcache.go).
func (s *Store) findOrgUnchanged(ctx context.Context, org *sfzoom.Org) (*sfzoom.Org, error) {
	unchanged := func(o *sfzoom.Org) bool {
		return o.Name == org.Name && (org.InstanceURL == "" || o.InstanceURL == org.InstanceURL)
	}
	if o, ok := s.orgs.get(org.ID); ok && unchanged(o) {
		return o, nil
	}
	at := s.orgs.generation()
	var stored *sfzoom.Org
	err := s.readOnly(ctx, "upsert org", func(tx *sqlTx) error {
		o, err := findOrgByID(ctx, tx, org.ID)
		switch {
		case sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND:
			return nil
		case err != nil:
			return err
		}
		s.orgs.add(o, at)
		if unchanged(o) {
			stored = o
		}
		return nil
	})
	return stored, err
}

// FindOrgByID returns the org (ENOTFOUND).
func (s *Store) FindOrgByID(ctx context.Context, orgID string) (*sfzoom.Org, error) {
	var o *sfzoom.Org
	err := s.read(ctx, "find org", func(tx *sqlTx) (err error) {
		o, err = findOrgByID(ctx, tx, orgID)
		return err
	})
	return o, err
}

// UpdateOrgSettings validates and saves the org's settings (ENOTFOUND, EINVALID).
func (s *Store) UpdateOrgSettings(ctx context.Context, orgID string, settings sfzoom.OrgSettings) error {
	if err := settings.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(settings)
	if err != nil {
		return s.wrapErr("update org settings", err)
	}
	s.orgs.written(orgID)
	defer s.orgs.written(orgID)
	return s.execOne(ctx, "update org settings", "Org not found.", `UPDATE orgs SET settings = ?, updated_at = ? WHERE id = ?`,
		string(b), s.formatTime(s.nowUTC()), orgID)
}

func findOrgByID(ctx context.Context, tx *sqlTx, id string) (*sfzoom.Org, error) {
	var (
		o                    sfzoom.Org
		settings             string
		createdAt, updatedAt dbTime
	)
	err := tx.QueryRowContext(ctx, `SELECT id, name, instance_url, settings, created_at, updated_at FROM orgs WHERE id = ?`, id).
		Scan(&o.ID, &o.Name, &o.InstanceURL, &settings, &createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "Org not found.")
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(settings), &o.Settings); err != nil {
		return nil, fmt.Errorf("decode org settings: %w", err)
	}
	o.CreatedAt = createdAt.Time
	o.UpdatedAt = updatedAt.Time
	return &o, nil
}
