-- A fair ranking, and one that stays fast at a million players.
--
-- Points are weighted by the computer's level: a win is 3 points and a draw 1, times 1 against
-- the easy computer, 2 against normal and 3 against hard (protocol::rules). Ties are broken by
-- wins, goal difference and goals, then by player id (only to make the order total).
--
-- A player's rank is 1 + the number of players strictly ahead. Counting them row by row costs
-- O(rank); instead the database keeps how many players there are per prefix of the sort key
-- (points; points and wins; ...; the whole key), exact, kept by a trigger on standings. A rank
-- is then four sums, each over the few rows of one prefix (at most a few hundred points
-- values, a few dozen win counts for a points value, and so on), whatever the number of players.

-- Recomputed at the end from the matches (emptied first, before the count trigger exists).
DELETE FROM standings;
DROP INDEX standings_rank_idx;
ALTER TABLE standings DROP COLUMN points;
ALTER TABLE standings ADD COLUMN points integer NOT NULL DEFAULT 0 CHECK (points >= 0);
-- The player's latest verified ranked match (to watch from the leaderboard), kept here so a page
-- of the leaderboard never reads the matches table.
ALTER TABLE standings ADD COLUMN latest_match_id uuid;

-- The leaderboard order, read backwards: every column descending, player id included, so a
-- page boundary is one row comparison (keyset pagination).
CREATE INDEX standings_rank_idx
    ON standings (points, wins, goal_difference, goals_for, player_id);

CREATE FUNCTION match_points(outcome text, difficulty text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT (CASE outcome WHEN 'win' THEN 3 WHEN 'draw' THEN 1 ELSE 0 END)
         * (CASE difficulty WHEN 'easy' THEN 1 WHEN 'normal' THEN 2 WHEN 'hard' THEN 3 END)
$$;

CREATE OR REPLACE FUNCTION standings_add_match() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO standings AS s (player_id, played, wins, draws, losses, goals_for, goals_against,
                                points, latest_match_id)
    VALUES (NEW.player_id, 1,
            (NEW.outcome = 'win')::int, (NEW.outcome = 'draw')::int, (NEW.outcome = 'loss')::int,
            NEW.player_score, NEW.opponent_score, match_points(NEW.outcome, NEW.difficulty),
            CASE WHEN NEW.status = 'verified' THEN NEW.id END)
    ON CONFLICT (player_id) DO UPDATE SET
        played        = s.played + 1,
        wins          = s.wins + EXCLUDED.wins,
        draws         = s.draws + EXCLUDED.draws,
        losses        = s.losses + EXCLUDED.losses,
        goals_for     = s.goals_for + EXCLUDED.goals_for,
        goals_against = s.goals_against + EXCLUDED.goals_against,
        points        = s.points + EXCLUDED.points,
        latest_match_id = coalesce(EXCLUDED.latest_match_id, s.latest_match_id);
    RETURN NULL;
END
$$;

-- Players per prefix of the sort key: level 1 counts per points value, level 2 per (points,
-- wins), level 3 per (points, wins, goal difference), level 4 per whole key (the columns a level
-- does not use are 0).
CREATE TABLE standing_counts (
    level           smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
    points          integer  NOT NULL,
    wins            integer  NOT NULL,
    goal_difference integer  NOT NULL,
    goals_for       integer  NOT NULL,
    players         integer  NOT NULL CHECK (players >= 0),
    PRIMARY KEY (level, points, wins, goal_difference, goals_for)
);

-- The level-`level` prefix of a key, padded with zeros.
CREATE FUNCTION standing_prefix(lvl integer, k integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT ARRAY[k[1],
                 CASE WHEN lvl >= 2 THEN k[2] ELSE 0 END,
                 CASE WHEN lvl >= 3 THEN k[3] ELSE 0 END,
                 CASE WHEN lvl >= 4 THEN k[4] ELSE 0 END]
$$;

-- Adds (delta 1) or removes (delta -1) a player at a prefix. A removal updates the row its
-- player was counted in (an upsert would check the proposed row, with its -1, first).
CREATE FUNCTION standing_counts_add(lvl integer, k integer[], delta integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF delta > 0 THEN
        INSERT INTO standing_counts AS c (level, points, wins, goal_difference, goals_for, players)
        VALUES (lvl, k[1], k[2], k[3], k[4], delta)
        ON CONFLICT (level, points, wins, goal_difference, goals_for)
            DO UPDATE SET players = c.players + EXCLUDED.players;
    ELSE
        UPDATE standing_counts c SET players = c.players + delta
        WHERE (c.level, c.points, c.wins, c.goal_difference, c.goals_for)
            = (lvl, k[1], k[2], k[3], k[4]);
    END IF;
END
$$;

-- Moves a standing's count from its old key to its new one (either may be absent). Row locks
-- are taken in one global order, by level and then by key, so concurrent matches cannot
-- deadlock on the counts.
CREATE FUNCTION standings_maintain_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_key integer[];
    new_key integer[];
    old_prefix integer[];
    new_prefix integer[];
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_key := ARRAY[OLD.points, OLD.wins, OLD.goal_difference, OLD.goals_for];
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_key := ARRAY[NEW.points, NEW.wins, NEW.goal_difference, NEW.goals_for];
    END IF;
    FOR lvl IN 1..4 LOOP
        old_prefix := standing_prefix(lvl, old_key);
        new_prefix := standing_prefix(lvl, new_key);
        CONTINUE WHEN old_prefix IS NOT DISTINCT FROM new_prefix;
        IF old_prefix IS NOT NULL AND (new_prefix IS NULL OR old_prefix < new_prefix) THEN
            PERFORM standing_counts_add(lvl, old_prefix, -1);
            IF new_prefix IS NOT NULL THEN
                PERFORM standing_counts_add(lvl, new_prefix, 1);
            END IF;
        ELSE
            PERFORM standing_counts_add(lvl, new_prefix, 1);
            IF old_prefix IS NOT NULL THEN
                PERFORM standing_counts_add(lvl, old_prefix, -1);
            END IF;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE TRIGGER standings_counts
    AFTER INSERT OR UPDATE OR DELETE ON standings
    FOR EACH ROW EXECUTE FUNCTION standings_maintain_counts();

-- Everything recomputed from the matches that count (the trigger fills the counts).
INSERT INTO standings (player_id, played, wins, draws, losses, goals_for, goals_against, points,
                       latest_match_id)
SELECT m.player_id, count(*),
       count(*) FILTER (WHERE m.outcome = 'win'),
       count(*) FILTER (WHERE m.outcome = 'draw'),
       count(*) FILTER (WHERE m.outcome = 'loss'),
       sum(m.player_score), sum(m.opponent_score),
       sum(match_points(m.outcome, m.difficulty)),
       (array_agg(m.id ORDER BY m.played_at DESC, m.id DESC)
            FILTER (WHERE m.status = 'verified'))[1]
FROM matches m JOIN players p ON p.id = m.player_id
WHERE m.mode = 'vs_computer' AND m.status <> 'unverified' AND p.closed_at IS NULL
GROUP BY m.player_id;
