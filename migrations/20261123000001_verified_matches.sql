-- Verified matches: the server starts every match (a ticket), re-plays its record before it
-- counts, and keeps the record. Results stored before this could not be re-played: they stay
-- in their players' histories as 'unverified' and leave the leaderboard.

-- A match the server started and has not closed yet. One per player: starting another closes
-- this one (a ranked one becomes a forfeit), and so does passing expires_at.
CREATE TABLE match_tickets (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    player_id       uuid        NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    mode            text        NOT NULL CHECK (mode IN ('vs_computer', 'local_two_player')),
    difficulty      text        CHECK (difficulty IN ('easy', 'normal', 'hard')),
    -- The simulation the result must be re-played with (protocol::record::SIM_VERSION).
    sim_version     integer     NOT NULL CHECK (sim_version > 0),
    started_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    CONSTRAINT match_tickets_one_open_per_player UNIQUE (player_id),
    CONSTRAINT match_tickets_expire_after_start CHECK (expires_at > started_at),
    CONSTRAINT match_tickets_difficulty_iff_vs_computer CHECK (
        (mode = 'vs_computer') = (difficulty IS NOT NULL))
);

-- The sweeper closes expired tickets.
CREATE INDEX match_tickets_expires_idx ON match_tickets (expires_at);

ALTER TABLE matches
    ADD COLUMN status text NOT NULL DEFAULT 'unverified'
        CHECK (status IN ('verified', 'forfeited', 'unverified')),
    -- The record the server re-played (protocol::record::MatchRecord's inputs), and the
    -- simulation version it was re-played with.
    ADD COLUMN record_inputs text,
    ADD COLUMN sim_version integer CHECK (sim_version > 0),
    ADD CONSTRAINT matches_verified_have_records CHECK (
        (status = 'verified') = (record_inputs IS NOT NULL AND sim_version IS NOT NULL)),
    -- A forfeit is a loss by the match's goal limit.
    ADD CONSTRAINT matches_forfeit_is_a_loss CHECK (
        status <> 'forfeited' OR (player_score = 0 AND opponent_score = 5));

-- New rows say what they are; only the rows above were stored unverified.
ALTER TABLE matches ALTER COLUMN status DROP DEFAULT;

-- Watching a player's latest verified ranked match from the leaderboard.
CREATE INDEX matches_player_verified_idx ON matches (player_id, played_at DESC, id DESC)
    WHERE status = 'verified' AND mode = 'vs_computer';

-- Standings count only what the server re-played, and forfeits.
DROP TRIGGER matches_update_standings ON matches;
CREATE TRIGGER matches_update_standings
    AFTER INSERT ON matches
    FOR EACH ROW WHEN (NEW.mode = 'vs_computer' AND NEW.status <> 'unverified')
    EXECUTE FUNCTION standings_add_match();

-- Every standing so far came from results that were believed: none of them counts now.
DELETE FROM standings;
