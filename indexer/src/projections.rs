//! Projections: tables derived from the raw events, written set-based per batch.
//!
//! Each projection is SQL over the batch's rows of `events` (`$1` chain, `$2`..`$3` block
//! range), so a batch of any size costs a fixed number of statements, and anyone can
//! recompute every table from the events alone. Projection tables carry the undo trigger
//! (`attach_undo`), which makes them reorg-safe without projection-specific code.

use std::collections::BTreeSet;

use eyre::{Result, WrapErr};
use sqlx::{Postgres, Transaction};

/// A projection statement and the events it reads.
#[derive(Debug)]
pub struct Projection {
    /// For errors and traces.
    pub name: &'static str,
    /// Events it reads; it runs only for batches that contain one of them.
    pub reads: &'static [&'static str],
    /// The statement.
    pub sql: &'static str,
}

/// Every projection, in the order they run.
pub static PROJECTIONS: &[Projection] = &[
    Projection {
        name: "token_balances",
        reads: &["Transfer"],
        sql: "INSERT INTO token_balances (chain_id, token, account, balance)
              SELECT $1, address, account, sum(delta) FROM (
                  SELECT address, args->>'from' AS account, -(args->>'value')::NUMERIC AS delta
                  FROM events WHERE chain_id = $1 AND event = 'Transfer'
                   AND block_number BETWEEN $2 AND $3 AND contract IN ('token', 'stablecoin')
                  UNION ALL
                  SELECT address, args->>'to', (args->>'value')::NUMERIC
                  FROM events WHERE chain_id = $1 AND event = 'Transfer'
                   AND block_number BETWEEN $2 AND $3 AND contract IN ('token', 'stablecoin')
              ) d
              WHERE account <> '0x0000000000000000000000000000000000000000'
              GROUP BY address, account
              ON CONFLICT (chain_id, token, account)
              DO UPDATE SET balance = token_balances.balance + EXCLUDED.balance",
    },
    Projection {
        name: "token_supply",
        reads: &["Transfer"],
        sql: "INSERT INTO token_supply (chain_id, token, supply)
              SELECT $1, address, sum(CASE
                  WHEN args->>'from' = '0x0000000000000000000000000000000000000000'
                      THEN (args->>'value')::NUMERIC
                  WHEN args->>'to' = '0x0000000000000000000000000000000000000000'
                      THEN -(args->>'value')::NUMERIC
                  ELSE 0 END)
              FROM events WHERE chain_id = $1 AND event = 'Transfer'
               AND block_number BETWEEN $2 AND $3 AND contract IN ('token', 'stablecoin')
              GROUP BY address
              ON CONFLICT (chain_id, token)
              DO UPDATE SET supply = token_supply.supply + EXCLUDED.supply",
    },
    Projection {
        name: "orders",
        reads: &["OrderCreated"],
        sql: "INSERT INTO orders (chain_id, order_id, seller, token, terms_hash, terms, unit_price,
                 min_units, max_units, funding_deadline, fee_bps, promoter_bps, sole_buyer, arbiter,
                 metadata_hash, milestone_count, kind, created_block, created_block_hash, created_tx,
                 created_log_index, created_at, updated_block)
             SELECT $1, (args->>'orderId')::NUMERIC, args->>'seller', args->>'token', args->>'termsHash',
                 args->'terms', (args->'terms'->>'unitPrice')::NUMERIC, (args->'terms'->>'minUnits')::BIGINT,
                 (args->'terms'->>'maxUnits')::BIGINT, to_timestamp((args->'terms'->>'fundingDeadline')::BIGINT),
                 (args->'terms'->>'feeBps')::INT, (args->'terms'->>'promoterBps')::INT,
                 args->'terms'->>'soleBuyer', args->'terms'->>'arbiter', args->'terms'->>'metadataHash',
                 jsonb_array_length(args->'terms'->'milestoneBps'),
                 CASE WHEN args->'terms'->>'soleBuyer' = '0x0000000000000000000000000000000000000000' THEN 'collective'
                      WHEN jsonb_array_length(args->'terms'->'milestoneBps') > 1 THEN 'freelance'
                      ELSE 'sale' END,
                 block_number, block_hash, tx_hash, log_index, block_time, block_number
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'OrderCreated'",
    },
    Projection {
        name: "pledges",
        reads: &["Pledged", "Unpledged"],
        sql: "INSERT INTO pledges (chain_id, order_id, backer, promoter, units, paid)
             SELECT $1, (args->>'orderId')::NUMERIC, args->>'backer',
                 (array_agg(args->>'promoter' ORDER BY block_number DESC, log_index DESC))[1],
                 sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'units')::NUMERIC),
                 sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'amount')::NUMERIC)
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Pledged', 'Unpledged')
             GROUP BY 2, 3
             ON CONFLICT (chain_id, order_id, backer) DO UPDATE
             SET promoter = EXCLUDED.promoter, units = pledges.units + EXCLUDED.units,
                 paid = pledges.paid + EXCLUDED.paid",
    },
    Projection {
        name: "order_funding",
        reads: &["Pledged", "Unpledged"],
        sql: "UPDATE orders o SET units_pledged = o.units_pledged + d.units, funded = o.funded + d.amount,
                 updated_block = d.block
             FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, max(block_number) AS block,
                     sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'units')::NUMERIC) AS units,
                     sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'amount')::NUMERIC) AS amount
                   FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Pledged', 'Unpledged') GROUP BY 1) d
             WHERE o.chain_id = $1 AND o.order_id = d.order_id",
    },
    Projection {
        name: "promotions",
        reads: &["Pledged", "Unpledged"],
        sql: "INSERT INTO promotions (chain_id, order_id, promoter, units, amount)
             SELECT $1, (args->>'orderId')::NUMERIC, args->>'promoter',
                 sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'units')::NUMERIC),
                 sum(CASE event WHEN 'Pledged' THEN 1 ELSE -1 END * (args->>'amount')::NUMERIC)
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Pledged', 'Unpledged')
               AND args->>'promoter' <> '0x0000000000000000000000000000000000000000'
             GROUP BY 2, 3
             ON CONFLICT (chain_id, order_id, promoter) DO UPDATE
             SET units = promotions.units + EXCLUDED.units, amount = promotions.amount + EXCLUDED.amount",
    },
    Projection {
        name: "order_status",
        reads: &["Finalized", "Cancelled", "Completed", "Resolved"],
        sql: "UPDATE orders o SET status = s.status, updated_block = s.block
             FROM (SELECT DISTINCT ON ((args->>'orderId')::NUMERIC) (args->>'orderId')::NUMERIC AS order_id,
                     block_number AS block,
                     CASE event
                       WHEN 'Finalized' THEN (ARRAY['Funding','Active','Failed','Cancelled','Completed','Resolved'])[(args->>'status')::INT + 1]
                       ELSE event END AS status
                   FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Finalized', 'Cancelled', 'Completed', 'Resolved')
                   ORDER BY (args->>'orderId')::NUMERIC, block_number DESC, log_index DESC) s
             WHERE o.chain_id = $1 AND o.order_id = s.order_id",
    },
    Projection {
        name: "order_released",
        reads: &["MilestoneReleased", "Resolved"],
        sql: "UPDATE orders o SET released = GREATEST(o.released, r.total), updated_block = GREATEST(o.updated_block, r.block)
             FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, max((args->>'totalReleased')::NUMERIC) AS total,
                     max(block_number) AS block
                   FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('MilestoneReleased', 'Resolved') GROUP BY 1) r
             WHERE o.chain_id = $1 AND o.order_id = r.order_id",
    },
    Projection {
        name: "milestone_delivered",
        reads: &["MilestoneDelivered"],
        sql: "INSERT INTO milestones (chain_id, order_id, milestone, state, proof_hash, delivered_at, review_ends_at, updated_at)
             SELECT DISTINCT ON (2, 3) $1, (args->>'orderId')::NUMERIC, (args->>'milestone')::INT, 'Delivered',
                 args->>'proofHash', block_time, to_timestamp((args->>'reviewEndsAt')::BIGINT), block_time
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'MilestoneDelivered'
             ORDER BY 2, 3, block_number DESC, log_index DESC
             ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
             SET state = 'Delivered', proof_hash = EXCLUDED.proof_hash, delivered_at = EXCLUDED.delivered_at,
                 review_ends_at = EXCLUDED.review_ends_at, updated_at = EXCLUDED.updated_at",
    },
    Projection {
        name: "milestone_approved",
        reads: &["MilestoneApproved"],
        sql: "UPDATE milestones m SET approval_units = GREATEST(m.approval_units, a.units)
             FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, (args->>'milestone')::INT AS milestone,
                     max((args->>'approvalUnits')::NUMERIC) AS units
                   FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'MilestoneApproved' GROUP BY 1, 2) a
             WHERE m.chain_id = $1 AND m.order_id = a.order_id AND m.milestone = a.milestone",
    },
    Projection {
        name: "milestone_disputed",
        reads: &["Disputed"],
        sql: "INSERT INTO milestones (chain_id, order_id, milestone, state, disputed_by, updated_at)
             SELECT DISTINCT ON (2, 3) $1, (args->>'orderId')::NUMERIC, (args->>'milestone')::INT, 'Disputed',
                 args->>'backer', block_time
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'Disputed'
             ORDER BY 2, 3, block_number, log_index
             ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
             SET state = 'Disputed', disputed_by = EXCLUDED.disputed_by, updated_at = EXCLUDED.updated_at",
    },
    Projection {
        name: "milestone_released",
        reads: &["MilestoneReleased"],
        sql: "INSERT INTO milestones (chain_id, order_id, milestone, state, released_amount, updated_at)
             SELECT $1, (args->>'orderId')::NUMERIC, (args->>'milestone')::INT, 'Released',
                 sum((args->>'amount')::NUMERIC), max(block_time)
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'MilestoneReleased'
             GROUP BY 2, 3
             ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
             SET state = 'Released', released_amount = milestones.released_amount + EXCLUDED.released_amount,
                 updated_at = EXCLUDED.updated_at",
    },
    Projection {
        name: "milestone_resolved",
        reads: &["Resolved"],
        sql: "INSERT INTO milestones (chain_id, order_id, milestone, state, released_amount, refund_amount, updated_at)
             SELECT $1, (args->>'orderId')::NUMERIC, (args->>'milestone')::INT, 'Resolved',
                 (args->>'releaseAmount')::NUMERIC, (args->>'refundAmount')::NUMERIC, block_time
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'Resolved'
             ON CONFLICT (chain_id, order_id, milestone) DO UPDATE
             SET state = 'Resolved', released_amount = milestones.released_amount + EXCLUDED.released_amount,
                 refund_amount = EXCLUDED.refund_amount, updated_at = EXCLUDED.updated_at",
    },
    Projection {
        name: "refunds",
        reads: &["Refunded"],
        sql: "UPDATE pledges p SET refunded = p.refunded + r.amount
             FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, args->>'backer' AS backer,
                     sum((args->>'amount')::NUMERIC) AS amount
                   FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'Refunded' GROUP BY 1, 2) r
             WHERE p.chain_id = $1 AND p.order_id = r.order_id AND p.backer = r.backer",
    },
    Projection {
        name: "order_refunded",
        reads: &["Refunded"],
        sql: "UPDATE orders o SET refunded = o.refunded + r.amount, updated_block = GREATEST(o.updated_block, r.block)
             FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, sum((args->>'amount')::NUMERIC) AS amount,
                     max(block_number) AS block
                   FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'Refunded' GROUP BY 1) r
             WHERE o.chain_id = $1 AND o.order_id = r.order_id",
    },
    Projection {
        name: "claims",
        reads: &["Claimed", "CommissionClaimed"],
        sql: "INSERT INTO claims (chain_id, order_id, account, kind, token, amount)
             SELECT $1, (args->>'orderId')::NUMERIC, coalesce(args->>'account', args->>'promoter'),
                 CASE event WHEN 'Claimed' THEN 'share' ELSE 'commission' END, args->>'token',
                 sum((args->>'amount')::NUMERIC)
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Claimed', 'CommissionClaimed')
             GROUP BY 2, 3, 4, 5
             ON CONFLICT (chain_id, order_id, account, kind) DO UPDATE SET amount = claims.amount + EXCLUDED.amount",
    },
    Projection {
        name: "commissions",
        reads: &["CommissionClaimed"],
        sql: "UPDATE promotions p SET commission = p.commission + c.amount
             FROM (SELECT (args->>'orderId')::NUMERIC AS order_id, args->>'promoter' AS promoter,
                     sum((args->>'amount')::NUMERIC) AS amount
                   FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'CommissionClaimed' GROUP BY 1, 2) c
             WHERE p.chain_id = $1 AND p.order_id = c.order_id AND p.promoter = c.promoter",
    },
    Projection {
        name: "escrow_balances",
        reads: &["Claimed", "CommissionClaimed", "Withdrawn"],
        sql: "INSERT INTO escrow_balances (chain_id, token, account, credited, withdrawn)
             SELECT $1, args->>'token', coalesce(args->>'account', args->>'promoter'),
                 sum(CASE WHEN event = 'Withdrawn' THEN 0 ELSE (args->>'amount')::NUMERIC END),
                 sum(CASE WHEN event = 'Withdrawn' THEN (args->>'amount')::NUMERIC ELSE 0 END)
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event IN ('Claimed', 'CommissionClaimed', 'Withdrawn')
             GROUP BY 2, 3
             ON CONFLICT (chain_id, token, account) DO UPDATE
             SET credited = escrow_balances.credited + EXCLUDED.credited,
                 withdrawn = escrow_balances.withdrawn + EXCLUDED.withdrawn",
    },
    Projection {
        name: "escrow_params",
        reads: &["FeeBpsSet", "PausedSet"],
        sql: "INSERT INTO escrow_params (chain_id, fee_bps, paused)
             SELECT $1,
                 (SELECT (args->>'newFeeBps')::INT FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'FeeBpsSet' ORDER BY block_number DESC, log_index DESC LIMIT 1),
                 coalesce((SELECT (args->>'paused')::BOOLEAN FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'PausedSet' ORDER BY block_number DESC, log_index DESC LIMIT 1), false)
             ON CONFLICT (chain_id) DO UPDATE
             SET fee_bps = coalesce(EXCLUDED.fee_bps, escrow_params.fee_bps),
                 paused = CASE WHEN EXISTS (SELECT 1 FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'escrow' AND event = 'PausedSet') THEN EXCLUDED.paused ELSE escrow_params.paused END",
    },
    Projection {
        name: "treasury_allocations",
        reads: &["AllocationsSet"],
        sql: "WITH last AS (
                 SELECT args->'allocations' AS a FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'treasury' AND event = 'AllocationsSet'
                 ORDER BY block_number DESC, log_index DESC LIMIT 1
             ), gone AS (
                 DELETE FROM treasury_allocations WHERE chain_id = $1 AND EXISTS (SELECT 1 FROM last)
             )
             INSERT INTO treasury_allocations (chain_id, position, label, recipient, bps)
             SELECT $1, (e.ord - 1)::INT, e.v->>'label', e.v->>'recipient', (e.v->>'bps')::INT
             FROM last, jsonb_array_elements(last.a) WITH ORDINALITY AS e(v, ord)
             ON CONFLICT (chain_id, position) DO UPDATE
             SET label = EXCLUDED.label, recipient = EXCLUDED.recipient, bps = EXCLUDED.bps",
    },
    Projection {
        name: "treasury_flows",
        reads: &["Received", "FeesDistributed", "AllocationCredited", "Withdrawn", "Spent"],
        sql: "INSERT INTO treasury_flows (chain_id, block_number, log_index, at, kind, token, account, label, amount, tx_hash)
             SELECT $1, block_number, log_index, block_time,
                 CASE event WHEN 'Received' THEN 'received' WHEN 'FeesDistributed' THEN 'distributed'
                            WHEN 'AllocationCredited' THEN 'credited' WHEN 'Withdrawn' THEN 'withdrawn'
                            ELSE 'spent' END,
                 coalesce(args->>'token', '0x0000000000000000000000000000000000000000'),
                 coalesce(args->>'recipient', args->>'account', args->>'to', args->>'from'),
                 args->>'label', (args->>'amount')::NUMERIC, tx_hash
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'treasury'
               AND event IN ('Received', 'FeesDistributed', 'AllocationCredited', 'Withdrawn', 'Spent')",
    },
    Projection {
        name: "treasury_fees_in",
        reads: &["Transfer"],
        sql: "INSERT INTO treasury_flows (chain_id, block_number, log_index, at, kind, token, account, amount, tx_hash)
             SELECT $1, e.block_number, e.log_index, e.block_time, 'fees_in', e.address, e.args->>'from',
                 (e.args->>'value')::NUMERIC, e.tx_hash
             FROM events e JOIN contracts c ON c.chain_id = $1 AND c.name = 'treasury' AND c.address = e.args->>'to'
             WHERE e.chain_id = $1 AND e.block_number BETWEEN $2 AND $3 AND e.event = 'Transfer'
               AND e.contract IN ('stablecoin', 'token')",
    },
    Projection {
        name: "delegations",
        reads: &["DelegateChanged"],
        sql: "INSERT INTO delegations (chain_id, delegator, delegate)
             SELECT DISTINCT ON (args->>'delegator') $1, args->>'delegator', args->>'toDelegate'
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'token' AND event = 'DelegateChanged'
             ORDER BY args->>'delegator', block_number DESC, log_index DESC
             ON CONFLICT (chain_id, delegator) DO UPDATE SET delegate = EXCLUDED.delegate",
    },
    Projection {
        name: "voting_power",
        reads: &["DelegateVotesChanged"],
        sql: "INSERT INTO voting_power (chain_id, delegate, votes)
             SELECT DISTINCT ON (args->>'delegate') $1, args->>'delegate', (args->>'newVotes')::NUMERIC
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'token' AND event = 'DelegateVotesChanged'
             ORDER BY args->>'delegate', block_number DESC, log_index DESC
             ON CONFLICT (chain_id, delegate) DO UPDATE SET votes = EXCLUDED.votes",
    },
    Projection {
        name: "proposals",
        reads: &["ProposalCreated"],
        sql: "INSERT INTO proposals (chain_id, proposal_id, proposer, description, targets, calldatas,
                 vote_start, vote_end, created_block, created_at)
             SELECT $1, (args->>'proposalId')::NUMERIC, args->>'proposer', args->>'description',
                 args->'targets', args->'calldatas', (args->>'voteStart')::BIGINT, (args->>'voteEnd')::BIGINT,
                 block_number, block_time
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'governor' AND event = 'ProposalCreated'",
    },
    Projection {
        name: "votes",
        reads: &["VoteCast", "VoteCastWithParams"],
        sql: "INSERT INTO votes (chain_id, proposal_id, voter, support, weight, reason, block_number)
             SELECT $1, (args->>'proposalId')::NUMERIC, args->>'voter', (args->>'support')::INT,
                 (args->>'weight')::NUMERIC, args->>'reason', block_number
             FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'governor' AND event IN ('VoteCast', 'VoteCastWithParams')",
    },
    Projection {
        name: "proposal_tally",
        reads: &["VoteCast", "VoteCastWithParams"],
        sql: "UPDATE proposals p SET
                 against_votes = p.against_votes + t.against, for_votes = p.for_votes + t.yes,
                 abstain_votes = p.abstain_votes + t.abstain
             FROM (SELECT (args->>'proposalId')::NUMERIC AS proposal_id,
                     coalesce(sum((args->>'weight')::NUMERIC) FILTER (WHERE args->>'support' = '0'), 0) AS against,
                     coalesce(sum((args->>'weight')::NUMERIC) FILTER (WHERE args->>'support' = '1'), 0) AS yes,
                     coalesce(sum((args->>'weight')::NUMERIC) FILTER (WHERE args->>'support' = '2'), 0) AS abstain
                   FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'governor' AND event IN ('VoteCast', 'VoteCastWithParams') GROUP BY 1) t
             WHERE p.chain_id = $1 AND p.proposal_id = t.proposal_id",
    },
    Projection {
        name: "proposal_state",
        reads: &["ProposalQueued", "ProposalExecuted", "ProposalCanceled"],
        sql: "UPDATE proposals p SET state = s.state, eta = coalesce(s.eta, p.eta)
             FROM (SELECT DISTINCT ON ((args->>'proposalId')::NUMERIC) (args->>'proposalId')::NUMERIC AS proposal_id,
                     CASE event WHEN 'ProposalQueued' THEN 'Queued' WHEN 'ProposalExecuted' THEN 'Executed'
                                ELSE 'Canceled' END AS state,
                     (args->>'etaSeconds')::BIGINT AS eta
                   FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3 AND contract = 'governor' AND event IN ('ProposalQueued', 'ProposalExecuted', 'ProposalCanceled')
                   ORDER BY (args->>'proposalId')::NUMERIC, block_number DESC, log_index DESC) s
             WHERE p.chain_id = $1 AND p.proposal_id = s.proposal_id",
    },
];

/// Applies the projections that read any of `events` to blocks `from..=to` of `chain`.
pub async fn apply(
    tx: &mut Transaction<'_, Postgres>,
    chain: i64,
    from: i64,
    to: i64,
    events: &BTreeSet<&str>,
) -> Result<()> {
    for p in PROJECTIONS.iter().filter(|p| p.reads.iter().any(|e| events.contains(e))) {
        sqlx::query(p.sql)
            .bind(chain)
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await
            .wrap_err_with(|| format!("projection {}", p.name))?;
    }
    Ok(())
}
