//! One order's record, as the order detail and the transparency endpoints show it: the
//! summary, terms, funding parts, milestones, price breakdown, metadata and on-chain proof,
//! loaded in one round trip.

use std::str::FromStr;

use alloy::{
    primitives::{Address, B256, U256},
    sol_types::SolValue,
};
use cointent_abi::IEscrow::{Split, Terms};
use serde_json::{Value, json};

use crate::{
    error::{ApiError, ApiResult},
    params::{chain_id, uint},
    sql::{SUMMARY, ZERO},
    state::AppState,
    time::rfc3339,
};

/// Everything the detail and transparency endpoints say about one order.
#[derive(Debug)]
pub(crate) struct OrderRecord {
    /// The summary with pledges, promotions, milestones, disputes and metadata, as JSON text.
    json: String,
    /// The summary alone, as JSON text.
    summary: String,
    /// The metadata document, as JSON text (`null` when none is linked).
    metadata: String,
    milestones: String,
    terms: Terms,
    units_pledged: u64,
    promoted_units: u64,
    funded: U256,
    released: U256,
    proof: Proof,
}

#[derive(Debug)]
struct Proof {
    chain_id: i64,
    contract: Option<String>,
    terms_hash: String,
    tx_hash: String,
    block_number: i64,
    block_hash: String,
    log_index: i32,
    rpc_url: Option<String>,
}

const DETAIL: &str = "SELECT
    {SUMMARY}::TEXT,
    json_build_object(
      'pledges', coalesce((SELECT json_agg(json_build_object(
            'backer', p.backer, 'promoter', nullif(p.promoter, '{ZERO}'),
            'units', p.units::BIGINT, 'paid', p.paid::TEXT, 'refunded', p.refunded::TEXT)
            ORDER BY p.paid DESC, p.backer)
          FROM pledges p WHERE p.chain_id = o.chain_id AND p.order_id = o.order_id
           AND (p.units > 0 OR p.refunded > 0)), '[]'),
      'promotions', coalesce((SELECT json_agg(json_build_object(
            'promoter', pr.promoter, 'units', pr.units::BIGINT, 'amount', pr.amount::TEXT,
            'commission_claimed', pr.commission::TEXT) ORDER BY pr.units DESC, pr.promoter)
          FROM promotions pr WHERE pr.chain_id = o.chain_id AND pr.order_id = o.order_id
           AND pr.units > 0), '[]'),
      'disputes', coalesce((SELECT json_agg(json_build_object(
            'milestone', d.milestone, 'disputed_by', d.disputed_by,
            'resolved', d.state = 'Resolved', 'refund_amount', d.refund_amount::TEXT,
            'released_amount', d.released_amount::TEXT, 'updated_at', d.updated_at)
            ORDER BY d.milestone)
          FROM milestones d WHERE d.chain_id = o.chain_id AND d.order_id = o.order_id
           AND d.disputed_by IS NOT NULL), '[]')
    )::TEXT,
    coalesce((SELECT json_agg(json_build_object(
          'index', e.ord - 1, 'bps', e.v::INT, 'state', coalesce(ms.state, 'Pending'),
          'proof_hash', ms.proof_hash, 'delivered_at', ms.delivered_at,
          'review_ends_at', ms.review_ends_at,
          'approval_units', coalesce(ms.approval_units, 0)::BIGINT,
          'disputed_by', ms.disputed_by,
          'released_amount', coalesce(ms.released_amount, 0)::TEXT,
          'refund_amount', coalesce(ms.refund_amount, 0)::TEXT) ORDER BY e.ord)
        FROM jsonb_array_elements_text(o.terms -> 'milestoneBps') WITH ORDINALITY e(v, ord)
        LEFT JOIN milestones ms ON ms.chain_id = o.chain_id AND ms.order_id = o.order_id
         AND ms.milestone = e.ord - 1), '[]')::TEXT,
    coalesce(m.document::TEXT, 'null'),
    o.terms::TEXT,
    o.units_pledged::BIGINT,
    (SELECT coalesce(sum(pr.units), 0)::BIGINT FROM promotions pr
      WHERE pr.chain_id = o.chain_id AND pr.order_id = o.order_id),
    o.funded::TEXT, o.released::TEXT, o.terms_hash, o.created_tx, o.created_block,
    o.created_block_hash, o.created_log_index,
    (SELECT c.address FROM contracts c WHERE c.chain_id = o.chain_id AND c.name = 'escrow')
