-- Which orders a metadata document describes (issue 14). An order's on-chain metadata hash
-- is anyone's to copy: a document describes an order only when its uploader, or an address
-- it names (artisan, partner), is a party to the order, its seller or a split recipient.
-- Every query joining documents to orders goes through `metadata_links`; a profile
-- (artisan, partner) lists an order only when the profile's own address is a party.

-- Whether `address` is the seller or a split recipient of an order with `seller` and
-- `terms` (as the `orders` projection holds them); NULL never is.
CREATE FUNCTION order_party(address TEXT, seller TEXT, terms JSONB) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT address IS NOT NULL AND (
        lower(address) = lower(seller)
        OR EXISTS (
            SELECT 1 FROM jsonb_array_elements(
                CASE jsonb_typeof(terms -> 'splits') WHEN 'array' THEN terms -> 'splits'
                ELSE '[]'::JSONB END) s
            WHERE lower(s ->> 'recipient') = lower(address)))
$$;

-- Whether a document uploaded by `uploaded_by` describes the order.
CREATE FUNCTION metadata_links(uploaded_by TEXT, document JSONB, seller TEXT, terms JSONB)
RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT order_party(uploaded_by, seller, terms)
        OR order_party(document #>> '{artisan,address}', seller, terms)
        OR order_party(document #>> '{partner,address}', seller, terms)
$$;
