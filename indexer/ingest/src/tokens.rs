//! What the payment tokens say of themselves: the ERC-20 `symbol()` and `decimals()` of each
//! token on a chain's Escrow allowlist (the `payment_tokens` projection of `TokenAllowed`),
//! read once from the token and kept in `token_metadata`, for `/v1/chains`. A token that does
//! not answer one of them keeps NULL there; an RPC that does not answer leaves the token to
//! the next look. Not mirrored from events: rollbacks and re-indexing keep these rows.

use alloy::{
    primitives::{Address, Bytes},
    sol_types::{SolCall, SolValue},
};
use cointent_abi::DemoStablecoin;
use eyre::Result;
use sqlx::PgPool;

use crate::rpc::Rpc;

/// Reads and stores the symbol and decimals of the allowed tokens of `chain_id` that have
/// none yet; how many were stored.
pub(crate) async fn fill(pool: &PgPool, rpc: &Rpc, chain_id: u64) -> Result<usize> {
    let missing: Vec<String> = sqlx::query_scalar(
        "SELECT t.token FROM payment_tokens t
         WHERE t.chain_id = $1 AND t.allowed AND t.token <> '0x0000000000000000000000000000000000000000'
           AND NOT EXISTS (SELECT 1 FROM token_metadata m
                           WHERE m.chain_id = t.chain_id AND m.token = t.token)",
    )
    .bind(chain_id as i64)
    .fetch_all(pool)
    .await?;
    let mut stored = 0;
    for token in missing {
        let Ok(address) = token.parse::<Address>() else { continue };
        let symbol = rpc.call(address, DemoStablecoin::symbolCall {}.abi_encode().into()).await?;
        let decimals =
            rpc.call(address, DemoStablecoin::decimalsCall {}.abi_encode().into()).await?;
        let (symbol, decimals) =
            (symbol.as_ref().and_then(symbol_of), decimals.as_ref().and_then(decimals_of));
        sqlx::query(
            "INSERT INTO token_metadata (chain_id, token, symbol, decimals) VALUES ($1, $2, $3, $4)
             ON CONFLICT (chain_id, token) DO NOTHING",
        )
        .bind(chain_id as i64)
        .bind(&token)
        .bind(symbol)
        .bind(decimals.map(i32::from))
        .execute(pool)
        .await?;
        tracing::info!(chain = chain_id, %token, "payment token's symbol and decimals read");
        stored += 1;
    }
    if stored > 0 {
        // Order answers carry the token's symbol and decimals: other processes' caches too.
        let mut tx = pool.begin().await?;
        cointent_storage::read::details::forget_chain(&mut tx, chain_id as i64).await?;
        crate::changes::notify(&mut tx, &crate::changes::Scope::Chain(chain_id)).await?;
        tx.commit().await?;
    }
    Ok(stored)
}

/// A `symbol()` answer: an ABI string, or the `bytes32` some older tokens return.
fn symbol_of(out: &Bytes) -> Option<String> {
    let text = match String::abi_decode(out) {
        Ok(s) => s,
        Err(_) if out.len() == 32 => {
            let end = out.iter().position(|b| *b == 0).unwrap_or(32);
            String::from_utf8(out[..end].to_vec()).ok()?
        }
        Err(_) => return None,
    };
    let text = text.trim();
    (!text.is_empty() && text.len() <= 32 && !text.contains('\0')).then(|| text.to_string())
}

/// A `decimals()` answer: a uint8 (wider values are not an ERC-20's).
fn decimals_of(out: &Bytes) -> Option<u8> {
    let word = alloy::primitives::U256::abi_decode(out).ok()?;
    u8::try_from(word).ok()
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{B256, U256};

    use super::*;

    #[test]
    fn symbols_and_decimals_read_as_tokens_answer_them() {
        let string: Bytes = "dUSD".to_string().abi_encode().into();
        assert_eq!(symbol_of(&string).as_deref(), Some("dUSD"));
        let bytes32: Bytes = B256::right_padding_from(b"MKR").to_vec().into();
        assert_eq!(symbol_of(&bytes32).as_deref(), Some("MKR"));
        assert_eq!(symbol_of(&Bytes::from_static(b"\x01\x02")), None);
        let six: Bytes = U256::from(6).abi_encode().into();
        assert_eq!(decimals_of(&six), Some(6));
        let huge: Bytes = U256::from(300).abi_encode().into();
        assert_eq!(decimals_of(&huge), None);
    }
}
