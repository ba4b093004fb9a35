//! Token amounts for people: base units with the token's decimals and symbol
//! ([`format_amount`]: `28.5 dUSD`), and what a person types back into base units
//! ([`parse_units`]), with errors that say what to fix.
//!
//! Digits can be grouped in the Western way (`1,234,567.5`) or the Indian way, in lakhs and
//! crores (`12,34,567.5`): pass a [`Grouping`]. The decimal separator is always `.`.
//!
//! ```
//! use cointent_domain::{U256, amount::{Grouping, format_amount, parse_units}};
//! assert_eq!(format_amount(U256::from(28_500_000), 6, "dUSD", Grouping::None), "28.5 dUSD");
//! let lakh = U256::from(1_234_567_500_000_u64);
//! assert_eq!(format_amount(lakh, 6, "dUSD", Grouping::Indian), "12,34,567.5 dUSD");
//! assert_eq!(parse_units("12,34,567.5", 6), Ok(lakh));
//! ```

use alloy_primitives::U256;

/// How the whole part of an amount is grouped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Grouping {
    /// No separators: `1234567.5`.
    #[default]
    None,
    /// Thousands: `1,234,567.5`.
    Thousands,
    /// Lakhs and crores (the Indian numbering system): `12,34,567.5`.
    Indian,
}

/// Why typed text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing but spaces.
    #[error("enter an amount")]
    Empty,
    /// A character other than digits, one `.` and grouping `,`.
    #[error("{0:?} is not allowed in an amount: use digits and `.` for decimals")]
    InvalidCharacter(char),
    /// More than one `.`.
    #[error("an amount has at most one `.`")]
    SeveralDots,
    /// More decimal places than the token has.
    #[error("this token has at most {0} decimal places")]
    TooManyDecimals(u8),
    /// `,` that groups neither by thousands nor in lakhs and crores (`1,5` is refused rather
    /// than read as 15 or 1.5).
    #[error(
        "misplaced `,`: group digits by thousands (1,234,567) or in lakhs and crores \
         (12,34,567), and use `.` for decimals"
    )]
    Grouping,
    /// More than a uint256 holds.
    #[error("too large")]
    TooLarge,
}

