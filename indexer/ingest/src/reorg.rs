//! The fork-point search: where the chain and the mirror's window of recent block hashes
//! part ways. Pure: the caller fetches the chain's hashes, this decides.

use alloy::primitives::B256;

/// Where the chain leaves the stored window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fork {
    /// The highest stored block the chain still has: everything above it is rolled back.
    At(u64),
    /// No stored block is on the chain any more: the reorg is deeper than the window, whose
    /// oldest block is `oldest` (`None` when the window is empty).
    BeyondWindow {
        /// The oldest block of the window.
        oldest: Option<u64>,
    },
}

/// Finds the fork point of a window of stored `(block number, hash)` pairs against the
/// chain's hashes at those heights (`canonical`, any subset: a height the chain did not
/// answer for counts as replaced). Both may come in any order.
pub fn fork_point(stored: &[(u64, B256)], canonical: &[(u64, B256)]) -> Fork {
    stored
        .iter()
        .filter(|(n, h)| canonical.iter().any(|(cn, ch)| cn == n && ch == h))
        .map(|(n, _)| *n)
        .max()
        .map_or_else(
            || Fork::BeyondWindow { oldest: stored.iter().map(|(n, _)| *n).min() },
            Fork::At,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> B256 {
        B256::repeat_byte(n)
    }

    type Window = Vec<(u64, B256)>;

    /// Blocks 10..=14 as stored; the chain agrees up to `common` and differs above it.
    fn case(common: u64) -> (Window, Window) {
        let stored: Vec<_> = (10..=14).map(|n| (n, h(n as u8))).collect();
        let canonical = (10..=14)
            .map(|n| (n, if n <= common { h(n as u8) } else { h(100 + n as u8) }))
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
    fn missing_answers_count_as_replaced_and_order_does_not_matter() {
        let (mut stored, canonical) = case(14);
        stored.reverse();
        let partial: Vec<_> = canonical.iter().copied().filter(|(n, _)| *n != 14).collect();
        assert_eq!(fork_point(&stored, &partial), Fork::At(13));
        assert_eq!(fork_point(&stored, &canonical[..1]), Fork::At(10));
    }
}
