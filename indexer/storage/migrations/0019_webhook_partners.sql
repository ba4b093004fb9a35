-- Webhooks for partner shops (issue 16): a webhook may ask only for the purchases of listings
-- naming one of its partners (lower-case 0x hex), and for the later events of those
-- purchases' orders. NULL: any.
ALTER TABLE webhooks ADD COLUMN partners TEXT[];
