//! Accounts, for `/v1/accounts`: what one address is in the mirror (its roles, earnings,
//! Escrow balances and reputation) and its orders by role.

use cointent_domain::{
    Page,
    accounts::{
        Account, AccountRoles, ArbiterRole, BackerPayment, BackerRole, ClaimableBalance, Earning,
        PromotedAmount, PromoterRole, RecipientRole, Reputation, SellerRole, StatusCounts,
        VoterProposal,
    },
    orders::OrderSummary,
};
use sqlx::{PgPool, QueryBuilder, types::Json};

use super::orders::{PageError, bad_column, int, summaries};

struct AccountRow {
    seller_orders: i64,
    funding: i64,
    active: i64,
    failed: i64,
    cancelled: i64,
    completed: i64,
    resolved: i64,
    expired: i64,
    backer_orders: i64,
    backer_units: i64,
    backer_paid: Json<Vec<BackerPayment>>,
    promoter_orders: i64,
    promoter_units: i64,
    promoted: Json<Vec<PromotedAmount>>,
    recipient_orders: i64,
    arbiter_orders: i64,
    open_disputes: i64,
    earnings: Json<Vec<Earning>>,
    claimable: Json<Vec<ClaimableBalance>>,
    reputation: Json<Vec<Reputation>>,
}