FROM orders o LEFT JOIN metadata_documents m ON m.hash = o.metadata_hash
WHERE o.chain_id = $1 AND o.order_id = $2::NUMERIC";

type DetailRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    i32,
    Option<String>,
);

impl OrderRecord {
    /// Loads order `order` of chain `chain` in one round trip; 404 when it is not mirrored.
    pub(crate) async fn load(state: &AppState, chain: u64, order: &str) -> ApiResult<Self> {
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| DETAIL.replace("{SUMMARY}", SUMMARY).replace("{ZERO}", ZERO));
        let chain_db = chain_id("chain_id", chain)?;
        let order = uint("order_id", order)?;
        let row: Option<DetailRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(chain_db)
            .bind(&order)
            .fetch_optional(&state.pool)
            .await?;
        let Some(row) = row else {
            return Err(ApiError::not_found(format!("order {order} on chain {chain}")));
        };
        let (summary, parts, milestones, metadata, terms, units, promoted) =
            (row.0, row.1, row.2, row.3, row.4, row.5, row.6);
        let terms: Value =
            serde_json::from_str(&terms).map_err(|e| ApiError::Internal(e.to_string()))?;
        let terms = terms_from_json(&terms).map_err(ApiError::Internal)?;
        let amount = |s: &str| U256::from_str(s).map_err(|e| ApiError::Internal(e.to_string()));
        let config = state.config.chains.iter().find(|c| c.chain_id == chain);
        let proof = Proof {
            chain_id: chain_db,
            contract: row.14.or_else(|| {
                config.and_then(|c| c.contracts.get("escrow")).map(|a| format!("{a:#x}"))
            }),
            terms_hash: row.9,
            tx_hash: row.10,
            block_number: row.11,
            block_hash: row.12,
            log_index: row.13,
            rpc_url: config.map(|c| c.browser_rpc_url().to_string()),
        };
        // The summary's closing brace gives way to the nested parts.
        let mut json = String::with_capacity(summary.len() + parts.len() + milestones.len() + 64);
        json.push_str(&summary[..summary.len() - 1]);
        json.push(',');
        json.push_str(&parts[1..parts.len() - 1]);
        Ok(Self {
            json,
            summary,
            metadata,
            milestones,
            terms,
            units_pledged: units.max(0) as u64,
            promoted_units: promoted.max(0) as u64,
            funded: amount(&row.7)?,
            released: amount(&row.8)?,
            proof,
        })
    }

    /// The order detail: the summary, terms, funding parts, milestones, price breakdown,
    /// metadata and proof.
    pub(crate) fn detail_json(&self) -> String {
        let mut out = self.json.clone();
        self.push_record_parts(&mut out);
        out.push_str(",\"proof\":");
        out.push_str(&self.proof_json().to_string());
        out.push('}');
        out
    }

    /// The transparency record: `{"record": summary + terms + milestones + price breakdown +
    /// metadata, "proof": ...}`.
    pub(crate) fn transparency_json(&self) -> String {
        let mut out = String::from("{\"record\":");
        out.push_str(&self.summary[..self.summary.len() - 1]);
        self.push_record_parts(&mut out);
        out.push_str("},\"proof\":");
        out.push_str(&self.proof_json().to_string());
        out.push('}');
        out
    }

    /// Appends `,"terms":…,"milestones":…,"price_breakdown":…,"metadata":…` to an open
    /// JSON object.
    fn push_record_parts(&self, out: &mut String) {
        for (name, value) in [
            ("terms", terms_json(&self.terms).to_string()),
            ("milestones", self.milestones.clone()),
            ("price_breakdown", self.price_breakdown().to_string()),
            ("metadata", self.metadata.clone()),
        ] {
            out.push_str(",\"");
            out.push_str(name);
            out.push_str("\":");
            out.push_str(&value);
        }
    }

    fn price_breakdown(&self) -> Value {
        let t = &self.terms;
        let unit = U256::from(t.unitPrice.to::<u128>());
        let promoted = t.promoterBps > 0 && self.promoted_units > 0;
        let note = if t.promoterBps == 0 {
            "No promoter share: the terms set promoter_bps to 0.".to_string()
        } else if self.promoted_units == 0 {
            format!(
                "The promoter share ({} bps of the amount after the fee) applies only to units \
                 pledged through a promoter; none are so far. per_unit shows it at its maximum, \
                 for a promoted unit.",
                t.promoterBps
            )
        } else {
            format!(
                "The promoter share ({} bps of the amount after the fee) applies to the {} of {} \
                 units pledged through a promoter. per_unit shows it at its maximum, for a \
                 promoted unit.",
                t.promoterBps, self.promoted_units, self.units_pledged
            )
        };
        json!({
            "promoter_share_applies": promoted,
            "note": note,
            "per_unit": breakdown(t, unit, 1, 1),
            "funded": breakdown(t, self.funded, self.promoted_units, self.units_pledged),
            "released": breakdown(t, self.released, self.promoted_units, self.units_pledged),
        })
    }

    fn proof_json(&self) -> Value {
        let p = &self.proof;
        json!({
            "chain_id": p.chain_id,
            "contract": p.contract,
            "terms_hash": p.terms_hash,
            "terms": terms_json(&self.terms),
            "terms_abi": format!("0x{}", alloy::hex::encode(self.terms.abi_encode())),
            "tx_hash": p.tx_hash,
            "block_number": p.block_number,
            "block_hash": p.block_hash,
            "log_index": p.log_index,
            "rpc_url": p.rpc_url,
        })
    }
}

