//! The verdicts of a chaos run: the mirror equals a fresh re-index table by table, its
//! bookkeeping is whole, and every projection agrees with the contracts' own views.

use std::collections::BTreeMap;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use cointent_abi::{CointentGovernor, DemoStablecoin, Escrow, EscrowLens, Token, Treasury};
use eyre::Result;
use sqlx::PgPool;

use super::activity::{Contracts, accounts};

/// Every row of every table that holds chain data for `chain_id` (the events, the
/// projections, the contracts), as text, ordered.
pub async fn snapshot(pool: &PgPool, chain_id: u64) -> Result<BTreeMap<String, Vec<String>>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT c.relname::TEXT FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE t.tgname = 'undo' ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    let mut out = BTreeMap::new();
    for table in tables.iter().map(String::as_str).chain(["events", "contracts"]) {
        let sql =
            format!("SELECT to_jsonb(t)::TEXT FROM \"{table}\" t WHERE chain_id = $1 ORDER BY 1");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(chain_id as i64)
            .fetch_all(pool)
            .await?;
        out.insert(table.to_string(), rows);
    }
    let chain: Vec<String> = sqlx::query_scalar(
        "SELECT jsonb_build_object('checkpoint', checkpoint_block, 'hash', checkpoint_hash,
                'events', events)::TEXT FROM chains WHERE chain_id = $1",
    )
    .bind(chain_id as i64)
    .fetch_all(pool)
    .await?;
    out.insert("chains (checkpoint, hash, events)".into(), chain);
    Ok(out)
}

/// Differences between two snapshots, one line per table (empty: equal).
pub fn differences(
    got: &BTreeMap<String, Vec<String>>,
    want: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (table, rows) in want {
        let mine = got.get(table).cloned().unwrap_or_default();
        if &mine != rows {
            let missing: Vec<_> = rows.iter().filter(|r| !mine.contains(r)).take(3).collect();
            let extra: Vec<_> = mine.iter().filter(|r| !rows.contains(r)).take(3).collect();
            out.push(format!(
                "{table}: {} rows vs {} in the fresh re-index; missing {missing:?}; extra {extra:?}",
                mine.len(),
                rows.len()
            ));
        }
    }
    out
}

/// The mirror's own bookkeeping: the undo window and the stored hashes cover the same
/// blocks, every undo row belongs to a batch, batches are contiguous up to the checkpoint.
pub async fn bookkeeping(pool: &PgPool, chain_id: u64) -> Result<Vec<String>> {
    let chain = chain_id as i64;
    let mut out = Vec::new();
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM undo_log u WHERE u.chain_id = $1 AND NOT EXISTS
           (SELECT 1 FROM batches b WHERE b.chain_id = u.chain_id AND b.from_block = u.from_block)",
    )
    .bind(chain)
    .fetch_one(pool)
    .await?;
    if orphans > 0 {
        out.push(format!("{orphans} undo rows without a batch"));
    }
    let (checkpoint, halted): (i64, Option<String>) = sqlx::query_as(
        "SELECT checkpoint_block, to_jsonb(c)->>'halted' FROM chains c WHERE chain_id = $1",
    )
    .bind(chain)
    .fetch_one(pool)
    .await?;
    if let Some(h) = halted {
        out.push(format!("the chain is halted: {h}"));
    }
    let batches: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT from_block, to_block FROM batches WHERE chain_id = $1 ORDER BY from_block",
    )
    .bind(chain)
    .fetch_all(pool)
    .await?;
    for w in batches.windows(2) {
        if w[1].0 != w[0].1 + 1 {
            out.push(format!("batches not contiguous: {:?} then {:?}", w[0], w[1]));
        }
    }
    if let Some(last) = batches.last()
        && last.1 != checkpoint
    {
        out.push(format!("the last batch ends at {} but the checkpoint is {checkpoint}", last.1));
    }
    let anchor = batches.first().map_or(checkpoint, |b| b.0 - 1);
    let blocks: Vec<i64> =
        sqlx::query_scalar("SELECT number FROM blocks WHERE chain_id = $1 ORDER BY number")
            .bind(chain)
            .fetch_all(pool)
            .await?;
    let expected: Vec<i64> = (anchor..=checkpoint).collect();
    if blocks != expected {
        out.push(format!(
            "stored hashes cover {:?}..{:?} ({} blocks), the undo window {anchor}..{checkpoint}",
            blocks.first(),
            blocks.last(),
            blocks.len()
        ));
    }
    Ok(out)
}

async fn view<C: SolCall>(p: &DynProvider, to: Address, call: C) -> Result<C::Return> {
    let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
    Ok(C::abi_decode_returns(&p.call(tx).await?)?)
}

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

