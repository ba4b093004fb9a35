//! SQL shared by several areas: column formatting.

/// A timestamp column as RFC 3339 in UTC (second precision).
pub(crate) fn rfc3339_sql(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
}