/// The terms from the `OrderCreated` event's decoded JSON (the ABI's camelCase names).
pub(crate) fn terms_from_json(v: &Value) -> Result<Terms, String> {
    fn s<'a>(v: &'a Value, k: &str) -> Result<&'a str, String> {
        v.get(k).and_then(Value::as_str).ok_or_else(|| format!("terms.{k} missing"))
    }
    fn p<T: FromStr>(v: &Value, k: &str) -> Result<T, String> {
        s(v, k)?.parse().map_err(|_| format!("terms.{k} malformed"))
    }
    let list =
        |k: &str| v.get(k).and_then(Value::as_array).ok_or_else(|| format!("terms.{k} missing"));
    let milestone_bps = list("milestoneBps")?
        .iter()
        .map(|b| b.as_str().and_then(|b| b.parse().ok()).ok_or("terms.milestoneBps malformed"))
        .collect::<Result<Vec<u16>, _>>()?;
    let splits = list("splits")?
        .iter()
        .map(|x| Ok(Split { recipient: p(x, "recipient")?, bps: p(x, "bps")? }))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Terms {
        seller: p(v, "seller")?,
        token: p(v, "token")?,
        unitPrice: p(v, "unitPrice")?,
        minUnits: p(v, "minUnits")?,
        maxUnits: p(v, "maxUnits")?,
        fundingDeadline: p(v, "fundingDeadline")?,
        reviewPeriod: p(v, "reviewPeriod")?,
        promoterBps: p(v, "promoterBps")?,
        feeBps: p(v, "feeBps")?,
        soleBuyer: p(v, "soleBuyer")?,
        arbiter: p(v, "arbiter")?,
        metadataHash: p::<B256>(v, "metadataHash")?,
        milestoneBps: milestone_bps,
        splits,
    })
}

fn hex_address(a: Address) -> String {
    format!("{a:#x}")
}

/// The terms as the API shows them (snake_case, amounts as strings, the deadline as
/// RFC 3339 and unix seconds).
pub(crate) fn terms_json(t: &Terms) -> Value {
    let deadline = t.fundingDeadline.to::<u64>();
    json!({
        "seller": hex_address(t.seller),
        "token": hex_address(t.token),
        "unit_price": t.unitPrice.to_string(),
        "min_units": t.minUnits,
        "max_units": t.maxUnits,
        "funding_deadline": rfc3339(deadline),
        "funding_deadline_unix": deadline,
        "review_period": t.reviewPeriod,
        "promoter_bps": t.promoterBps,
        "fee_bps": t.feeBps,
        "sole_buyer": hex_address(t.soleBuyer),
        "arbiter": hex_address(t.arbiter),
        "metadata_hash": format!("{:#x}", t.metadataHash),
        "milestone_bps": t.milestoneBps,
        "splits": t.splits.iter().map(|s| json!({
            "recipient": hex_address(s.recipient), "bps": s.bps,
        })).collect::<Vec<_>>(),
    })
}