/// What `address` (lower-case `0x` hex) is in the mirror; an address it never saw has zero
/// counts and empty lists.
#[tracing::instrument(skip(pool))]
pub async fn account(pool: &PgPool, address: &str) -> sqlx::Result<Account> {
    // Each part is one aggregate row, so the cross join is one row; the lists are JSON in the
    // API's own shape, read straight into the domain types.
    let r = sqlx::query_as!(
        AccountRow,
        r#"SELECT
            s.orders AS "seller_orders!", s.funding AS "funding!", s.active AS "active!",
            s.failed AS "failed!", s.cancelled AS "cancelled!", s.completed AS "completed!",
            s.resolved AS "resolved!", s.expired AS "expired!",
            b.orders AS "backer_orders!", b.units AS "backer_units!",
            b.paid AS "backer_paid!: Json<Vec<BackerPayment>>",
            pr.orders AS "promoter_orders!", pr.units AS "promoter_units!",
            pr.promoted AS "promoted!: Json<Vec<PromotedAmount>>",
            (SELECT count(*) FROM orders
              WHERE terms -> 'splits' @> jsonb_build_array(jsonb_build_object('recipient', $1::TEXT)))
              AS "recipient_orders!",
            (SELECT count(*) FROM orders WHERE arbiter = $1) AS "arbiter_orders!",
            (SELECT count(*) FROM milestones ms JOIN orders o
                ON o.chain_id = ms.chain_id AND o.order_id = ms.order_id
              WHERE o.arbiter = $1 AND ms.state = 'Disputed') AS "open_disputes!",
            coalesce((SELECT json_agg(json_build_object('chain_id', e.chain_id, 'token', e.token,
                  'share', e.share::TEXT, 'commission', e.commission::TEXT,
                  'total', (e.share + e.commission)::TEXT) ORDER BY e.chain_id, e.token)
                FROM (SELECT chain_id, token,
                        coalesce(sum(amount) FILTER (WHERE kind = 'share'), 0) AS share,
                        coalesce(sum(amount) FILTER (WHERE kind = 'commission'), 0) AS commission
                      FROM claims WHERE account = $1 GROUP BY 1, 2) e), '[]')
              AS "earnings!: Json<Vec<Earning>>",
            coalesce((SELECT json_agg(json_build_object('chain_id', eb.chain_id, 'token', eb.token,
                  'credited', eb.credited::TEXT, 'withdrawn', eb.withdrawn::TEXT,
                  'amount', (eb.credited - eb.withdrawn)::TEXT) ORDER BY eb.chain_id, eb.token)
                FROM escrow_balances eb WHERE eb.account = $1), '[]')
              AS "claimable!: Json<Vec<ClaimableBalance>>",
            coalesce((SELECT json_agg(json_build_object('chain_id', r.chain_id,
                  'completed_orders', r.completed_orders, 'on_time_milestones', r.on_time_milestones,
                  'disputes_lost', r.disputes_lost, 'deliveries_missed', r.deliveries_missed,
                  'score', r.score) ORDER BY r.chain_id)
                FROM reputation r WHERE r.account = $1), '[]')
              AS "reputation!: Json<Vec<Reputation>>"
        FROM
          (SELECT count(*) AS orders,
              count(*) FILTER (WHERE status = 'Funding') AS funding,
              count(*) FILTER (WHERE status = 'Active') AS active,
              count(*) FILTER (WHERE status = 'Failed') AS failed,
              count(*) FILTER (WHERE status = 'Cancelled') AS cancelled,
              count(*) FILTER (WHERE status = 'Completed') AS completed,
              count(*) FILTER (WHERE status = 'Resolved') AS resolved,
              count(*) FILTER (WHERE status = 'Expired') AS expired
            FROM orders WHERE seller = $1) s,
          (SELECT count(*) AS orders, coalesce(sum(p.units), 0)::BIGINT AS units,
              coalesce((SELECT json_agg(json_build_object('chain_id', t.chain_id,
                    'token', t.token, 'paid', t.paid::TEXT, 'refunded', t.refunded::TEXT)
                    ORDER BY t.chain_id, t.token)
                  FROM (SELECT p2.chain_id, o2.token, sum(p2.paid) AS paid,
                          sum(p2.refunded) AS refunded
                        FROM pledges p2 JOIN orders o2
                          ON o2.chain_id = p2.chain_id AND o2.order_id = p2.order_id
                        WHERE p2.backer = $1 GROUP BY 1, 2) t), '[]') AS paid
            FROM pledges p WHERE p.backer = $1 AND (p.units > 0 OR p.refunds > 0)) b,
          (SELECT count(*) AS orders, coalesce(sum(units), 0)::BIGINT AS units,
              coalesce((SELECT json_agg(json_build_object('chain_id', t.chain_id,
                    'token', t.token, 'amount', t.amount::TEXT,
                    'commission_claimed', t.commission::TEXT) ORDER BY t.chain_id, t.token)
                  FROM (SELECT pr2.chain_id, o2.token, sum(pr2.amount) AS amount,
                          sum(pr2.commission) AS commission
                        FROM promotions pr2 JOIN orders o2
                          ON o2.chain_id = pr2.chain_id AND o2.order_id = pr2.order_id
                        WHERE pr2.promoter = $1 GROUP BY 1, 2) t), '[]') AS promoted
            FROM promotions WHERE promoter = $1 AND units > 0) pr"#,
        address,
    )
    .fetch_one(pool)
    .await?;
    let count = |column: &str, n: i64| int::<u64, _>(column, n);
    Ok(Account {
        address: address.parse().map_err(|e| bad_column("address", e))?,
        roles: AccountRoles {
            seller: SellerRole {
                orders: count("seller_orders", r.seller_orders)?,
                by_status: StatusCounts {
                    funding: count("funding", r.funding)?,
                    active: count("active", r.active)?,
                    failed: count("failed", r.failed)?,
                    cancelled: count("cancelled", r.cancelled)?,
                    completed: count("completed", r.completed)?,
                    resolved: count("resolved", r.resolved)?,
                    expired: count("expired", r.expired)?,
                },
            },
            backer: BackerRole {
                orders: count("backer_orders", r.backer_orders)?,
                units: count("backer_units", r.backer_units)?,
                paid: r.backer_paid.0,
            },
            promoter: PromoterRole {
                orders: count("promoter_orders", r.promoter_orders)?,
                units: count("promoter_units", r.promoter_units)?,
                promoted: r.promoted.0,
            },
            recipient: RecipientRole { orders: count("recipient_orders", r.recipient_orders)? },
            arbiter: ArbiterRole {
                orders: count("arbiter_orders", r.arbiter_orders)?,
                open_disputes: count("open_disputes", r.open_disputes)?,
            },
        },
        earnings: r.earnings.0,
        claimable: r.claimable.0,
        reputation: r.reputation.0,
    })
}

