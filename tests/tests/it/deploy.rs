use alloy::providers::{Provider, ProviderBuilder};
use cointent_harness::{Anvil, deploy_contracts};
use eyre::Result;

/// The deploy script on two chains whose histories differ gives the same addresses.
#[tokio::test]
async fn deploys_at_the_same_addresses_on_two_chains() -> Result<()> {
    let chains =
        [Anvil::builder().chain_id(41001).spawn()?, Anvil::builder().chain_id(41002).spawn()?];
    // A different history on the second chain: addresses must not depend on it.
    let second = ProviderBuilder::new().connect_http(chains[1].endpoint().parse()?);
    let _: serde_json::Value = second.raw_request("anvil_mine".into(), (7,)).await?;

    let mut deployed = Vec::new();
    for chain in &chains {
        let json = deploy_contracts(&chain.endpoint(), chain.chain_id())?;
        assert_eq!(json["chain_id"], chain.chain_id());
        deployed.push(json["contracts"].clone());
    }
    assert_eq!(deployed[0], deployed[1]);
    let names = ["escrow", "governor", "stablecoin", "timelock", "token", "treasury"];
    for (chain, contracts) in chains.iter().zip(&deployed) {
        let provider = ProviderBuilder::new().connect_http(chain.endpoint().parse()?);
        for name in names {
            let address = contracts[name].as_str().unwrap_or_default().parse()?;
            let code = provider.get_code_at(address).await?;
            assert!(!code.is_empty(), "no {name} code at {address} on chain {}", chain.chain_id());
        }
    }
    Ok(())
}
