-- Product pictures uploaded by makers (`POST /v1/pictures`), keyed by the sha256 of their
-- exact bytes, with the thumbnail made at upload. Not chain data: no undo trigger, and
-- re-indexing keeps them.

CREATE TABLE pictures (
    hash             TEXT PRIMARY KEY,       -- 0x sha256 of `raw`
    raw              BYTEA NOT NULL,         -- the bytes as uploaded
    content_type     TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    width            INTEGER NOT NULL CHECK (width > 0),
    height           INTEGER NOT NULL CHECK (height > 0),
    thumbnail        BYTEA NOT NULL,
    thumbnail_type   TEXT NOT NULL CHECK (thumbnail_type IN ('image/png', 'image/jpeg')),
    uploaded_by      TEXT NOT NULL,          -- the signed-in address
    uploaded_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX pictures_by_uploader ON pictures (uploaded_by, uploaded_at);
