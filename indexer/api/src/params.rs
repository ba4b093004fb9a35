//! Input parsing shared by every area: path segments and query values checked and
//! normalised to the mirror's forms, or a 400 naming the field.

use alloy::primitives::U256;

use crate::error::{ApiError, ApiResult};

/// Parses an address parameter to the mirror's form (lower-case `0x` hex).
pub(crate) fn address(field: &str, value: &str) -> ApiResult<String> {
    value
        .parse::<alloy::primitives::Address>()
        .map(|a| format!("{a:#x}"))
        .map_err(|_| ApiError::bad(field, "not a 20-byte 0x-hex address"))
}

/// Parses a 32-byte hash parameter to the mirror's form (lower-case `0x` hex).
pub(crate) fn hash(field: &str, value: &str) -> ApiResult<String> {
    value
        .parse::<alloy::primitives::B256>()
        .map(|h| format!("{h:#x}"))
        .map_err(|_| ApiError::bad(field, "not a 32-byte 0x-hex hash"))
}

/// Checks that `value` is one of `allowed`.
pub(crate) fn one_of<'a>(field: &str, value: &'a str, allowed: &[&str]) -> ApiResult<&'a str> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::bad(field, format!("must be one of {}", allowed.join(", "))))
    }
}

/// The variant of `all` whose API name (`name`) is `value`, or a 400 naming `field` that
/// lists the names, as [`one_of`] does.
pub(crate) fn named<T: Copy>(
    field: &str,
    value: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> ApiResult<T> {
    all.iter().copied().find(|v| name(*v) == value).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
        ApiError::bad(field, format!("must be one of {}", names.join(", ")))
    })
}

/// A uint256 in decimal, normalised (no leading zeros), or a 400 naming `field`.
pub(crate) fn uint(field: &str, value: &str) -> ApiResult<String> {
    let ok = !value.is_empty() && value.len() <= 78 && value.bytes().all(|b| b.is_ascii_digit());
    let parsed = ok.then(|| U256::from_str_radix(value, 10).ok()).flatten();
    parsed.map(|v| v.to_string()).ok_or_else(|| ApiError::bad(field, "not a decimal uint256"))
}

/// A chain id path segment (decimal), or a 400 naming `field`.
pub(crate) fn chain_segment(field: &str, value: &str) -> ApiResult<u64> {
    let ok = !value.is_empty() && value.len() <= 19 && value.bytes().all(|b| b.is_ascii_digit());
    let parsed = ok.then(|| value.parse::<u64>().ok()).flatten();
    let id = parsed.ok_or_else(|| ApiError::bad(field, "not a decimal chain id"))?;
    chain_id(field, id)?;
    Ok(id)
}

/// A chain id that fits the mirror's BIGINT.
pub(crate) fn chain_id(field: &str, value: u64) -> ApiResult<i64> {
    i64::try_from(value).map_err(|_| ApiError::bad(field, "too large"))
}

/// A free-text filter (region, category, craft): 1 to 100 characters, matched exactly.
pub(crate) fn label(field: &str, value: &str) -> ApiResult<String> {
    if value.is_empty() || value.chars().count() > 100 || value.contains('\0') {
        return Err(ApiError::bad(field, "must be 1 to 100 characters, without NUL"));
    }
    Ok(value.to_string())
}

/// A full-text query: at most 200 characters; blank means no filter.
pub(crate) fn text_query(value: Option<&str>) -> ApiResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(q) if q.chars().count() > 200 || q.contains('\0') => {
            Err(ApiError::bad("q", "at most 200 characters, without NUL"))
        }
        Some(q) => Ok(Some(q.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_hashes_are_normalised_or_refused() {
        let a = address("seller", "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266").unwrap();
        assert_eq!(a, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
        let err = address("seller", "0x1234").unwrap_err();
        assert!(matches!(err, ApiError::BadRequest { field: Some(ref f), .. } if f == "seller"));
        assert!(hash("terms_hash", &format!("0x{}", "Ab".repeat(32))).is_ok());
        assert!(hash("terms_hash", "0xzz").is_err());
    }

    #[test]
    fn inputs_are_checked() {
        assert_eq!(uint("order_id", "007").unwrap(), "7");
        assert!(uint("order_id", "-1").is_err());
        assert!(uint("order_id", &"9".repeat(78)).is_err());
        assert!(one_of("kind", "sale", &["collective", "sale", "freelance"]).is_ok());
        assert!(one_of("kind", "Sale", &["collective", "sale", "freelance"]).is_err());
        let all = [cointent_domain::OrderKind::Collective, cointent_domain::OrderKind::Sale];
        let sale = named("kind", "sale", &all, cointent_domain::OrderKind::as_str).unwrap();
        assert_eq!(sale, cointent_domain::OrderKind::Sale);
        let err = named("kind", "gift", &all, cointent_domain::OrderKind::as_str).unwrap_err();
        assert_eq!(err.to_string(), "kind: must be one of collective, sale");
        assert_eq!(text_query(Some("  ")).unwrap(), None);
    }
}
