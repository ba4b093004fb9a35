//! The API's scalar conventions as Rust types: uint256 values as decimal strings
//! ([`Amount`], [`OrderId`], [`ListingId`], [`ProposalId`]) and times as the RFC 3339 text the API wrote
//! ([`DateTime`]).
//!
//! Addresses, hashes and byte strings are alloy's [`Address`](alloy_primitives::Address),
//! [`B256`](alloy_primitives::B256) and [`Bytes`](alloy_primitives::Bytes): their serde form is
//! already the API's (lower-case `0x` hex; input in any case). The tests pin that.

use core::{fmt, str::FromStr};

use alloy_primitives::U256;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Why a decimal uint256 string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// The text is empty.
    #[error("empty; expected decimal digits")]
    Empty,
    /// A character other than `0`-`9` (no sign, no `0x`, no separators).
    #[error("not a decimal integer: only the digits 0-9 are allowed")]
    NotDecimal,
    /// The value does not fit in 256 bits.
    #[error("does not fit in 256 bits")]
    TooLarge,
}

/// Parses digits `0`-`9` only (leading zeros allowed) into a [`U256`].
pub(crate) fn parse_decimal(text: &str) -> Result<U256, DecimalError> {
    if text.is_empty() {
        return Err(DecimalError::Empty);
    }
    // `from_str_radix` alone would also take `_`: check first.
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecimalError::NotDecimal);
    }
    U256::from_str_radix(text, 10).map_err(|_| DecimalError::TooLarge)
}

macro_rules! decimal_u256 {
    ($(#[$doc:meta])* $name:ident, $schema:literal, $description:literal, $example:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub U256);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(U256::ZERO);
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = DecimalError;

            fn from_str(text: &str) -> Result<Self, DecimalError> {
                parse_decimal(text).map(Self)
            }
        }

        impl From<U256> for $name {
            fn from(value: U256) -> Self {
                Self(value)
            }
        }

        impl From<$name> for U256 {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl From<u64> for $name {
            fn from(value: u64) -> Self {
                Self(U256::from(value))
            }
        }

        impl From<u128> for $name {
            fn from(value: u128) -> Self {
                Self(U256::from(value))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl de::Visitor<'_> for Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a uint256 as a decimal string")
                    }

                    fn visit_str<E: de::Error>(self, text: &str) -> Result<$name, E> {
                        text.parse().map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some("^[0-9]+$"))
                    .description(Some($description))
                    .examples([$example])
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($schema)
            }
        }
    };
}

decimal_u256!(
    /// A token amount in base units (a uint256), written as a decimal string: `"28500000"`.
    ///
    /// alloy's own `U256` serde form is hex; this newtype keeps the API's decimal one. See
    /// [`crate::amount`] to show it to people with decimals and a symbol.
    Amount,
    "Amount",
    "A uint256 as a decimal string.",
    "28500000"
);

decimal_u256!(
    /// An order id of the Escrow (a uint256), written as a decimal string: `"7"`.
    OrderId,
    "OrderId",
    "An Escrow order id: a uint256 as a decimal string.",
    "7"
);

decimal_u256!(
    /// A Shop listing id (a uint256; ids run from 1), written as a decimal string: `"3"`.
    ListingId,
    "ListingId",
    "A Shop listing id: a uint256 as a decimal string.",
    "3"
);

decimal_u256!(
    /// A Governor proposal id (a uint256, usually a hash), written as a decimal string.
    ProposalId,
    "ProposalId",
    "A Governor proposal id: a uint256 as a decimal string.",
    "86353893501178894263114158905256832073240734846553750775615021340459182936591"
);

/// A date-time as the API writes it: RFC 3339 text such as `2026-11-23T10:00:00Z`, or
/// `2026-11-23T10:00:00+00:00` where Postgres's `json_build_object` formats it.
///
/// The text is kept as sent, so a response serializes back to the same string; it is not
/// checked when deserialized (the app passes it to the browser's date functions), and it is
/// not ordered (the two styles of the same instant differ as text). With the
/// `time` feature, `DateTime::from_unix`, `DateTime::parse` and `DateTime::to_unix` convert
/// it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateTime(String);

