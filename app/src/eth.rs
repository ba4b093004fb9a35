//! Contract glue: terms from the API's JSON, calldata from the `cointent-abi` bindings,
//! revert data decoded into plain sentences, amounts and dates for people.

use alloy_primitives::{Address, B256, U256, Uint, keccak256};
#[allow(unused_imports)]
use alloy_sol_types::SolCall;
use alloy_sol_types::{SolError, SolInterface, SolValue, sol};
use cointent_abi::{
    CointentGovernor::CointentGovernorErrors,
    DemoStablecoin::DemoStablecoinErrors,
    Escrow::EscrowErrors,
    IEscrow::{Split, Terms},
};
use serde_json::Value;

sol! {
    /// The ERC-20 (+ EIP-2612, EIP-5267) calls the app needs from any payment token.
    interface IToken {
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
        function nonces(address owner) external view returns (uint256);
        function decimals() external view returns (uint8);
        function symbol() external view returns (string);
        function eip712Domain() external view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions);
    }
}

/// A field of a JSON object under its snake_case or camelCase name.
pub(crate) fn field<'a>(v: &'a Value, snake: &str) -> &'a Value {
    if let Some(x) = v.get(snake) {
        return x;
    }
    let mut camel = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            camel.push(c.to_ascii_uppercase());
            up = false;
        } else {
            camel.push(c);
        }
    }
    v.get(&camel).unwrap_or(&Value::Null)
}

/// A JSON number or decimal/hex string as text.
pub(crate) fn num_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => (*b as u8).to_string(),
        _ => String::new(),
    }
}

/// A JSON number or string as a U256 (decimal or 0x hex).
pub(crate) fn u256(v: &Value) -> Option<U256> {
    let s = num_text(v);
    if let Some(h) = s.strip_prefix("0x") {
        U256::from_str_radix(h, 16).ok()
    } else {
        U256::from_str_radix(&s, 10).ok()
    }
}

/// A JSON number or string as u64.
pub(crate) fn u64_of(v: &Value) -> Option<u64> {
    u256(v).and_then(|x| u64::try_from(x).ok())
}

/// A timestamp field: unix seconds (number or string) or an RFC 3339 string.
pub(crate) fn unix_of(v: &Value) -> Option<u64> {
    u64_of(v).or_else(|| {
        let ms = js_sys::Date::parse(v.as_str()?);
        (!ms.is_nan()).then(|| (ms / 1000.0) as u64)
    })
}

/// An address from a JSON string.
pub(crate) fn addr(v: &Value) -> Option<Address> {
    v.as_str()?.parse().ok()
}

/// Parses an address typed by a person.
pub(crate) fn parse_addr(s: &str) -> Option<Address> {
    s.trim().parse().ok()
}

/// Lower-case hex of an address.
pub(crate) fn addr_hex(a: &Address) -> String {
    crate::net::hex(a.as_slice())
}

/// The order's terms from the API's JSON (snake_case as in the contract, camelCase as in
/// the events: both are read).
pub(crate) fn terms_from_json(t: &Value) -> Result<Terms, String> {
    let bad = |name: &str| format!("the record's terms have no valid `{name}`");
    let a = |name: &str| addr(field(t, name)).ok_or_else(|| bad(name));
    let n = |name: &str| u256(field(t, name)).ok_or_else(|| bad(name));
    let small = |name: &str| -> Result<u64, String> {
        n(name).and_then(|x| u64::try_from(x).map_err(|_| bad(name)))
    };
    let milestones = field(t, "milestone_bps").as_array().ok_or_else(|| bad("milestone_bps"))?;
    let splits = field(t, "splits").as_array().ok_or_else(|| bad("splits"))?;
    Ok(Terms {
        seller: a("seller")?,
        token: a("token")?,
        unitPrice: Uint::from_limbs_slice(n("unit_price")?.as_limbs()),
        minUnits: small("min_units")? as u32,
        maxUnits: small("max_units")? as u32,
        fundingDeadline: Uint::from(
            unix_of(field(t, "funding_deadline")).ok_or_else(|| bad("funding_deadline"))?,
        ),
        reviewPeriod: small("review_period")? as u32,
        promoterBps: small("promoter_bps")? as u16,
        feeBps: small("fee_bps")? as u16,
        soleBuyer: a("sole_buyer")?,
        arbiter: a("arbiter")?,
        metadataHash: field(t, "metadata_hash")
            .as_str()
            .and_then(|s| s.parse::<B256>().ok())
            .ok_or_else(|| bad("metadata_hash"))?,
        milestoneBps: milestones.iter().map(|m| u64_of(m).unwrap_or(0) as u16).collect(),
        splits: splits
            .iter()
            .map(|s| {
                Ok(Split {
                    recipient: addr(&s["recipient"]).ok_or_else(|| bad("splits.recipient"))?,
                    bps: u64_of(&s["bps"]).ok_or_else(|| bad("splits.bps"))? as u16,
                })
            })
            .collect::<Result<_, String>>()?,
    })
}

