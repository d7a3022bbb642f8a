-- OAuth 2.0 (3LO) apps, their codes and tokens, and installed Connect apps (issue 3).
-- Secrets and tokens are stored as hex SHA-256 digests, never as they were issued; a Connect
-- shared secret is kept as given because verifying an HS256 signature needs it.

CREATE TABLE oauth_apps (
  client_id TEXT PRIMARY KEY,
  secret_sha256 TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,   -- JSON array of exact URIs
  scopes TEXT NOT NULL,          -- JSON array: what the app may ask for
  account_id TEXT NOT NULL,      -- the user who consents automatically
  name TEXT NOT NULL
);

CREATE TABLE oauth_codes (
  code_sha256 TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES oauth_apps(client_id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL,
  account_id TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE oauth_tokens (
  token_sha256 TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
  client_id TEXT NOT NULL REFERENCES oauth_apps(client_id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  expires_ms INTEGER,
  used INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE connect_apps (
  app_key TEXT PRIMARY KEY,
  shared_secret TEXT NOT NULL,
  account_id TEXT NOT NULL
);
