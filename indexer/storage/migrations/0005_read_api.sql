-- Indexes for the read API (/v1 orders, accounts, catalogue, treasury, governance, events):
-- every filter of a list has an index that also yields the list's order, so a page is an
-- index range scan of `limit + 1` rows.

-- Orders, newest first: (created_block, chain_id, order_id) descending, alone and under
-- each equality filter.
CREATE INDEX orders_newest ON orders (created_block DESC, chain_id DESC, order_id DESC);
CREATE INDEX orders_by_chain_newest ON orders (chain_id, created_block DESC, order_id DESC);
CREATE INDEX orders_by_kind_newest ON orders (kind, created_block DESC, chain_id DESC, order_id DESC);
CREATE INDEX orders_by_status_newest ON orders (status, created_block DESC, chain_id DESC, order_id DESC);
CREATE INDEX orders_by_seller_newest ON orders (seller, created_block DESC, chain_id DESC, order_id DESC);
CREATE INDEX orders_by_token_newest ON orders (token, created_block DESC, chain_id DESC, order_id DESC);
CREATE INDEX orders_by_arbiter ON orders (arbiter);
-- Split recipients: `terms -> 'splits' @> '[{"recipient": ...}]'`.
CREATE INDEX orders_by_split ON orders USING gin ((terms -> 'splits') jsonb_path_ops);

-- Catalogue: artisans and partners named in metadata documents.
CREATE INDEX metadata_by_artisan ON metadata_documents (lower(document #>> '{artisan,address}'));
CREATE INDEX metadata_by_partner ON metadata_documents (lower(document #>> '{partner,address}'));

-- Accounts.
CREATE INDEX escrow_balances_by_account ON escrow_balances (account);
CREATE INDEX delegations_by_delegate ON delegations (chain_id, delegate);

-- Governance lists.
CREATE INDEX proposals_newest ON proposals (created_block DESC, chain_id DESC, proposal_id DESC);
CREATE INDEX voting_power_by_votes ON voting_power (votes DESC, chain_id, delegate);

-- Treasury flows, newest first per chain come from the primary key; by kind and token:
CREATE INDEX treasury_flows_by_kind ON treasury_flows (kind, chain_id, block_number, log_index);
CREATE INDEX treasury_flows_by_token ON treasury_flows (token, chain_id, block_number, log_index);

-- Raw events by order, account and contract (for /v1/events) are indexed once a chain has
-- caught up, not here: five more indexes on `events` cost the backfill ~40% of its speed.
-- See `ingest::READ_INDEXES`.
