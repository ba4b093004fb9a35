-- How the API writes times, as SQL functions so its queries stay static text (checked at
-- compile time) instead of splicing a formatting expression into each one. The two forms
-- are the ones the API has always answered with; clients see both, so neither changes.

-- RFC 3339 in UTC with second precision and a `Z`: `2026-11-23T10:00:00Z`. The form of the
-- API's own state (sessions, keys, webhooks and their deliveries). NULL stays NULL.
CREATE FUNCTION rfc3339_utc(ts TIMESTAMPTZ) RETURNS TEXT
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- A time as Postgres's JSON writes it (`json_build_object`, `to_json`):
-- `2026-11-23T10:00:00+00:00` in a UTC session. The form of mirrored chain data (block
-- times of events, flows, proposals). NULL stays NULL.
CREATE FUNCTION json_time(ts TIMESTAMPTZ) RETURNS TEXT
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT to_json(ts) #>> '{}' $$;
