//! One order's record, as the order detail and the transparency endpoints show it: what the
//! mirror holds (`cointent_storage::read::orders::record`, one round trip), the price
//! breakdown from the domain's payout cascade, and the proof with the RPC URL the
//! configuration gives a browser.

use cointent_domain::{
    orders::{OrderDetail, OrderPriceBreakdown, OrderProof},
    transparency::{TransparencyOrder, TransparencyRecord},
};
use cointent_storage::read::{details, orders as read};

use crate::{
    error::{ApiError, ApiResult},
    params::{chain_id, uint},
    state::AppState,
};

/// Everything the detail and transparency endpoints say about one order.
#[derive(Debug)]
pub(crate) struct OrderRecord {
    record: read::OrderRecord,
    price_breakdown: OrderPriceBreakdown,
    proof: OrderProof,
}

impl OrderRecord {
    /// Loads order `order` (decimal) of chain `chain`; 400 for a malformed id, 404 when the
    /// mirror does not have it.
    pub(crate) async fn load(state: &AppState, chain: u64, order: &str) -> ApiResult<Self> {
        let chain_db = chain_id("chain_id", chain)?;
        let order = uint("order_id", order)?;
        let Some(record) = read::record(&state.pool, chain_db, &order).await? else {
            return Err(ApiError::not_found(format!("order {order} on chain {chain}")));
        };
        let config = state.config.chains.iter().find(|c| c.chain_id == chain);
        let (price_breakdown, proof) = details::parts(&record, chain, config);
        Ok(Self { record, price_breakdown, proof })
    }

    /// The order detail: the summary, funding parts, terms, the Escrow's records,
    /// milestones, price breakdown, metadata and proof.
    pub(crate) fn detail(self) -> OrderDetail {
        details::assemble(self.record, self.price_breakdown, self.proof)
    }

    /// The transparency record: the summary, terms, milestones, price breakdown and
    /// metadata, and the proof.
    pub(crate) fn transparency(self) -> TransparencyRecord {
        let r = self.record;
        TransparencyRecord {
            record: TransparencyOrder {
                summary: r.summary,
                terms: r.terms,
                milestones: r.milestones,
                price_breakdown: self.price_breakdown,
                metadata: r.metadata,
            },
            proof: self.proof,
        }
    }
}
