-- Each match's seed (simulation version 4): the server chooses it when the match starts, the
-- game plays the match with it, and the re-play uses the ticket's, so a record copied from
-- another match re-plays to another result. The stored match keeps it: watching and
-- verify-matches re-play with it. A u32, held in a bigint.

ALTER TABLE match_tickets ADD COLUMN seed bigint CHECK (seed BETWEEN 0 AND 4294967295);
-- Tickets open across the upgrade are of version 3, which had no seed (their results are
-- refused as outdated anyway).
UPDATE match_tickets SET seed = 0;
ALTER TABLE match_tickets ALTER COLUMN seed SET NOT NULL;

ALTER TABLE matches
    ADD COLUMN seed bigint CHECK (seed BETWEEN 0 AND 4294967295),
    -- Forfeits have no record; verified matches of version 3 had no seed.
    ADD CONSTRAINT matches_seeded_records CHECK (
        status <> 'verified' OR sim_version < 4 OR seed IS NOT NULL);

-- Re-plays started for a ticket: a match gets at most a few (tickets::MAX_REPLAYS), and the
-- last failed one closes it (a ranked one as a forfeit), so that failed results cost the
-- account instead of filling every verifier.
ALTER TABLE match_tickets ADD COLUMN replays integer NOT NULL DEFAULT 0 CHECK (replays >= 0);