/// A role an account plays in an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRole {
    /// It sells.
    Seller,
    /// It holds units or was refunded (a refund clears its units).
    Backer,
    /// It brought backers holding units.
    Promoter,
    /// The order's splits name it.
    Recipient,
    /// It resolves the order's disputes.
    Arbiter,
    /// It is the order's sole buyer: a sale's buyer (a purchase from a listing among them)
    /// or a freelance job's client.
    Buyer,
}

/// A page of the orders in which `address` (lower-case `0x` hex) plays `role`, newest first.
#[tracing::instrument(skip(pool))]
pub async fn orders(
    pool: &PgPool,
    address: &str,
    role: OrderRole,
    cursor: Option<&[String]>,
    limit: u32,
) -> Result<Page<OrderSummary>, PageError> {
    let mut sql = QueryBuilder::new(
        "SELECT api_order_summary(o, m) FROM orders o
         LEFT JOIN metadata_documents m
           ON m.hash = o.metadata_hash AND metadata_links(m.uploaded_by, m.document, o.seller, o.terms)
         WHERE ",
    );
    let address = address.to_string();
    match role {
        OrderRole::Seller => sql.push("o.seller = ").push_bind(address),
        OrderRole::Arbiter => sql.push("o.arbiter = ").push_bind(address),
        // `orders_by_sole_buyer` is partial: the condition repeats its predicate.
        OrderRole::Buyer => sql
            .push(
                "o.sole_buyer <> '0x0000000000000000000000000000000000000000' AND o.sole_buyer = ",
            )
            .push_bind(address),
        OrderRole::Backer => sql
            .push(
                "EXISTS (SELECT 1 FROM pledges p WHERE p.chain_id = o.chain_id \
                 AND p.order_id = o.order_id AND (p.units > 0 OR p.refunds > 0) AND p.backer = ",
            )
            .push_bind(address)
            .push(")"),
        OrderRole::Promoter => sql
            .push(
                "EXISTS (SELECT 1 FROM promotions p WHERE p.chain_id = o.chain_id \
                 AND p.order_id = o.order_id AND p.units > 0 AND p.promoter = ",
            )
            .push_bind(address)
            .push(")"),
        OrderRole::Recipient => sql
            .push("o.terms -> 'splits' @> jsonb_build_array(jsonb_build_object('recipient', ")
            .push_bind(address)
            .push("::TEXT))"),
    };
    summaries(pool, sql, cursor, limit).await
}

/// One order on an account's dashboard: where it is, its kept detail (`order_details`, when
/// the writer has kept it) and the shares the account claimed from it.
#[derive(Debug)]
pub struct DashboardRow {
    /// The chain.
    pub chain_id: i64,
    /// The order id, decimal.
    pub order_id: String,
    /// The order's detail as the API serves it, when kept.
    pub detail: Option<Vec<u8>>,
    /// Shares (as seller, split recipient or treasury) the account claimed from it, decimal.
    pub share_claimed: String,
}

/// The orders in which `address` plays any part (seller, split recipient, arbiter, backer,
/// promoter), newest first, at most `limit`.
#[tracing::instrument(skip(pool))]
pub async fn dashboard(
    pool: &PgPool,
    address: &str,
    limit: i64,
) -> sqlx::Result<Vec<DashboardRow>> {
    sqlx::query_as!(
        DashboardRow,
        r#"WITH mine AS (
              SELECT chain_id, order_id FROM orders WHERE seller = $1 OR arbiter = $1
                OR terms -> 'splits' @> jsonb_build_array(jsonb_build_object('recipient', $1::TEXT))
              UNION SELECT chain_id, order_id FROM pledges
                WHERE backer = $1 AND (units > 0 OR refunds > 0)
              UNION SELECT chain_id, order_id FROM promotions WHERE promoter = $1 AND units > 0)
           SELECT o.chain_id AS "chain_id!", o.order_id::TEXT AS "order_id!", d.body AS "detail?",
              coalesce((SELECT sum(c.amount) FROM claims c WHERE c.chain_id = o.chain_id
                 AND c.order_id = o.order_id AND c.account = $1 AND c.kind = 'share'), 0)::TEXT
                 AS "share_claimed!"
           FROM mine m
           JOIN orders o ON o.chain_id = m.chain_id AND o.order_id = m.order_id
           LEFT JOIN order_details d ON d.chain_id = o.chain_id AND d.order_id = o.order_id
           ORDER BY o.created_at DESC, o.chain_id, o.order_id DESC
           LIMIT $2"#,
        address,
        limit,
    )
    .fetch_all(pool)
    .await
}

