-- ERC-20 balances of the indexed tokens (governance token, stablecoin).
CREATE TABLE token_balances (
    chain_id  BIGINT NOT NULL,
    token     TEXT NOT NULL,
    account   TEXT NOT NULL,
    balance   NUMERIC(78, 0) NOT NULL,
    PRIMARY KEY (chain_id, token, account)
);
SELECT attach_undo('token_balances');

CREATE TABLE token_supply (
    chain_id  BIGINT NOT NULL,
    token     TEXT NOT NULL,
    supply    NUMERIC(78, 0) NOT NULL,
    PRIMARY KEY (chain_id, token)
);
SELECT attach_undo('token_supply');