impl DateTime {
    /// Wraps RFC 3339 text as is, unchecked (for text from a trusted writer, such as
    /// Postgres). With the `time` feature, `DateTime::parse` checks it.
    pub fn new_unchecked(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Unix seconds as RFC 3339 UTC with second precision, as the API writes the times it
    /// formats itself: `0` is `1970-01-01T00:00:00Z`. Years past 9999 (an Escrow deadline is
    /// a uint40, up to the year 36812) take as many digits as they need, as Postgres writes
    /// them. Needs no feature: the calendar arithmetic is a few lines (Howard Hinnant's
    /// `civil_from_days`), so the app can format deadlines it reads from the chain.
    pub fn from_unix_seconds(secs: u64) -> Self {
        let (days, rest) = (secs / 86_400, secs % 86_400);
        // Days since 0000-03-01, in 400-year eras of 146 097 days.
        let z = days + 719_468;
        let (era, doe) = (z / 146_097, z % 146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        Self(format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rest / 3_600,
            rest % 3_600 / 60,
            rest % 60
        ))
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for DateTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::{KnownFormat, ObjectBuilder, SchemaFormat, schema::Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("An RFC 3339 date-time."))
            .examples(["2026-11-23T10:00:00Z"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for DateTime {}

/// Schemas of alloy's types as the API writes them, for `#[schema(value_type = ...)]` and
/// path or query parameters typed `String` in handlers.
#[cfg(feature = "openapi")]
pub mod schema {
    use std::borrow::Cow;

    use utoipa::{
        PartialSchema, ToSchema,
        openapi::{ObjectBuilder, RefOr, schema::Schema, schema::Type},
    };

    fn hex_string(pattern: &str, description: &str, example: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .description(Some(description))
            .examples([example])
            .into()
    }

    /// A 20-byte address: lower-case `0x` hex.
    pub struct Address;

    impl PartialSchema for Address {
        fn schema() -> RefOr<Schema> {
            hex_string(
                "^0x[0-9a-fA-F]{40}$",
                "A 20-byte address, lower-case 0x hex (any case accepted as input).",
                "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            )
        }
    }

    impl ToSchema for Address {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("Address")
        }
    }

    /// A 32-byte hash: lower-case `0x` hex.
    pub struct Hash;

    impl PartialSchema for Hash {
        fn schema() -> RefOr<Schema> {
            hex_string(
                "^0x[0-9a-fA-F]{64}$",
                "A 32-byte hash, lower-case 0x hex.",
                "0x4242424242424242424242424242424242424242424242424242424242424242",
            )
        }
    }

    impl ToSchema for Hash {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("Hash")
        }
    }

    /// Bytes of any length: lower-case `0x` hex.
    pub struct HexBytes;

    impl PartialSchema for HexBytes {
        fn schema() -> RefOr<Schema> {
            hex_string("^0x([0-9a-f]{2})*$", "Bytes as lower-case 0x hex.", "0x")
        }
    }

    impl ToSchema for HexBytes {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("HexBytes")
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256, Bytes};
    use serde_json::json;

    use super::*;

    #[test]
    fn amounts_are_decimal_strings_both_ways() {
        let a = Amount(U256::MAX);
        let text = serde_json::to_value(a).unwrap();
        assert_eq!(text, json!(U256::MAX.to_string()));
        assert_eq!(serde_json::from_value::<Amount>(text).unwrap(), a);
        assert_eq!(serde_json::from_value::<OrderId>(json!("007")).unwrap(), OrderId::from(7_u64));
        for bad in [json!(""), json!("0x10"), json!("1_000"), json!("-1"), json!(5), json!(" 1")] {
            assert!(serde_json::from_value::<Amount>(bad.clone()).is_err(), "{bad}");
        }
        let too_large = format!("{}0", U256::MAX);
        assert_eq!(too_large.parse::<Amount>(), Err(DecimalError::TooLarge));
    }

    #[test]
    fn alloy_types_serialize_as_the_api_writes_them() {
        // If an alloy upgrade changed these (checksummed addresses, say), the API would drift.
        let a: Address = "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
        assert_eq!(json!(a), json!("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
        assert_eq!(
            serde_json::from_value::<Address>(json!("0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266"))
                .unwrap(),
            a
        );
        assert_eq!(json!(B256::repeat_byte(0xab)), json!(format!("0x{}", "ab".repeat(32))));
        assert_eq!(json!(Bytes::from(vec![0xde, 0xad])), json!("0xdead"));
        assert_eq!(json!(Bytes::new()), json!("0x"));
    }

    #[test]
    fn unix_seconds_format_as_the_api_writes_them() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (951_868_799, "2000-02-29T23:59:59Z"),
            (1_700_000_000, "2023-11-14T22:13:20Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            ((1 << 40) - 1, "36812-02-20T00:36:15Z"),
        ] {
            assert_eq!(DateTime::from_unix_seconds(secs).as_str(), text, "{secs}");
        }
    }

    /// The same text as the `time` crate's calendar, over the whole uint40 range.
    #[cfg(feature = "time")]
    #[test]
    fn unix_seconds_format_as_the_time_crate_does() {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for i in 0..200_000_u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = if i % 2 == 0 { x % (1 << 40) } else { x % 4_102_444_800 };
            assert_eq!(
                DateTime::from_unix_seconds(secs).as_str(),
                crate::time::format_unix(secs as i64).unwrap()
            );
        }
    }

    #[test]
    fn times_keep_their_text() {
        for text in ["2026-11-23T10:00:00Z", "2026-11-23T10:00:00.123456+00:00"] {
            let t: DateTime = serde_json::from_value(json!(text)).unwrap();
            assert_eq!(t.as_str(), text);
            assert_eq!(json!(t), json!(text));
        }
    }
}