/// keccak256(abi.encode(terms)): what the escrow stores as the order's terms hash.
pub(crate) fn terms_hash(terms: &Terms) -> B256 {
    keccak256(terms.abi_encode())
}

/// Statuses of the escrow's `Status` enum, by index.
pub(crate) const STATUSES: [&str; 6] =
    ["Funding", "Active", "Failed", "Cancelled", "Completed", "Resolved"];

fn when(ts: U256) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts.to::<u64>() as f64 * 1000.0));
    String::from(d.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED))
}

/// A plain sentence for a revert of the Co-Intent contracts (custom errors), of a token
/// (OpenZeppelin's ERC-20 errors), `Error(string)`, or anything else.
pub(crate) fn explain_revert(data: &[u8]) -> String {
    use EscrowErrors as E;
    if let Ok(e) = EscrowErrors::abi_decode(data) {
        return match e {
            E::OnlyGovernance(_) => "Only governance can do this.".into(),
            E::ZeroAddress(_) => "An address that must be set is empty.".into(),
            E::FeeTooHigh(e) => {
                format!("A fee of {} bps is above the cap of {} bps.", e.feeBps, e.max)
            }
            E::Paused(_) => "New orders and pledges are paused by governance for now.".into(),
            E::PauseUnchanged(_) => "The pause switch is already in that position.".into(),
            E::TermsMismatch(e) => {
                format!("The terms sent do not match order #{}'s terms on chain.", e.orderId)
            }
            E::InvalidTerms(e) => format!(
                "The terms are invalid: check {}.",
                String::from_utf8_lossy(e.reason.as_slice()).trim_end_matches('\0')
            ),
            E::FeeMismatch(e) => format!(
                "The terms carry a fee of {} bps but the platform fee is now {} bps.",
                e.given, e.current
            ),
            E::WrongStatus(e) => format!(
                "Order #{} is {}, so this is not possible now.",
                e.orderId,
                STATUSES.get(e.status as usize).unwrap_or(&"in another state")
            ),
            E::WrongMilestoneState(e) => format!(
                "The current milestone of order #{} is {}, so this is not possible now.",
                e.orderId,
                ["not delivered yet", "delivered and in review", "disputed"]
                    .get(e.state as usize)
                    .unwrap_or(&"in another state")
            ),
            E::FundingClosed(e) => format!("Funding of order #{} is closed.", e.orderId),
            E::FundingOpen(e) => format!(
                "Funding of order #{} is still open: wait for the deadline or for the cap to be reached.",
                e.orderId
            ),
            E::ZeroUnits(_) => "Choose at least one unit.".into(),
            E::CapExceeded(e) => format!("Only {} units are still available.", e.available),
            E::NotSoleBuyer(_) => "Only this order's buyer can pledge to it.".into(),
            E::NotSeller(_) => "Only the seller of this order can do this.".into(),
            E::NotArbiter(_) => "Only the arbiter of this order can do this.".into(),
            E::NotBacker(_) => "Only backers of this order can do this.".into(),
            E::InsufficientUnits(e) => format!("You hold only {} units.", e.held),
            E::WrongNativeAmount(e) => {
                format!("The amount sent ({}) differs from the price ({}).", e.sent, e.expected)
            }
            E::InsufficientTokenReceived(_) => {
                "The token delivered less than was sent (fee-on-transfer tokens are not accepted)."
                    .into()
            }
            E::NativeTransferFailed(_) => "Sending the coins to the recipient failed.".into(),
            E::ReviewPeriodActive(e) => format!(
                "The review period runs until {}: release is possible after it.",
                when(e.endsAt)
            ),
            E::ReviewPeriodOver(e) => format!("The review period ended on {}.", when(e.endedAt)),
            E::AlreadyApproved(_) => "You already approved this milestone.".into(),
            E::RefundTooHigh(e) => format!(
                "A refund of {} is more than the {} the order still holds.",
                e.refund, e.held
            ),
            E::NothingToRefund(_) => "There is nothing to refund to this account.".into(),
            E::NothingToClaim(_) => "There is nothing to claim for this account yet.".into(),
            E::NothingToWithdraw(_) => "There is no balance to withdraw.".into(),
            #[allow(unreachable_patterns)]
            _ => "The escrow refused the transaction.".into(),
        };
    }
    if let Ok(e) = DemoStablecoinErrors::abi_decode(data) {
        return match e {
            DemoStablecoinErrors::ERC20InsufficientBalance(e) => format!(
                "Your token balance is too low: you have {}, this needs {}.",
                e.balance, e.needed
            ),
            DemoStablecoinErrors::ERC20InsufficientAllowance(_) => {
                "The escrow is not allowed to take enough of your tokens: approve first.".into()
            }
            DemoStablecoinErrors::ERC2612ExpiredSignature(_) => {
                "The permit signature expired.".into()
            }
            _ => "The token refused the transfer.".into(),
        };
    }
    if let Ok(e) = CointentGovernorErrors::abi_decode(data) {
        return match e {
            CointentGovernorErrors::GovernorUnexpectedProposalState(_) => {
                "The proposal is not in a state that allows this now.".into()
            }
            CointentGovernorErrors::GovernorAlreadyCastVote(_) => {
                "You already voted on this proposal.".into()
            }
            CointentGovernorErrors::GovernorInsufficientProposerVotes(_) => {
                "You do not have enough votes to propose.".into()
            }
            _ => "The governor refused the transaction.".into(),
        };
    }
    if let Ok(r) = alloy_sol_types::Revert::abi_decode(data) {
        return format!("The contract refused: {}.", r.reason);
    }
    if data.is_empty() {
        "The transaction would fail (no reason given).".into()
    } else {
        "The transaction would fail (unknown reason).".into()
    }
}

/// `raw` smallest units as a decimal with `decimals` places, trailing zeros trimmed.
pub(crate) fn fmt_units(raw: U256, decimals: u8) -> String {
    let s = raw.to_string();
    let d = decimals as usize;
    let (int, frac) = if s.len() > d {
        (s[..s.len() - d].to_owned(), s[s.len() - d..].to_owned())
    } else {
        ("0".to_owned(), format!("{}{}", "0".repeat(d - s.len()), s))
    };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { int } else { format!("{int}.{frac}") }
}

/// Parses a decimal typed by a person into smallest units.
pub(crate) fn parse_units(s: &str, decimals: u8) -> Option<U256> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > decimals as usize || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let digits = format!("{int}{frac}{}", "0".repeat(decimals as usize - frac.len()));
    U256::from_str_radix(&digits, 10).ok()
}

/// A short form of an address: 0x1234…abcd.
pub(crate) fn short(a: &str) -> String {
    if a.len() > 12 { format!("{}…{}", &a[..6], &a[a.len() - 4..]) } else { a.to_owned() }
}

/// Date of unix seconds for people.
pub(crate) fn date(ts: u64) -> String {
    when(U256::from(ts))
}