/// An account as a voter on one chain (see `VoterPosition`).
#[derive(Debug)]
pub struct VoterRow {
    /// The chain.
    pub chain_id: i64,
    /// Its voting power, decimal.
    pub votes: String,
    /// Its delegate.
    pub delegate: Option<String>,
    /// Proposals open to a vote, with its vote.
    pub open: Json<Vec<VoterProposal>>,
    /// Its votes on closed proposals.
    pub voted: Json<Vec<VoterProposal>>,
}

/// `address` as a voter on every chain where it has voting power, delegates or voted: a
/// proposal's vote is open while it is `Created` and the chain's last mirrored block is
/// before its end (the Governor's clock is the timestamp).
#[tracing::instrument(skip(pool))]
pub async fn voter(pool: &PgPool, address: &str) -> sqlx::Result<Vec<VoterRow>> {
    sqlx::query_as!(
        VoterRow,
        r#"WITH mine AS (
              SELECT chain_id FROM voting_power WHERE delegate = $1 AND votes > 0
              UNION SELECT chain_id FROM delegations WHERE delegator = $1
              UNION SELECT chain_id FROM votes WHERE voter = $1),
           listed AS (
              SELECT p.chain_id, p.proposal_id, p.created_block,
                     p.state = 'Created' AND coalesce(c.checkpoint_time, 0) <= p.vote_end AS open,
                     json_build_object('proposal_id', p.proposal_id::TEXT,
                       'description', p.description, 'vote_end', p.vote_end,
                       'vote', CASE WHEN v.voter IS NOT NULL THEN json_build_object(
                         'support', (ARRAY['against', 'for', 'abstain'])[v.support + 1],
                         'weight', v.weight::TEXT, 'reason', v.reason) END) AS body,
                     v.voter IS NOT NULL AS voted
              FROM proposals p JOIN mine m ON m.chain_id = p.chain_id
              LEFT JOIN chains c ON c.chain_id = p.chain_id
              LEFT JOIN votes v ON v.chain_id = p.chain_id AND v.proposal_id = p.proposal_id
                AND v.voter = $1)
           SELECT m.chain_id AS "chain_id!",
              coalesce((SELECT vp.votes FROM voting_power vp
                        WHERE vp.chain_id = m.chain_id AND vp.delegate = $1), 0)::TEXT AS "votes!",
              (SELECT d.delegate FROM delegations d
               WHERE d.chain_id = m.chain_id AND d.delegator = $1) AS "delegate?",
              coalesce((SELECT json_agg(x.body ORDER BY x.created_block DESC, x.proposal_id DESC)
                        FROM (SELECT * FROM listed l WHERE l.chain_id = m.chain_id AND l.open
                              ORDER BY l.created_block DESC, l.proposal_id DESC LIMIT 20) x),
                       '[]') AS "open!: Json<Vec<VoterProposal>>",
              coalesce((SELECT json_agg(x.body ORDER BY x.created_block DESC, x.proposal_id DESC)
                        FROM (SELECT * FROM listed l WHERE l.chain_id = m.chain_id
                                AND NOT l.open AND l.voted
                              ORDER BY l.created_block DESC, l.proposal_id DESC LIMIT 20) x),
                       '[]') AS "voted!: Json<Vec<VoterProposal>>"
           FROM mine m ORDER BY m.chain_id"#,
        address,
    )
    .fetch_all(pool)
    .await
}
