-- Players, their matches, the standings derived from them, and wallet-ownership challenges.
-- The database enforces every rule it can, so that no code path can store an impossible row.

CREATE TABLE players (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Same rules as protocol::Username.
    username        text        NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9_-]{2,19}$'),
    -- A StrKey account id (the checksum is checked by the application before insert).
    wallet_address  text        NOT NULL CHECK (wallet_address ~ '^G[A-Z2-7]{55}$'),
    -- Set once the player has signed a challenge with the wallet's key.
    verified_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT players_wallet_address_key UNIQUE (wallet_address)
);

-- Names are unique regardless of case: "Alice" and "alice" are one name on a leaderboard.
CREATE UNIQUE INDEX players_username_lower_key ON players (lower(username));

CREATE TABLE matches (
    -- Chosen by the client, so that a retried submission is stored once.
    id              uuid        PRIMARY KEY,
    player_id       uuid        NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    player_score    smallint    NOT NULL CHECK (player_score BETWEEN 0 AND 5),
    opponent_score  smallint    NOT NULL CHECK (opponent_score BETWEEN 0 AND 5),
    outcome         text        NOT NULL CHECK (outcome IN ('win', 'loss', 'draw')),
    -- 60 ticks a second; a match lasts at most 180 s.
    duration_ticks  integer     NOT NULL CHECK (duration_ticks BETWEEN 1 AND 10800),
    mode            text        NOT NULL CHECK (mode IN ('vs_computer', 'local_two_player')),
    difficulty      text        CHECK (difficulty IN ('easy', 'normal', 'hard')),
    played_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT matches_one_winner CHECK (NOT (player_score = 5 AND opponent_score = 5)),
    -- The outcome is a function of the scores; a client's opinion of it is never stored.
    CONSTRAINT matches_outcome_follows_scores CHECK (outcome = CASE
        WHEN player_score > opponent_score THEN 'win'
        WHEN player_score < opponent_score THEN 'loss'
        ELSE 'draw' END),
    -- A match that nobody won on goals ran the full time.
    CONSTRAINT matches_timeout_runs_full_time CHECK (
        player_score = 5 OR opponent_score = 5 OR duration_ticks = 10800),
    CONSTRAINT matches_difficulty_iff_vs_computer CHECK (
        (mode = 'vs_computer') = (difficulty IS NOT NULL))
);

-- "My matches", newest first, keyset-paginated on (played_at, id).
CREATE INDEX matches_player_history_idx ON matches (player_id, played_at DESC, id DESC);

-- One row per player with a ranked match, kept up to date by the trigger below; the
-- leaderboard reads this instead of aggregating every match on every request.
CREATE TABLE standings (
    player_id       uuid     PRIMARY KEY REFERENCES players (id) ON DELETE CASCADE,
    played          integer  NOT NULL DEFAULT 0 CHECK (played >= 0),
    wins            integer  NOT NULL DEFAULT 0 CHECK (wins >= 0),
    draws           integer  NOT NULL DEFAULT 0 CHECK (draws >= 0),
    losses          integer  NOT NULL DEFAULT 0 CHECK (losses >= 0),
    goals_for       integer  NOT NULL DEFAULT 0 CHECK (goals_for >= 0),
    goals_against   integer  NOT NULL DEFAULT 0 CHECK (goals_against >= 0),
    points          integer  GENERATED ALWAYS AS (3 * wins + draws) STORED,
    goal_difference integer  GENERATED ALWAYS AS (goals_for - goals_against) STORED,
    CONSTRAINT standings_played_adds_up CHECK (played = wins + draws + losses)
);

-- The leaderboard order; player_id last makes it total, so pages never overlap or skip.
CREATE INDEX standings_rank_idx
    ON standings (points DESC, wins DESC, goal_difference DESC, goals_for DESC, player_id);

CREATE FUNCTION standings_add_match() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO standings AS s (player_id, played, wins, draws, losses, goals_for, goals_against)
    VALUES (NEW.player_id, 1,
            (NEW.outcome = 'win')::int, (NEW.outcome = 'draw')::int, (NEW.outcome = 'loss')::int,
            NEW.player_score, NEW.opponent_score)
    ON CONFLICT (player_id) DO UPDATE SET
        played        = s.played + 1,
        wins          = s.wins + EXCLUDED.wins,
        draws         = s.draws + EXCLUDED.draws,
        losses        = s.losses + EXCLUDED.losses,
        goals_for     = s.goals_for + EXCLUDED.goals_for,
        goals_against = s.goals_against + EXCLUDED.goals_against;
    RETURN NULL;
END
$$;

CREATE TRIGGER matches_update_standings
    AFTER INSERT ON matches
    FOR EACH ROW WHEN (NEW.mode = 'vs_computer')
    EXECUTE FUNCTION standings_add_match();

-- Matches are a record of what happened: never edited. (Deleting a player removes theirs.)
CREATE FUNCTION matches_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'matches cannot be updated';
END
$$;

CREATE TRIGGER matches_no_update BEFORE UPDATE ON matches
    FOR EACH ROW EXECUTE FUNCTION matches_are_immutable();

-- Single-use, expiring messages that a player signs to prove they hold the wallet's key.
CREATE TABLE wallet_challenges (
    id          uuid        PRIMARY KEY,
    player_id   uuid        NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    message     text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CONSTRAINT wallet_challenges_expire_after_creation CHECK (expires_at > created_at),
    CONSTRAINT wallet_challenges_used_in_time CHECK (used_at IS NULL OR used_at >= created_at)
);

CREATE INDEX wallet_challenges_player_idx ON wallet_challenges (player_id, expires_at);
CREATE INDEX wallet_challenges_expires_idx ON wallet_challenges (expires_at);
