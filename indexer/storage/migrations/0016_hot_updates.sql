-- Room on every page for the new versions of updated rows: the projections update orders,
-- pledges, promotions and milestones in place batch after batch, and with full pages each
-- update moved the row and touched every index of the table (orders has fourteen). With
-- free space, an update that changes no indexed column stays on its page and updates no
-- index (a heap-only tuple). New pages follow this; existing ones as they are rewritten.
ALTER TABLE orders SET (fillfactor = 60);
ALTER TABLE pledges SET (fillfactor = 70);
ALTER TABLE promotions SET (fillfactor = 70);
ALTER TABLE milestones SET (fillfactor = 70);
