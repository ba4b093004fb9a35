use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use cointent_abi::{CointentGovernor, EscrowLens, Shop, Treasury};
use cointent_harness::{
    Anvil,
    demo::{self, Options, Variant},
    deploy_contracts,
};
use eyre::Result;

/// The demo world on a real chain: every order ends in the state the stack promises, the
/// governor keeps its deployed voting period (the demo moves the clock instead), and a second
/// run is refused.
#[tokio::test]
async fn seeds_every_state_once() -> Result<()> {
    let chain = Anvil::builder().chain_id(41003).spawn()?;
    let json = deploy_contracts(&chain.endpoint(), chain.chain_id())?;
    let dir = tempfile::tempdir()?;
    let deployment = dir.path().join("41003.json");
    std::fs::write(&deployment, json.to_string())?;
    let address = |name: &str| -> Result<Address> {
        Ok(json["contracts"][name].as_str().unwrap_or_default().parse()?)
    };

    let options = Options {
        rpc: chain.endpoint(),
        deployment: deployment.clone(),
        api: None,
        variant: Variant::B,
        metadata_only: false,
    };
    let report = demo::seed(&options).await?;
    assert_eq!((report.orders, report.proposals), (18, 2));

    let provider = ProviderBuilder::new().connect_http(chain.endpoint().parse()?);
    async fn view<C: SolCall>(p: &impl Provider, to: Address, call: C) -> Result<C::Return> {
        let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
        Ok(C::abi_decode_returns(&p.call(tx).await?)?)
    }
    let lens = address("escrow_lens")?;
    let mut states = Vec::new();
    for id in 1..=18u64 {
        let s =
            view(&provider, lens, EscrowLens::orderStateCall { orderId: U256::from(id) }).await?;
        states.push((s.status as u8, s.milestone, s.milestoneState as u8));
    }
    // (status, current milestone, its state): Funding 0, Active 1, Failed 2, Cancelled 3,
    // Completed 4, Resolved 5, Expired 6; milestone Pending 0, Delivered 1, Disputed 2.
    let expected = [
        (4, 2, 0), // toys: completed collective
        (4, 1, 0), // stole: completed sale
        (4, 3, 0), // photos: completed job
        (1, 0, 0), // paintings: funded
        (1, 1, 1), // sarees: delivering
        (2, 0, 0), // dinner set: failed
        (1, 0, 2), // Bidri box: disputed
        (5, 2, 0), // web shop: the disputed second milestone ruled, the order ended
        (4, 2, 0), // catalogue design: dispute dismissed, then completed
        (5, 1, 0), // knobs: the disputed firing not ruled in time, ended by default
        (6, 0, 0), // toy train: expired
        (3, 0, 0), // calendar: cancelled
        (0, 0, 0), // scroll: funding
        (0, 0, 0), // translation: awaiting payment
        (1, 0, 0), // the shop's purchases: each its own sale, paid and active
        (1, 0, 0),
        (1, 0, 0),
        (1, 0, 0),
    ];
    assert_eq!(states, expected);

    let governor = address("governor")?;
    let period = view(&provider, governor, CointentGovernor::votingPeriodCall {}).await?;
    assert_eq!(period, U256::from(7 * 86_400), "the deployed voting period, in seconds");
    let allocations = view(&provider, address("treasury")?, Treasury::allocationsCall {}).await?;
    assert_eq!(allocations.iter().map(|a| a.bps).collect::<Vec<_>>(), [5000, 3000, 2000]);

    let listings = view(&provider, address("shop")?, Shop::listingCountCall {}).await?;
    assert_eq!(listings, U256::from(3), "the shop's three products");

    let Err(again) = demo::seed(&options).await else { panic!("a seeded chain is refused") };
    assert!(again.to_string().contains("already has 18 orders"), "{again}");
    Ok(())
}
