-- Webhooks (admin and dynamic), the durable outbox and its deliveries.
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('admin', 'dynamic')),
  name TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  jql TEXT,
  secret TEXT,
  enabled INTEGER NOT NULL DEFAULT 1,
  exclude_body INTEGER NOT NULL DEFAULT 0,
  owner TEXT,
  expires INTEGER,
  updated INTEGER NOT NULL
);

-- One row per event, written in the transaction that made the change.
CREATE TABLE webhook_outbox (
  id INTEGER PRIMARY KEY,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  created INTEGER NOT NULL
);

-- One row per (event, matching webhook): what the delivery task works through.
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY,
  outbox_id INTEGER NOT NULL REFERENCES webhook_outbox(id) ON DELETE CASCADE,
  webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  identifier TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  finished INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt);