/// Every projection that has a counterpart among the contracts' views, compared with it;
/// one line per disagreement.
pub async fn against_contracts(
    pool: &PgPool,
    chain_id: u64,
    p: &DynProvider,
    c: &Contracts,
) -> Result<Vec<String>> {
    let chain = chain_id as i64;
    let mut out = Vec::new();
    let mut people = accounts();
    people.extend([c.escrow, c.treasury, c.timelock, c.governor]);

    // Orders: status and units pledged, as `orderState` says.
    const STATUS: [&str; 7] =
        ["Funding", "Active", "Failed", "Cancelled", "Completed", "Resolved", "Expired"];
    let orders: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT order_id::TEXT, status, units_pledged::TEXT FROM orders WHERE chain_id = $1",
    )
    .bind(chain)
    .fetch_all(pool)
    .await?;
    let count: U256 = view(p, c.escrow, Escrow::orderCountCall {}).await?;
    if U256::from(orders.len()) != count {
        out.push(format!("orders: {} rows, orderCount {count}", orders.len()));
    }
    for (id, status, units) in &orders {
        let s = view(p, c.lens, EscrowLens::orderStateCall { orderId: id.parse()? }).await?;
        let want = (STATUS[s.status as usize].to_string(), s.unitsPledged.to_string());
        if (status.clone(), units.clone()) != want {
            out.push(format!("order {id}: mirror {status} {units} units, orderState {want:?}"));
        }
    }

    // Pledges: the units each backer holds (zero once refunded), as `participantOf` says.
    let pledges: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT order_id::TEXT, backer, units::TEXT FROM pledges WHERE chain_id = $1",
    )
    .bind(chain)
    .fetch_all(pool)
    .await?;
    for (id, backer, units) in &pledges {
        let call = EscrowLens::participantOfCall { orderId: id.parse()?, account: backer.parse()? };
        let b = view(p, c.lens, call).await?;
        if b.units.to_string() != *units {
            out.push(format!(
                "pledge {id}/{backer}: mirror {units} units, participantOf {}",
                b.units
            ));
        }
    }

    // Escrow balances, token balances and supplies, votes and delegates.
    let rows = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let r: Vec<(String, String, String)> =
                sqlx::query_as(sql).bind(chain).fetch_all(&pool).await?;
            Ok::<BTreeMap<(String, String), String>, eyre::Report>(
                r.into_iter().map(|(a, b, v)| ((a, b), v)).collect(),
            )
        }
    };
    let escrow = rows(
        "SELECT token, account, (credited - withdrawn)::TEXT FROM escrow_balances WHERE chain_id = $1",
    )
    .await?;
    let tokens =
        rows("SELECT token, account, balance::TEXT FROM token_balances WHERE chain_id = $1")
            .await?;
    let powers =
        rows("SELECT '', delegate, votes::TEXT FROM voting_power WHERE chain_id = $1").await?;
    let delegations =
        rows("SELECT '', delegator, delegate FROM delegations WHERE chain_id = $1").await?;
    let get = |m: &BTreeMap<(String, String), String>, a: &str, b: Address| {
        m.get(&(a.to_string(), hex(b))).cloned().unwrap_or_else(|| "0".into())
    };
    for who in &people {
        let w = *who;
        let v =
            view(p, c.escrow, Escrow::balanceOfCall { token: c.stablecoin, account: w }).await?;
        let mine = get(&escrow, &hex(c.stablecoin), w);
        if v.to_string() != mine {
            out.push(format!("escrow balance of {w}: mirror {mine}, contract {v}"));
        }
        let v = view(p, c.stablecoin, DemoStablecoin::balanceOfCall { account: w }).await?;
        let mine = get(&tokens, &hex(c.stablecoin), w);
        if v.to_string() != mine {
            out.push(format!("stablecoin balance of {w}: mirror {mine}, contract {v}"));
        }
        let v = view(p, c.token, Token::balanceOfCall { account: w }).await?;
        let mine = get(&tokens, &hex(c.token), w);
        if v.to_string() != mine {
            out.push(format!("token balance of {w}: mirror {mine}, contract {v}"));
        }
        let v = view(p, c.token, Token::getVotesCall { account: w }).await?;
        let mine = get(&powers, "", w);
        if v.to_string() != mine {
            out.push(format!("votes of {w}: mirror {mine}, contract {v}"));
        }
        let v = view(p, c.token, Token::delegatesCall { account: w }).await?;
        let mine = delegations.get(&(String::new(), hex(w))).cloned();
        let want = (v != Address::ZERO).then(|| hex(v));
        if mine != want {
            out.push(format!("delegate of {w}: mirror {mine:?}, contract {want:?}"));
        }
    }
    let supplies: Vec<(String, String)> =
        sqlx::query_as("SELECT token, supply::TEXT FROM token_supply WHERE chain_id = $1")
            .bind(chain)
            .fetch_all(pool)
            .await?;
    for (token, supply) in &supplies {
        let v = view(p, token.parse()?, Token::totalSupplyCall {}).await?;
        if v.to_string() != *supply {
            out.push(format!("supply of {token}: mirror {supply}, contract {v}"));
        }
    }

    // Treasury allocations and proposal tallies.
    let allocations: Vec<(String, String, i32)> = sqlx::query_as(
        "SELECT label, recipient, bps FROM treasury_allocations WHERE chain_id = $1 ORDER BY position",
    )
    .bind(chain)
    .fetch_all(pool)
    .await?;
    let on_chain: Vec<(String, String, i32)> = view(p, c.treasury, Treasury::allocationsCall {})
        .await?
        .into_iter()
        .map(|a| (a.label.to_string(), hex(a.recipient), i32::from(a.bps)))
        .collect();
    if allocations != on_chain {
        out.push(format!("treasury allocations: mirror {allocations:?}, contract {on_chain:?}"));
    }
    let tallies: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT proposal_id::TEXT, against_votes::TEXT, for_votes::TEXT, abstain_votes::TEXT
         FROM proposals WHERE chain_id = $1",
    )
    .bind(chain)
    .fetch_all(pool)
    .await?;
    for (id, against, r#for, abstain) in &tallies {
        let v =
            view(p, c.governor, CointentGovernor::proposalVotesCall { proposalId: id.parse()? })
                .await?;
        let want = (v.againstVotes.to_string(), v.forVotes.to_string(), v.abstainVotes.to_string());
        if (against.clone(), r#for.clone(), abstain.clone()) != want {
            out.push(format!(
                "votes on proposal {id}: mirror {against}/{for}/{abstain}, contract {want:?}"
            ));
        }
    }
    Ok(out)
}
