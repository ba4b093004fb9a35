-- The orders table's read indexes leave the schema: they serve the API's lists and filters
-- only (the projections reach orders by primary key), and maintaining fourteen of them
-- cost a backfill most of its orders time (every OrderCreated inserts into each, every
-- change of status writes a new entry in each). The writer builds them once a chain has
-- caught up (`cointent_storage::indexes::READ_INDEXES`), as it does the events' ones.
--
-- Four were prefixes of another (kind, seller, status and token, each also leading a
-- `*_newest` index) and are not built again.
DROP INDEX IF EXISTS orders_by_kind;
DROP INDEX IF EXISTS orders_by_seller;
DROP INDEX IF EXISTS orders_by_status;
DROP INDEX IF EXISTS orders_by_token;

DROP INDEX IF EXISTS orders_newest;
DROP INDEX IF EXISTS orders_by_chain_newest;
DROP INDEX IF EXISTS orders_by_kind_newest;
DROP INDEX IF EXISTS orders_by_status_newest;
DROP INDEX IF EXISTS orders_by_seller_newest;
DROP INDEX IF EXISTS orders_by_token_newest;
DROP INDEX IF EXISTS orders_by_arbiter;
DROP INDEX IF EXISTS orders_by_split;
DROP INDEX IF EXISTS orders_by_metadata;
DROP INDEX IF EXISTS orders_by_sole_buyer;
