-- An app's webhook configuration: JSON of plaza.WebhookConfig ('{}': none).
ALTER TABLE apps ADD COLUMN webhook TEXT NOT NULL DEFAULT '{}';

-- An app's spec from a moment on: one row when the app is created and one
-- per change, so that a month's usage shows the limits in force during it.
CREATE TABLE app_specs (
    app_id TEXT NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    at     INTEGER NOT NULL, -- Unix ms
    spec   TEXT NOT NULL,    -- JSON of plaza.Spec
    PRIMARY KEY (app_id, at)
) STRICT, WITHOUT ROWID;
-- Apps stored before this history began: their spec since their creation.
INSERT INTO app_specs (app_id, at, spec) SELECT app_id, created_at, spec FROM apps;

-- Downstream messages per app and calendar month (UTC, "YYYY-MM").
CREATE TABLE usage (
    app_id     TEXT NOT NULL,
    month      TEXT NOT NULL,
    downstream INTEGER NOT NULL,
    PRIMARY KEY (app_id, month)
) STRICT, WITHOUT ROWID;

-- Server API nonces, kept until their timestamp leaves the signature window;
-- each use forgets a few expired ones of its app.
CREATE TABLE nonces (
    app_id     TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at INTEGER NOT NULL, -- Unix ms
    PRIMARY KEY (app_id, nonce)
) STRICT;
CREATE INDEX nonces_by_expiry ON nonces (app_id, expires_at);

-- Webhook callbacks waiting to be delivered. A worker claims the due ones by
-- moving next_at to the end of its lease; ids are never reused, so that a
-- receiver can tell a retry from a new callback.
CREATE TABLE webhook_deliveries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id     TEXT NOT NULL,
    event      TEXT NOT NULL,
    body       BLOB NOT NULL, -- the exact JSON POSTed
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL, -- Unix ms of the next attempt, or of the lease's end
    created_at INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at, id);
CREATE INDEX webhook_deliveries_by_app ON webhook_deliveries (app_id);

-- An app's communities in creation order (queryAppCommunityList).
CREATE INDEX communities_by_app ON communities (app_id, id);
