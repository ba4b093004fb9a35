//! Column text into domain values, for the `TryFrom<Row>` conversions of the read modules.
//!
//! The mirror keeps uint256 values as `NUMERIC` (selected as `::TEXT`), addresses and hashes
//! as lower-case `0x` text, and counts as `BIGINT`. A value that does not fit its domain type
//! means the mirror holds something its writers never write: it is a
//! [`sqlx::Error::Decode`] naming the column, like any other column that fails to decode.

use std::{fmt::Display, str::FromStr};

use cointent_domain::{Address, Amount, B256, DateTime};

/// A decode error for `column`.
pub(crate) fn error(column: &str, why: impl Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("column {column}: {why}").into())
}

/// Text parsed with `FromStr` (amounts, ids, addresses, hashes, the API's string enums).
pub(crate) fn parse<T>(column: &str, text: &str) -> Result<T, sqlx::Error>
where
    T: FromStr,
    T::Err: Display,
{
    text.parse().map_err(|e| error(column, format!("{text:?}: {e}")))
}

/// A uint256 selected as `NUMERIC::TEXT`.
pub(crate) fn amount(column: &str, text: &str) -> Result<Amount, sqlx::Error> {
    parse(column, text)
}

/// A `0x` address.
pub(crate) fn address(column: &str, text: &str) -> Result<Address, sqlx::Error> {
    parse(column, text)
}

/// A `0x` 32-byte hash.
pub(crate) fn hash(column: &str, text: &str) -> Result<B256, sqlx::Error> {
    parse(column, text)
}

/// A non-negative integer column (`BIGINT`/`INTEGER`) as the unsigned type the API writes.
pub(crate) fn unsigned<T, I>(column: &str, value: I) -> Result<T, sqlx::Error>
where
    I: Copy + Display,
    T: TryFrom<I>,
{
    T::try_from(value).map_err(|_| error(column, format!("{value} is out of range")))
}

/// A time formatted by the query (`rfc3339_utc(...)` or `json_time(...)`), kept as written.
pub(crate) fn time(text: String) -> DateTime {
    DateTime::new_unchecked(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_column() {
        assert_eq!(amount("amount", "120").unwrap(), Amount::from(120_u64));
        let err = amount("amount", "-1").unwrap_err();
        assert!(err.to_string().contains("column amount"), "{err}");
        assert!(address("token", "0x12").is_err());
        assert_eq!(unsigned::<u32, i32>("log_index", 3).unwrap(), 3);
        assert!(unsigned::<u64, i64>("block_number", -1).is_err());
    }
}
