//! A chain client for the seeder: one provider whose wallet holds every demo key, sends
//! that wait for their receipt, views, and anvil's clock controls.

use std::{collections::BTreeMap, path::Path, time::Duration};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use eyre::{Context, ContextCompat, Result, bail, ensure};

use super::world::People;

/// The deployed contracts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Contracts {
    pub(crate) escrow: Address,
    /// Every read of an order's records and payouts.
    pub(crate) lens: Address,
    pub(crate) token: Address,
    pub(crate) treasury: Address,
    pub(crate) governor: Address,
    /// The demo's payment token: the local chain's free-mint DemoStablecoin, taken from the
    /// deployment's payment-token allowlist.
    pub(crate) stablecoin: Address,
    /// The shop: listings with stock, bought into Escrow orders.
    pub(crate) shop: Address,
}

/// A connected chain.
pub(crate) struct Chain {
    provider: DynProvider,
    pub(crate) chain_id: u64,
    pub(crate) c: Contracts,
    signing: DynProvider,
}

impl Chain {
    /// Connects to `rpc`, reads the addresses from `deployment`, and signs with `people`'s
    /// keys.
    pub(crate) async fn connect(rpc: &str, deployment: &Path, people: &People) -> Result<Self> {
        let text = std::fs::read_to_string(deployment).with_context(|| {
            format!("cannot read {} (run script/Deploy.s.sol first)", deployment.display())
        })?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", deployment.display()))?;
        let contracts: BTreeMap<String, Address> = json["contracts"]
            .as_object()
            .with_context(|| format!("{}: no \"contracts\" object", deployment.display()))?
            .iter()
            .map(|(k, v)| Ok((k.clone(), v.as_str().context("address string")?.parse()?)))
            .collect::<Result<_>>()?;
        let get = |name: &str| {
            contracts
                .get(name)
                .copied()
                .with_context(|| format!("{}: no contract {name}", deployment.display()))
        };
        let stablecoin = get("stablecoin")?;
        let allowed: Vec<Address> = json["payment_tokens"]
            .as_array()
            .with_context(|| format!("{}: no \"payment_tokens\" list", deployment.display()))?
            .iter()
            .filter_map(|v| v.as_str()?.parse().ok())
            .collect();
        ensure!(
            stablecoin != Address::ZERO && allowed.contains(&stablecoin),
            "{}: the demo pays in the local DemoStablecoin, which is not on this chain's \
             payment-token allowlist {allowed:?} (a local deployment has it: COINTENT_LOCAL)",
            deployment.display()
        );
        let c = Contracts {
            escrow: get("escrow")?,
            lens: get("escrow_lens")?,
            token: get("token")?,
            treasury: get("treasury")?,
            governor: get("governor")?,
            stablecoin,
            shop: get("shop")?,
        };
        let url: reqwest::Url = rpc.parse().with_context(|| format!("--rpc {rpc} is not a URL"))?;
        let provider = ProviderBuilder::new().connect_http(url.clone()).erased();
        let mut wallet = EthereumWallet::default();
        for signer in people.signers() {
            wallet.register_signer(signer.clone());
        }
        let signing = ProviderBuilder::new().wallet(wallet).connect_http(url).erased();
        let chain_id =
            provider.get_chain_id().await.with_context(|| format!("no chain answers at {rpc}"))?;
        if let Some(want) = json["chain_id"].as_u64() {
            ensure!(
                want == chain_id,
                "{} is for chain {want} but {rpc} is chain {chain_id}",
                deployment.display()
            );
        }
        let code = provider.get_code_at(c.escrow).await?;
        ensure!(!code.is_empty(), "no Escrow code at {} on chain {chain_id}", c.escrow);
        Ok(Self { provider, chain_id, c, signing })
    }

    /// Sends `call` to `to` from `from` and waits for a successful receipt; `what` names
    /// the step in errors.
    pub(crate) async fn send<C: SolCall>(
        &self,
        what: &str,
        from: Address,
        to: Address,
        call: C,
    ) -> Result<()> {
        self.send_raw(what, from, to, call.abi_encode(), U256::ZERO).await
    }

    /// Sends native coin.
    pub(crate) async fn send_value(&self, from: Address, to: Address, value: U256) -> Result<()> {
        self.send_raw("transfer ETH", from, to, Vec::new(), value).await
    }

    async fn send_raw(
        &self,
        what: &str,
        from: Address,
        to: Address,
        input: Vec<u8>,
        value: U256,
    ) -> Result<()> {
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_input(input)
            .with_value(value);
        let pending = self.signing.send_transaction(tx).await.map_err(|e| {
            eyre::eyre!("{what} (from {from}) failed on chain {}: {}", self.chain_id, revert(&e))
        })?;
        let hash = *pending.tx_hash();
        // Anvil mines on arrival: poll the receipt directly rather than at alloy's interval.
        for _ in 0..1000 {
            if let Some(receipt) = self.provider.get_transaction_receipt(hash).await? {
                ensure!(receipt.status(), "{what}: transaction {hash} reverted");
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        bail!("{what}: no receipt for {hash} after 5 s (is the chain mining?)")
    }

    /// A view call.
    pub(crate) async fn view<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return> {
        let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
        let out = self.provider.call(tx).await?;
        Ok(C::abi_decode_returns(&out)?)
    }

    /// The latest block's timestamp.
    pub(crate) async fn now(&self) -> Result<u64> {
        let block = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .context("no latest block")?;
        Ok(block.header.timestamp)
    }

    /// Moves the clock `secs` forward and mines a block.
    pub(crate) async fn warp(&self, secs: u64) -> Result<()> {
        let _: serde_json::Value =
            self.provider.raw_request("evm_increaseTime".into(), (secs,)).await?;
        self.mine(1).await
    }

    /// Sets the clock to `at` (later than the latest block) and mines a block.
    pub(crate) async fn set_time(&self, at: u64) -> Result<()> {
        let _: serde_json::Value =
            self.provider.raw_request("evm_setNextBlockTimestamp".into(), (at,)).await?;
        let _: serde_json::Value = self.provider.raw_request("anvil_setTime".into(), (at,)).await?;
        self.mine(1).await
    }

    /// Mines `n` empty blocks.
    pub(crate) async fn mine(&self, n: u64) -> Result<()> {
        let _: serde_json::Value = self.provider.raw_request("anvil_mine".into(), (n,)).await?;
        Ok(())
    }
}

/// The revert reason of a failed send, decoded from the contracts' custom errors when
/// possible.
fn revert(e: &alloy::transports::TransportError) -> String {
    use alloy::sol_types::SolInterface;
    use cointent_abi::{CointentGovernor, Escrow, Shop, Token, Treasury};
    if let Some(data) = e.as_error_resp().and_then(|r| r.as_revert_data()) {
        if let Ok(err) = Escrow::EscrowErrors::abi_decode(&data) {
            return format!("reverted with {err:?}");
        }
        if let Ok(err) = CointentGovernor::CointentGovernorErrors::abi_decode(&data) {
            return format!("reverted with {err:?}");
        }
        if let Ok(err) = Treasury::TreasuryErrors::abi_decode(&data) {
            return format!("reverted with {err:?}");
        }
        if let Ok(err) = Shop::ShopErrors::abi_decode(&data) {
            return format!("reverted with {err:?}");
        }
        if let Ok(err) = Token::TokenErrors::abi_decode(&data) {
            return format!("reverted with {err:?}");
        }
    }
    e.to_string()
}

/// Convenience for signers.
pub(crate) fn signer(key: B256) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&key).expect("a keccak256 output is a valid key")
}
