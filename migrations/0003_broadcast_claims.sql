-- 0003: who is sending a broadcast (SPEC §11). Two bot instances on one database must
-- never both send the same broadcast: an instance claims it (claimed_by) before its
-- first message and keeps the claim alive (lease_until, unix seconds of the wall
-- clock) while it sends; another instance takes it over only when the claim is
-- released (a graceful stop), its holder is known to be gone, or the lease ran out.

ALTER TABLE broadcasts ADD COLUMN claimed_by TEXT;
ALTER TABLE broadcasts ADD COLUMN lease_until REAL;