/// `amount` base units as a decimal with `decimals` places, trailing zeros (and a bare `.`)
/// dropped, the whole part grouped by `grouping`: `28500000` with 6 decimals is `28.5`.
pub fn format_units(amount: U256, decimals: u8, grouping: Grouping) -> String {
    let digits = amount.to_string();
    let places = usize::from(decimals);
    let (whole, fraction) = if digits.len() > places {
        let (w, f) = digits.split_at(digits.len() - places);
        (w.to_string(), f.to_string())
    } else {
        ("0".to_string(), format!("{}{digits}", "0".repeat(places - digits.len())))
    };
    let mut out = group(&whole, grouping);
    let fraction = fraction.trim_end_matches('0');
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// [`format_units`] followed by a space and the token's symbol: `28.5 dUSD`. An empty symbol
/// gives the number alone.
pub fn format_amount(amount: U256, decimals: u8, symbol: &str, grouping: Grouping) -> String {
    let mut out = format_units(amount, decimals, grouping);
    if !symbol.is_empty() {
        out.push(' ');
        out.push_str(symbol);
    }
    out
}

/// `whole` (ASCII digits) with `,` separators.
fn group(whole: &str, grouping: Grouping) -> String {
    let n = whole.len();
    // Separators go before these positions, counted from the right.
    let breaks = |from_right: usize| match grouping {
        Grouping::None => false,
        Grouping::Thousands => from_right.is_multiple_of(3),
        Grouping::Indian => {
            from_right == 3 || (from_right > 3 && (from_right - 3).is_multiple_of(2))
        }
    };
    let mut out = String::with_capacity(n + n / 2);
    for (i, c) in whole.chars().enumerate() {
        let from_right = n - i;
        if i > 0 && breaks(from_right) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Base units of a decimal typed by a person for a token with `decimals` places: `28.5` with 6
/// decimals is `28500000`. Spaces around it are ignored; `,` may group the whole part by
/// thousands or in lakhs and crores; `.5` and `5.` are read as `0.5` and `5`.
pub fn parse_units(text: &str, decimals: u8) -> Result<U256, AmountError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    if let Some(c) = text.chars().find(|c| !c.is_ascii_digit() && *c != '.' && *c != ',') {
        return Err(AmountError::InvalidCharacter(c));
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.contains('.') {
        return Err(AmountError::SeveralDots);
    }
    if fraction.contains(',') {
        return Err(AmountError::Grouping);
    }
    let whole = ungroup(whole)?;
    if whole.is_empty() && fraction.is_empty() {
        return Err(AmountError::Empty);
    }
    if fraction.len() > usize::from(decimals) {
        return Err(AmountError::TooManyDecimals(decimals));
    }
    let places = usize::from(decimals) - fraction.len();
    let digits = format!("{whole}{fraction}{}", "0".repeat(places));
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(U256::ZERO);
    }
    crate::primitives::parse_decimal(digits).map_err(|_| AmountError::TooLarge)
}

/// The whole part's digits without its `,`, if they group it one of the two ways.
fn ungroup(whole: &str) -> Result<String, AmountError> {
    if !whole.contains(',') {
        return Ok(whole.to_string());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let (first, rest) = groups.split_first().ok_or(AmountError::Grouping)?;
    let (last, middle) = rest.split_last().ok_or(AmountError::Grouping)?;
    let first_ok = |max: usize| (1..=max).contains(&first.len());
    let thousands = first_ok(3) && rest.iter().all(|g| g.len() == 3);
    let indian = first_ok(2) && last.len() == 3 && middle.iter().all(|g| g.len() == 2);
    if thousands || indian { Ok(groups.concat()) } else { Err(AmountError::Grouping) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: u128) -> U256 {
        U256::from(v)
    }

    #[test]
    fn formats_like_the_app_did() {
        // `fmt_units` in the app: trailing zeros trimmed, no grouping.
        for (raw, decimals, text) in [
            (28_500_000, 6, "28.5"),
            (0, 6, "0"),
            (1, 6, "0.000001"),
            (10_000_000, 6, "10"),
            (3_333_333, 6, "3.333333"),
            (1_000_000_000_000_000_000, 18, "1"),
            (42, 0, "42"),
        ] {
            assert_eq!(format_units(n(raw), decimals, Grouping::None), text);
        }
        assert_eq!(format_amount(n(28_500_000), 6, "dUSD", Grouping::None), "28.5 dUSD");
        assert_eq!(format_amount(n(5), 0, "", Grouping::None), "5");
        // More places than a uint256 has digits.
        assert_eq!(format_units(n(1), 80, Grouping::None), format!("0.{}1", "0".repeat(79)));
        assert_eq!(format_units(U256::MAX, 0, Grouping::None), U256::MAX.to_string());
    }

    #[test]
    fn groups_western_and_indian() {
        for (whole, thousands, indian) in [
            (7_u128, "7", "7"),
            (999, "999", "999"),
            (1_000, "1,000", "1,000"),
            (12_345, "12,345", "12,345"),
            (123_456, "123,456", "1,23,456"),
            (1_234_567, "1,234,567", "12,34,567"),
            (123_456_789, "123,456,789", "12,34,56,789"),
            (1_000_000_000, "1,000,000,000", "1,00,00,00,000"),
        ] {
            let raw = n(whole * 100 + 50);
            assert_eq!(format_units(raw, 2, Grouping::Thousands), format!("{thousands}.5"));
            assert_eq!(format_units(raw, 2, Grouping::Indian), format!("{indian}.5"));
            assert_eq!(parse_units(&format!("{thousands}.5"), 2), Ok(raw));
            assert_eq!(parse_units(&format!("{indian}.5"), 2), Ok(raw));
        }
    }

    #[test]
    fn parses_what_people_type() {
        for (text, decimals, raw) in [
            ("28.5", 6, 28_500_000),
            (" 28.5 ", 6, 28_500_000),
            ("0.000001", 6, 1),
            (".5", 6, 500_000),
            ("5.", 6, 5_000_000),
            ("007", 2, 700),
            ("0", 6, 0),
            ("0.0", 6, 0),
            ("1", 0, 1),
        ] {
            assert_eq!(parse_units(text, decimals), Ok(n(raw)), "{text}");
        }
        for (text, err) in [
            ("", AmountError::Empty),
            ("   ", AmountError::Empty),
            (".", AmountError::Empty),
            ("1.2.3", AmountError::SeveralDots),
            ("-1", AmountError::InvalidCharacter('-')),
            ("1e6", AmountError::InvalidCharacter('e')),
            ("28.5 dUSD", AmountError::InvalidCharacter(' ')),
            ("0x10", AmountError::InvalidCharacter('x')),
            ("1_000", AmountError::InvalidCharacter('_')),
            ("1.0000001", AmountError::TooManyDecimals(6)),
            ("1,5", AmountError::Grouping),
            ("1,2345", AmountError::Grouping),
            (",123", AmountError::Grouping),
            ("1,000.5,0", AmountError::Grouping),
            ("1234,567", AmountError::Grouping),
        ] {
            assert_eq!(parse_units(text, 6), Err(err), "{text:?}");
        }
        assert_eq!(parse_units("1.5", 0), Err(AmountError::TooManyDecimals(0)));
        let max = U256::MAX.to_string();
        assert_eq!(parse_units(&max, 0), Ok(U256::MAX));
        assert_eq!(parse_units(&format!("{max}0"), 0), Err(AmountError::TooLarge));
        assert_eq!(parse_units("1", 78), Err(AmountError::TooLarge));
    }

    #[test]
    fn formatting_and_parsing_round_trip() {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let raw = U256::from(x) * U256::from(x >> 20);
            let decimals = (x % 30) as u8;
            for grouping in [Grouping::None, Grouping::Thousands, Grouping::Indian] {
                let text = format_units(raw, decimals, grouping);
                assert_eq!(parse_units(&text, decimals), Ok(raw), "{text}");
            }
        }
    }
}
