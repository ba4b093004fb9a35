//! Reorg detection, pure: whether a fetched range is one consistent segment of the chain
//! that continues the mirror ([`check_segment`]), and where the chain and the mirror's
//! window of recent block hashes part ways ([`fork_point`]). The caller does the RPC
//! calls; these functions decide, and are tested without a chain.

use alloy::primitives::{Address, B256, BloomInput};

use crate::rpc::Header;

/// Where the chain leaves the stored window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fork {
    /// The highest stored block the chain still has: everything above it is rolled back.
    At(u64),
    /// The RPC could not say (no block at a height it should have, as a lagging node
    /// answers): look again later rather than roll back on a guess.
    Unknown,
    /// No stored block is on the chain any more: the reorg is deeper than the window, whose
    /// oldest block is `oldest` (`None` when the window is empty).
    BeyondWindow {
        /// The oldest block of the window.
        oldest: Option<u64>,
    },
}

/// Finds the fork point of a window of stored `(block number, hash)` pairs against the
/// chain's answers at those heights, `canonical`: `Some(hash)`, or `None` when the RPC had
/// no block there. A stored height absent from `canonical` is above the chain's head:
/// replaced. Both may come in any order.
pub fn fork_point(stored: &[(u64, B256)], canonical: &[(u64, Option<B256>)]) -> Fork {
    let mut newest_first: Vec<_> = stored.to_vec();
    newest_first.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    for (n, hash) in &newest_first {
        match canonical.iter().find(|(cn, _)| cn == n).map(|(_, h)| *h) {
            None => continue,
            Some(None) => return Fork::Unknown,
            Some(Some(h)) if h == *hash => return Fork::At(*n),
            Some(Some(_)) => continue,
        }
    }
    Fork::BeyondWindow { oldest: newest_first.last().map(|(n, _)| *n) }
}

/// A log as far as the segment check is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRef {
    /// Its block's number.
    pub block_number: u64,
    /// Its block's hash.
    pub block_hash: B256,
    /// The contract that emitted it.
    pub address: Address,
}

/// Why a fetched range cannot be committed as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inconsistency {
    /// The block before the range is not the mirror's checkpoint any more: the chain
    /// reorganised under the mirror.
    Reorg,
    /// The headers are not one chain (a gap, or a parent link that does not hold): the chain
    /// changed between two calls.
    Broken {
        /// The first block whose header does not follow its predecessor.
        at: u64,
    },
    /// A log of a block that is not in the segment (another hash, or outside the range):
    /// the chain changed between the calls for logs and for headers.
    StrayLog {
        /// The log's block.
        block: u64,
    },
    /// A log its block's `logsBloom` rules out: the answer is not from this chain.
    ForgedLog {
        /// The log's block.
        block: u64,
    },
    /// Blocks whose `logsBloom` says one of the contracts may have logged, with no log in
    /// the answer: the receipts must tell (a bloom can be a false positive).
    MissingLogs {
        /// The blocks, ascending.
        blocks: Vec<u64>,
    },
}