/// The Escrow's money scheme applied to `amount`: fee, promoter pool (for `promoted` of
/// `units` units), the splits' cascade, and the seller's remainder; the parts sum to `amount`.
pub(crate) fn breakdown(t: &Terms, amount: U256, promoted: u64, units: u64) -> Value {
    let bps = U256::from(10_000);
    let fee = amount * U256::from(t.feeBps) / bps;
    let after_fee = amount - fee;
    let pool = if promoted == 0 || units == 0 {
        U256::ZERO
    } else {
        after_fee * U256::from(t.promoterBps) * U256::from(promoted) / (bps * U256::from(units))
    };
    let mut rest = after_fee - pool;
    let mut remaining = 10_000_u64;
    let mut splits = Vec::with_capacity(t.splits.len());
    for s in &t.splits {
        let share = if remaining == 0 {
            U256::ZERO
        } else {
            rest * U256::from(s.bps) / U256::from(remaining)
        };
        remaining = remaining.saturating_sub(u64::from(s.bps));
        rest -= share;
        splits.push(json!({
            "recipient": hex_address(s.recipient), "bps": s.bps, "amount": share.to_string(),
        }));
    }
    json!({
        "amount": amount.to_string(),
        "platform_fee": fee.to_string(),
        "promoter_pool": pool.to_string(),
        "splits": splits,
        "seller": hex_address(t.seller),
        "seller_amount": rest.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use alloy::primitives::keccak256;

    use super::*;

    fn terms() -> Terms {
        Terms {
            seller: Address::repeat_byte(4),
            token: Address::repeat_byte(9),
            unitPrice: alloy::primitives::Uint::from(10_000_000_u64),
            minUnits: 3,
            maxUnits: 10,
            fundingDeadline: alloy::primitives::Uint::from(1_700_000_000_u64),
            reviewPeriod: 3600,
            promoterBps: 500,
            feeBps: 100,
            soleBuyer: Address::ZERO,
            arbiter: Address::repeat_byte(6),
            metadataHash: B256::repeat_byte(0x42),
            milestoneBps: vec![5000, 5000],
            splits: vec![Split { recipient: Address::repeat_byte(7), bps: 1000 }],
        }
    }

    #[test]
    fn breakdown_follows_the_escrow_and_sums_exactly() {
        // The escrow test's figures: R = 60 000 000, 4 of 6 units promoted.
        let b = breakdown(&terms(), U256::from(60_000_000), 4, 6);
        assert_eq!(b["platform_fee"], "600000");
        assert_eq!(b["promoter_pool"], "1980000");
        assert_eq!(b["splits"][0]["amount"], "5742000");
        assert_eq!(b["seller_amount"], "51678000");
        for (amount, promoted, units) in [(7_u64, 1, 3), (10_000_001, 1, 1), (999, 0, 5)] {
            let b = breakdown(&terms(), U256::from(amount), promoted, units);
            let n = |v: &Value| v.as_str().unwrap().parse::<u64>().unwrap();
            let sum = n(&b["platform_fee"])
                + n(&b["promoter_pool"])
                + n(&b["splits"][0]["amount"])
                + n(&b["seller_amount"]);
            assert_eq!(sum, amount);
        }
    }

    #[test]
    fn terms_round_trip_through_the_event_json() {
        let t = terms();
        let v = json!({
            "seller": hex_address(t.seller), "token": hex_address(t.token),
            "unitPrice": "10000000", "minUnits": "3", "maxUnits": "10",
            "fundingDeadline": "1700000000", "reviewPeriod": "3600", "promoterBps": "500",
            "feeBps": "100", "soleBuyer": ZERO, "arbiter": hex_address(t.arbiter),
            "metadataHash": format!("{:#x}", t.metadataHash), "milestoneBps": ["5000", "5000"],
            "splits": [{"recipient": hex_address(Address::repeat_byte(7)), "bps": "1000"}],
        });
        let parsed = terms_from_json(&v).unwrap();
        assert_eq!(keccak256(parsed.abi_encode()), keccak256(t.abi_encode()));
        assert_eq!(terms_json(&parsed)["funding_deadline"], "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
