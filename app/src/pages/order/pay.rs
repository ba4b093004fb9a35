//! Paying into the escrow with the fewest wallet prompts the token allows.
//!
//! A pledge in the native coin, or in a token the escrow may already take enough of, is one
//! transaction; in an EIP-2612 token, a permit signature and one transaction
//! (`pledgeWithPermit`); in any other token, an approval and then the pledge. A dispute's
//! bond is paid the same way, except that `dispute` has no permit variant: the native coin
//! goes with the call, a token is approved first when the allowance falls short.

use std::sync::Arc;

use alloy_primitives::{Address, B256, U256, hex};
use alloy_sol_types::SolCall;
use cointent_abi::Escrow;
use cointent_domain::payout;
use js_sys::{JSON, Reflect};
use leptos::prelude::Set;
use wasm_bindgen::JsValue;

use super::Ctx;
use crate::{
    eth,
    eth::IToken,
    i18n::{t, tf},
    net::{self, array, object, stringify},
    wallet::{TxState, Wallet},
};

/// EIP-712 types of an EIP-2612 permit, for `eth_signTypedData_v4` (the domain and the
/// message are added per signature).
const PERMIT_TYPES: &str = r#"{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"Permit":[{"name":"owner","type":"address"},{"name":"spender","type":"address"},{"name":"value","type":"uint256"},{"name":"nonce","type":"uint256"},{"name":"deadline","type":"uint256"}]},"primaryType":"Permit"}"#;

/// Pledges `units`, with the fewest wallet prompts the token allows: native coin or
/// enough allowance -> one transaction; EIP-2612 permit -> a signature and one transaction;
/// otherwise approve, then pledge.
pub(super) async fn pledge(w: Wallet, ctx: Arc<Ctx>, units: u64, promoter: Address) {
    w.paying.set(Some((ctx.chain_id, ctx.terms.token)));
    let Some(account) = w.ensure_account().await else { return };
    if !w.ensure_chain(ctx.chain_id).await {
        return;
    }
    let units_u = U256::from(units);
    let cost = payout::funded(&ctx.terms, units);
    let plain = Escrow::pledgeCall {
        orderId: ctx.order_id,
        terms: ctx.packed.clone(),
        units: units_u,
        promoter,
    };
    let label = if units == 1 { t("Pledge 1 unit") } else { tf("Pledge {0} units", &[&units]) };
    if ctx.terms.token == Address::ZERO {
        w.send(ctx.chain_id, &label, &ctx.escrow, plain.abi_encode(), cost).await;
        return;
    }
    let token = eth::addr_hex(&ctx.terms.token);
    let owner = eth::parse_addr(&account).unwrap_or_default();
    let tcall = |data: Vec<u8>| {
        let rpc = ctx.rpc.clone();
        let token = token.clone();
        async move { net::eth_call(&rpc, &token, &data).await }
    };
    let pay = ctx.token_payment(owner);
    // The balance is checked before any prompt: a pledge the account cannot pay is refused
    // here, in the token's units, rather than after a permit signature.
    let short = |have: String, need: String| {
        tf("you have {0}, and this pledge needs {1}.", &[&have, &need])
    };
    if !pay.covers(w, cost, &label, short).await {
        return;
    }
    if pay.allowance().await >= cost {
        w.send(ctx.chain_id, &label, &ctx.escrow, plain.abi_encode(), U256::ZERO).await;
        return;
    }
    let domain = tcall(IToken::eip712DomainCall {}.abi_encode())
        .await
        .ok()
        .and_then(|b| IToken::eip712DomainCall::abi_decode_returns(&b).ok());
    let nonce = tcall(IToken::noncesCall { owner }.abi_encode())
        .await
        .ok()
        .and_then(|b| IToken::noncesCall::abi_decode_returns(&b).ok());
    if let (Some(d), Some(nonce)) = (domain, nonce) {
        // The permit's deadline is checked against the chain's clock, not this computer's.
        let chain_now =
            net::chain_time(&ctx.rpc).await.unwrap_or((js_sys::Date::now() / 1000.0) as u64);
        let deadline = chain_now + 3600;
        let typed = JSON::parse(PERMIT_TYPES).unwrap_or_default();
        let _ = Reflect::set(
            &typed,
            &"domain".into(),
            &object(&[
                ("name", d.name.as_str().into()),
                ("version", d.version.as_str().into()),
                ("chainId", JsValue::from_f64(ctx.chain_id as f64)),
                ("verifyingContract", token.as_str().into()),
            ]),
        );
        let _ = Reflect::set(
            &typed,
            &"message".into(),
            &object(&[
                ("owner", account.as_str().into()),
                ("spender", ctx.escrow.as_str().into()),
                ("value", cost.to_string().into()),
                ("nonce", nonce.to_string().into()),
                ("deadline", deadline.to_string().into()),
            ]),
        );
        let Some(sig) = w
            .sign(
                &t("Allow the escrow to take the payment"),
                "eth_signTypedData_v4",
                array(&[account.as_str().into(), stringify(&typed).into()]),
            )
            .await
        else {
            return;
        };
        let sig = hex::decode(&sig).unwrap_or_default();
        if sig.len() == 65 {
            let v = if sig[64] < 27 { sig[64] + 27 } else { sig[64] };
            let call = Escrow::pledgeWithPermitCall {
                orderId: ctx.order_id,
                terms: ctx.packed.clone(),
                units: units_u,
                promoter,
                deadline: U256::from(deadline),
                v,
                r: B256::from_slice(&sig[..32]),
                s: B256::from_slice(&sig[32..64]),
            };
            w.send(ctx.chain_id, &label, &ctx.escrow, call.abi_encode(), U256::ZERO).await;
            return;
        }
    }
    if pay.approve(w, cost, &t("Approve the payment")).await {
        w.send(ctx.chain_id, &label, &ctx.escrow, plain.abi_encode(), U256::ZERO).await;
    }
}

