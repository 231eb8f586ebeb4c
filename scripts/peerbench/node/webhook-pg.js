// The durable webhook peer: Zoom's Node.js webhook sample as zoom-sample.js
// keeps it (https://github.com/zoom/webhook-sample), extended to follow the
// rule sfzoom follows: a delivery is answered 200 only once it and the job
// that will process it are committed. Each
// verified delivery is stored with node-postgres (https://node-postgres.com)
// in one transaction (BEGIN; INSERT the delivery, ON CONFLICT on its dedupe
// key DO NOTHING; INSERT its job; COMMIT) on a pool of PG_POOL_SIZE
// connections (default 16, sfzoom's default SFZOOM_DB_MAX_CONNS), with the
// server's default synchronous_commit, as sfzoom's are. It does not look up
// an org, redact the payload, group commits or queue through River: it is
// the plain way a Node service would make the sample durable.
//
// Environment: PORT, ZOOM_WEBHOOK_SECRET_TOKEN, PG_URL (a postgres:// URL),
// PG_SCHEMA (an existing schema; the tables are created in it).
const { Pool } = require('pg')
const { sampleApp } = require('./zoom-sample')

const port = process.env.PORT || 4000
const schema = process.env.PG_SCHEMA
if (!/^[a-z_][a-z0-9_]*$/.test(schema || '')) {
  throw new Error('PG_SCHEMA must be a plain schema name')
}
const pool = new Pool({
  connectionString: process.env.PG_URL,
  max: Number(process.env.PG_POOL_SIZE || 16),
  options: `-c search_path=${schema}`
})

// store keeps a verified delivery and its job, in one transaction.
async function store (body) {
  const object = (body.payload && body.payload.object) || {}
  const key = `${body.event}:${object.uuid}:${body.event_ts}`
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const stored = await client.query(
      'INSERT INTO deliveries (dedupe_key, event, payload) VALUES ($1, $2, $3) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id',
      [key, body.event, body])
    if (stored.rowCount === 1) {
      await client.query('INSERT INTO jobs (kind, args) VALUES ($1, $2)', ['log_meeting', { delivery_id: stored.rows[0].id }])
    }
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}

const app = sampleApp(process.env.ZOOM_WEBHOOK_SECRET_TOKEN, store)
pool.query(`
  CREATE TABLE IF NOT EXISTS deliveries (
    id bigserial PRIMARY KEY,
    dedupe_key text NOT NULL UNIQUE,
    event text NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE IF NOT EXISTS jobs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    args jsonb NOT NULL,
    state text NOT NULL DEFAULT 'available',
    scheduled_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX IF NOT EXISTS jobs_fetch ON jobs (state, scheduled_at);
`).then(() => {
  app.listen(port, '127.0.0.1', () => console.log(`durable webhook peer listening on port ${port}`))
}, (err) => {
  console.error('durable webhook peer: create tables:', err.message)
  process.exit(1)
})