/// Checks that `headers` (ascending: every block of the range from `from`, after the block
/// before it when there is one) are one chain continuing `anchor` (the hash of the
/// mirror's checkpoint, block `from - 1`, once there is one), and that `logs` (of
/// `addresses`, asked for the range) belong to those blocks and agree with their blooms.
pub fn check_segment(
    from: u64,
    anchor: Option<B256>,
    headers: &[Header],
    logs: &[LogRef],
    addresses: &[Address],
) -> Result<(), Inconsistency> {
    if let (Some(hash), Some(first)) = (anchor, headers.first())
        && first.number + 1 == from
        && first.hash != hash
    {
        return Err(Inconsistency::Reorg);
    }
    if let Some(w) =
        headers.windows(2).find(|w| w[1].number != w[0].number + 1 || w[1].parent_hash != w[0].hash)
    {
        return Err(Inconsistency::Broken { at: w[1].number });
    }
    // The block before the range was committed with its logs before.
    let range = &headers[headers.iter().take_while(|h| h.number < from).count()..];
    let header = |n: u64| {
        let first = range.first()?.number;
        range.get(usize::try_from(n.checked_sub(first)?).ok()?)
    };
    for log in logs {
        let Some(h) = header(log.block_number).filter(|h| h.hash == log.block_hash) else {
            return Err(Inconsistency::StrayLog { block: log.block_number });
        };
        if !h.logs_bloom.contains_input(BloomInput::Raw(log.address.as_slice())) {
            return Err(Inconsistency::ForgedLog { block: log.block_number });
        }
    }
    let missing: Vec<u64> = range
        .iter()
        .filter(|h| {
            addresses.iter().any(|a| h.logs_bloom.contains_input(BloomInput::Raw(a.as_slice())))
                && !logs.iter().any(|l| l.block_number == h.number)
        })
        .map(|h| h.number)
        .collect();
    if !missing.is_empty() {
        return Err(Inconsistency::MissingLogs { blocks: missing });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloy::primitives::Bloom;

    use super::*;

    fn h(n: u8) -> B256 {
        B256::repeat_byte(n)
    }

    type Window = Vec<(u64, B256)>;

    /// Blocks 10..=14 as stored; the chain agrees up to `common` and differs above it.
    fn case(common: u64) -> (Window, Vec<(u64, Option<B256>)>) {
        let stored: Vec<_> = (10..=14).map(|n| (n, h(n as u8))).collect();
        let canonical = (10..=14)
            .map(|n| (n, Some(if n <= common { h(n as u8) } else { h(100 + n as u8) })))
            .collect();
        (stored, canonical)
    }

    #[test]
    fn finds_the_highest_common_block_at_every_depth() {
        for depth in 0..=4 {
            let (stored, canonical) = case(14 - depth);
            assert_eq!(fork_point(&stored, &canonical), Fork::At(14 - depth), "depth {depth}");
        }
    }

    #[test]
    fn a_reorg_below_the_window_is_reported_with_its_oldest_block() {
        let (stored, canonical) = case(9);
        assert_eq!(fork_point(&stored, &canonical), Fork::BeyondWindow { oldest: Some(10) });
        assert_eq!(fork_point(&[], &canonical), Fork::BeyondWindow { oldest: None });
    }

    #[test]
    fn heights_above_the_head_are_replaced_and_order_does_not_matter() {
        let (mut stored, canonical) = case(12);
        stored.reverse();
        // The chain is now shorter: 13 and 14 were not asked for.
        let shorter: Vec<_> = canonical.iter().copied().filter(|(n, _)| *n <= 12).collect();
        assert_eq!(fork_point(&stored, &shorter), Fork::At(12));
        let (_, all_same) = case(14);
        assert_eq!(fork_point(&stored, &all_same[..1]), Fork::At(10));
    }

    #[test]
    fn a_height_the_rpc_had_no_block_for_is_not_a_reorg() {
        // A lagging node: nothing above 11, though it claims a head of 14.
        let (stored, mut canonical) = case(14);
        for (n, h) in &mut canonical {
            if *n > 11 {
                *h = None;
            }
        }
        assert_eq!(fork_point(&stored, &canonical), Fork::Unknown);
        // Once a replaced block is seen above it, the unknown heights below still stop the
        // search: the fork cannot be placed yet.
        canonical[4].1 = Some(h(200));
        assert_eq!(fork_point(&stored, &canonical), Fork::Unknown);
    }

    const A: Address = Address::repeat_byte(0xaa);
    const OTHER: Address = Address::repeat_byte(0xbb);

    fn bloom(addresses: &[Address]) -> Bloom {
        let mut b = Bloom::default();
        for a in addresses {
            b.accrue(BloomInput::Raw(a.as_slice()));
        }
        b
    }

    /// Blocks `from..=to`, each the child of the previous; `logged` have A in their bloom.
    fn chain(from: u64, to: u64, logged: &[u64]) -> Vec<Header> {
        (from..=to)
            .map(|n| Header {
                number: n,
                hash: h(n as u8),
                parent_hash: h(n as u8 - 1),
                timestamp: n,
                logs_bloom: if logged.contains(&n) { bloom(&[A]) } else { Bloom::default() },
            })
            .collect()
    }

    fn log(n: u64) -> LogRef {
        LogRef { block_number: n, block_hash: h(n as u8), address: A }
    }

    #[test]
    fn a_consistent_segment_passes() {
        let headers = chain(9, 14, &[10, 12]);
        let logs = [log(10), log(12), log(12)];
        assert_eq!(check_segment(10, Some(h(9)), &headers, &logs, &[A]), Ok(()));
        // Without a checkpoint yet (the first range), with and without the block before:
        // its bloom is not checked (its logs are not in the answer).
        assert_eq!(check_segment(10, None, &headers[1..], &logs, &[A]), Ok(()));
        let logged_before = chain(9, 14, &[9, 10, 12]);
        assert_eq!(check_segment(10, None, &logged_before, &logs, &[A]), Ok(()));
    }

    #[test]
    fn a_replaced_checkpoint_is_a_reorg_wherever_the_range_starts() {
        let headers = chain(9, 14, &[]);
        assert_eq!(check_segment(10, Some(h(99)), &headers, &[], &[A]), Err(Inconsistency::Reorg));
    }

    #[test]
    fn headers_that_are_not_one_chain_are_broken() {
        let mut headers = chain(9, 14, &[]);
        headers[3].parent_hash = h(77);
        assert_eq!(
            check_segment(10, Some(h(9)), &headers, &[], &[A]),
            Err(Inconsistency::Broken { at: 12 })
        );
        let mut gap = chain(9, 14, &[]);
        gap.remove(2);
        assert_eq!(
            check_segment(10, Some(h(9)), &gap, &[], &[A]),
            Err(Inconsistency::Broken { at: 12 })
        );
    }

    #[test]
    fn a_log_of_another_block_is_stray() {
        let headers = chain(9, 14, &[10]);
        let replaced = LogRef { block_hash: h(200), ..log(10) };
        assert_eq!(
            check_segment(10, Some(h(9)), &headers, &[replaced], &[A]),
            Err(Inconsistency::StrayLog { block: 10 })
        );
        assert_eq!(
            check_segment(10, Some(h(9)), &headers, &[log(15)], &[A]),
            Err(Inconsistency::StrayLog { block: 15 })
        );
        // The anchor's own logs were committed before: not part of this range.
        assert_eq!(
            check_segment(10, Some(h(9)), &headers, &[log(9)], &[A]),
            Err(Inconsistency::StrayLog { block: 9 })
        );
    }

    #[test]
    fn a_log_the_bloom_rules_out_is_forged() {
        let headers = chain(9, 14, &[10]);
        assert_eq!(
            check_segment(10, Some(h(9)), &headers, &[log(11)], &[A]),
            Err(Inconsistency::ForgedLog { block: 11 })
        );
    }

    #[test]
    fn blocks_whose_bloom_has_the_contract_but_no_log_came_are_missing() {
        // The depth-1 reorg of issue 13: the replaced tip had no logs, its replacement has.
        let headers = chain(9, 14, &[11, 13]);
        assert_eq!(
            check_segment(10, Some(h(9)), &headers, &[log(11)], &[A]),
            Err(Inconsistency::MissingLogs { blocks: vec![13] })
        );
        assert_eq!(
            check_segment(10, Some(h(9)), &headers, &[], &[A]),
            Err(Inconsistency::MissingLogs { blocks: vec![11, 13] })
        );
        // Another contract's logs in the bloom are none of our business.
        let mut other = chain(9, 14, &[]);
        other[2].logs_bloom = bloom(&[OTHER]);
        assert_eq!(check_segment(10, Some(h(9)), &other, &[], &[A]), Ok(()));
        // The anchor's bloom is not checked again.
        let anchor_logged = chain(9, 14, &[9]);
        assert_eq!(check_segment(10, Some(h(9)), &anchor_logged, &[], &[A]), Ok(()));
    }
}