/// A payment in an ERC-20 token on a chain: `owner` pays, `spender` (the Escrow, the Shop)
/// takes it. The order page and the shop pay through it.
pub(crate) struct TokenPayment<'a> {
    /// The chain.
    pub(crate) chain_id: u64,
    /// Its RPC URL, for the reads.
    pub(crate) rpc: &'a str,
    /// The token.
    pub(crate) token: Address,
    /// Who pays.
    pub(crate) owner: Address,
    /// The contract that takes the payment.
    pub(crate) spender: Address,
}

impl TokenPayment<'_> {
    /// Whether `owner` holds `cost`, checked before any prompt. When it does not, the status
    /// line of `label` says what it has and what is needed (`short(have, need)`, in the
    /// token's units) and the answer is false. A balance that cannot be read lets the
    /// payment go on: the wallet's simulation has the last word.
    pub(crate) async fn covers(
        &self,
        w: Wallet,
        cost: U256,
        label: &str,
        short: impl Fn(String, String) -> String,
    ) -> bool {
        let read = IToken::balanceOfCall { account: self.owner };
        let Ok(balance) = super::call(self.rpc, &eth::addr_hex(&self.token), read).await else {
            return true;
        };
        if balance >= cost {
            return true;
        }
        let m = |v| crate::format::money(w, self.chain_id, &self.token, v);
        w.tx.set(TxState::Failed(label.to_owned(), short(m(balance), m(cost))));
        false
    }

    /// How much `spender` may take of `owner`'s tokens now (0 when it cannot be read).
    pub(crate) async fn allowance(&self) -> U256 {
        let call = IToken::allowanceCall { owner: self.owner, spender: self.spender };
        super::call(self.rpc, &eth::addr_hex(&self.token), call).await.unwrap_or_default()
    }

    /// Lets `spender` take `amount`: one approval transaction (`label`); true when confirmed.
    pub(crate) async fn approve(&self, w: Wallet, amount: U256, label: &str) -> bool {
        let data = IToken::approveCall { spender: self.spender, amount }.abi_encode();
        w.send(self.chain_id, label, &eth::addr_hex(&self.token), data, U256::ZERO).await
    }

    /// Makes sure `spender` may take `amount`: nothing when it already may, else
    /// [`Self::approve`]; true when it may.
    pub(crate) async fn allow(&self, w: Wallet, amount: U256, label: &str) -> bool {
        self.allowance().await >= amount || self.approve(w, amount, label).await
    }
}

/// Disputes the delivered milestone for `reason`, posting `bond`: with the call in the native
/// coin; in a token, after approving it when the escrow may not take enough yet.
pub(super) async fn dispute(w: Wallet, ctx: Arc<Ctx>, bond: U256, reason: String) {
    w.paying.set(Some((ctx.chain_id, ctx.terms.token)));
    let Some(account) = w.ensure_account().await else { return };
    if !w.ensure_chain(ctx.chain_id).await {
        return;
    }
    let call = Escrow::disputeCall { orderId: ctx.order_id, terms: ctx.packed.clone(), reason };
    let label = &t("Dispute the milestone");
    if ctx.terms.token == Address::ZERO {
        w.send(ctx.chain_id, label, &ctx.escrow, call.abi_encode(), bond).await;
        return;
    }
    let owner = eth::parse_addr(&account).unwrap_or_default();
    if ctx.token_payment(owner).allow(w, bond, &t("Approve the bond")).await {
        w.send(ctx.chain_id, label, &ctx.escrow, call.abi_encode(), U256::ZERO).await;
    }
}
