-- Why a milestone was disputed, in the disputer's words: the `reason` of Escrow's `Disputed`
-- (1 to 1000 bytes, required by the contract), for the arbiter and everyone reading the order.
ALTER TABLE milestones ADD COLUMN dispute_reason TEXT;
