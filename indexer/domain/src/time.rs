//! RFC 3339 times from and to unix seconds, for the server side (feature `time`).
//!
//! The calendar arithmetic is the `time` crate's; this module only fixes the API's
//! layout: UTC, second precision, a `Z` suffix (`2023-11-14T22:13:20Z`), as the indexer's
//! terms and its `to_char(... 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` columns write it. The app does
//! not need this module: it only reads times and hands the text to the browser.

use ::time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::DateTime;

/// Why a time could not be formatted or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Unix seconds before year 0 or after year 999 999.
    #[error("{0} unix seconds is outside the years 0 to 999999")]
    OutOfRange(i64),
    /// Text that is not an RFC 3339 date-time.
    #[error("not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)): {0}")]
    NotRfc3339(String),
}

/// Unix seconds as RFC 3339 UTC with second precision: `0` is `1970-01-01T00:00:00Z`.
///
/// Years past 9999 (possible for an Escrow deadline, a uint40) are written with as many
/// digits as they need (`36812-...`), as Postgres and the indexer did; RFC 3339 itself stops
/// at 9999.
pub fn format_unix(secs: i64) -> Result<String, TimeError> {
    let t = OffsetDateTime::from_unix_timestamp(secs).map_err(|_| TimeError::OutOfRange(secs))?;
    if t.year() < 0 {
        return Err(TimeError::OutOfRange(secs));
    }
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// Unix seconds of an RFC 3339 date-time (`2026-01-02T03:04:05.678+01:00`, `...Z`); the
/// fraction is dropped. Date and time must be separated by `T` or `t`, as EIP-4361 messages
/// write them (the space RFC 3339 also allows is refused).
pub fn parse_unix(text: &str) -> Result<i64, TimeError> {
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return Err(TimeError::NotRfc3339("expected `T` between date and time".into()));
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|e| TimeError::NotRfc3339(e.to_string()))
}

impl DateTime {
    /// Unix seconds as RFC 3339 UTC (see [`format_unix`]).
    pub fn from_unix(secs: i64) -> Result<Self, TimeError> {
        format_unix(secs).map(Self::new_unchecked)
    }

    /// Checks RFC 3339 text (see [`parse_unix`]) and keeps it as is.
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        parse_unix(text).map(|_| Self::new_unchecked(text))
    }

    /// Its unix seconds (see [`parse_unix`]).
    pub fn to_unix(&self) -> Result<i64, TimeError> {
        parse_unix(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_seconds_like_the_indexer() {
        // The indexer's own test figures (`api/orders.rs`, `tests/src/demo/api.rs`).
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_700_000_000, "2023-11-14T22:13:20Z"),
            (20_780 * 86_400, "2026-11-23T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            // The largest uint40 deadline: a five-digit year, as Postgres writes it.
            ((1 << 40) - 1, "36812-02-20T00:36:15Z"),
        ] {
            assert_eq!(format_unix(secs).unwrap(), text);
            if secs < 253_402_300_800 {
                assert_eq!(parse_unix(text).unwrap(), secs, "{text}");
            }
        }
        assert_eq!(format_unix(-62_167_219_201), Err(TimeError::OutOfRange(-62_167_219_201)));
        assert_eq!(format_unix(-62_167_219_200).unwrap(), "0000-01-01T00:00:00Z");
        assert_eq!(format_unix(i64::MAX), Err(TimeError::OutOfRange(i64::MAX)));
    }

    #[test]
    fn parses_what_sign_in_messages_carry() {
        // `api/auth.rs`'s figures.
        assert_eq!(parse_unix("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_unix("2000-03-01T00:00:00+01:00"), Ok(951_865_200));
        assert_eq!(parse_unix("2026-11-23T10:00:00.000Z"), Ok(1_795_428_000));
        assert_eq!(parse_unix("2026-11-23t11:00:00z"), Ok(1_795_431_600));
        assert_eq!(parse_unix("2026-11-23T11:30:00-00:30"), Ok(1_795_435_200));
        for bad in [
            "2000-03-01 00:00:00Z",
            "2000-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-23T10:00:00",
            "2026-11-23T10:00Z",
            "yesterday",
            "",
        ] {
            assert!(matches!(parse_unix(bad), Err(TimeError::NotRfc3339(_))), "{bad}");
        }
    }

    #[test]
    fn date_times_convert() {
        let t = DateTime::from_unix(1_700_000_000).unwrap();
        assert_eq!(t.as_str(), "2023-11-14T22:13:20Z");
        assert_eq!(t.to_unix(), Ok(1_700_000_000));
        // Postgres's JSON form of a timestamptz reads too.
        let pg = DateTime::parse("2023-11-14T22:13:20+00:00").unwrap();
        assert_eq!(pg.to_unix(), Ok(1_700_000_000));
        assert!(DateTime::parse("14/11/2023").is_err());
    }
}
