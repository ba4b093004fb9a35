//! `GET /v1/treasury`, `/v1/treasury/flows`, `/v1/treasury/report`.

use cointent_domain::{
    Page,
    treasury::{FlowKind, TreasuryFlow, TreasuryOverview, TreasuryReport},
};

use crate::fixtures::round_trip;

#[test]
fn treasury_reads_and_writes_back() {
    let t: TreasuryOverview = round_trip("treasury");
    assert!(!t.balances.is_empty() && !t.allocations.is_empty());
    for b in &t.balances {
        assert_eq!(b.available.0 + b.reserved.0, b.balance.0);
    }
    let labels: Vec<&str> = t.allocations.iter().filter_map(|a| a.label_text()).collect();
    assert_eq!(labels.len(), t.allocations.len(), "{labels:?}");
    let bps: u64 = t.allocations.iter().map(|a| u64::from(a.bps)).sum();
    assert_eq!(bps, t.totals.allocated_bps);
    let flows: Page<TreasuryFlow> = round_trip("treasury_flows");
    assert!(flows.items.iter().any(|f| f.kind == FlowKind::FeesIn));
    assert!(flows.items.iter().any(|f| f.label.is_some()));
    let page: Page<TreasuryFlow> = round_trip("treasury_flows_page");
    assert!(page.next_cursor.is_some());
    let report: TreasuryReport = round_trip("treasury_report");
    assert_eq!(report.months.len(), 12);
    assert!(report.rows.iter().all(|r| report.months.contains(&r.month)));
}
