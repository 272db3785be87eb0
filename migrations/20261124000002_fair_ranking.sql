-- A fair ranking, and one that stays fast at a million players.
--
-- Points are weighted by the computer's level: a win is 3 points and a draw 1, times 1 against
-- the easy computer, 2 against normal and 3 against hard (protocol::rules). Ties are broken by
-- wins, goal difference and goals, then by player id (only to make the order total).
--
-- A player's rank is 1 + the number of players strictly ahead. Counting them row by row costs
-- O(rank); instead two small tables count the players per points value and per full sort key,
-- kept exact by a trigger on standings, so a rank is two index range sums over at most a few
-- thousand rows, whatever the number of players.

-- Recomputed at the end from the matches (emptied first, before the count trigger exists).
DELETE FROM standings;
DROP INDEX standings_rank_idx;
ALTER TABLE standings DROP COLUMN points;
ALTER TABLE standings ADD COLUMN points integer NOT NULL DEFAULT 0 CHECK (points >= 0);

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
                                points)
    VALUES (NEW.player_id, 1,
            (NEW.outcome = 'win')::int, (NEW.outcome = 'draw')::int, (NEW.outcome = 'loss')::int,
            NEW.player_score, NEW.opponent_score, match_points(NEW.outcome, NEW.difficulty))
    ON CONFLICT (player_id) DO UPDATE SET
        played        = s.played + 1,
        wins          = s.wins + EXCLUDED.wins,
        draws         = s.draws + EXCLUDED.draws,
        losses        = s.losses + EXCLUDED.losses,
        goals_for     = s.goals_for + EXCLUDED.goals_for,
        goals_against = s.goals_against + EXCLUDED.goals_against,
        points        = s.points + EXCLUDED.points;
    RETURN NULL;
END
$$;

-- Players per sort key, and per points value (a sum of the first, kept apart so that "how
-- many have more points" reads a few hundred rows, not every key).
CREATE TABLE standing_key_counts (
    points          integer NOT NULL,
    wins            integer NOT NULL,
    goal_difference integer NOT NULL,
    goals_for       integer NOT NULL,
    players         integer NOT NULL CHECK (players >= 0),
    PRIMARY KEY (points, wins, goal_difference, goals_for)
);

CREATE TABLE standing_points_counts (
    points  integer PRIMARY KEY,
    players integer NOT NULL CHECK (players >= 0)
);

-- Adds (delta 1) or removes (delta -1) a player at a key. A removal updates the row its
-- player was counted in (an upsert would check the proposed row, with its -1, first).
-- Concurrent matches lock count rows in one global order (key table before points table,
-- each by key), so they cannot deadlock on them.
CREATE FUNCTION standing_counts_add(p integer, w integer, gd integer, gf integer, delta integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF delta > 0 THEN
        INSERT INTO standing_key_counts AS k (points, wins, goal_difference, goals_for, players)
        VALUES (p, w, gd, gf, delta)
        ON CONFLICT (points, wins, goal_difference, goals_for)
            DO UPDATE SET players = k.players + EXCLUDED.players;
    ELSE
        UPDATE standing_key_counts SET players = players + delta
        WHERE (points, wins, goal_difference, goals_for) = (p, w, gd, gf);
    END IF;
END
$$;

CREATE FUNCTION standing_points_add(p integer, delta integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF delta > 0 THEN
        INSERT INTO standing_points_counts AS c (points, players) VALUES (p, delta)
        ON CONFLICT (points) DO UPDATE SET players = c.players + EXCLUDED.players;
    ELSE
        UPDATE standing_points_counts SET players = players + delta WHERE points = p;
    END IF;
END
$$;

CREATE FUNCTION standings_maintain_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_key integer[];
    new_key integer[];
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_key := ARRAY[OLD.points, OLD.wins, OLD.goal_difference, OLD.goals_for];
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_key := ARRAY[NEW.points, NEW.wins, NEW.goal_difference, NEW.goals_for];
    END IF;
    IF old_key IS NOT DISTINCT FROM new_key THEN
        RETURN NULL;
    END IF;
    -- Key rows, lower key first.
    IF old_key IS NOT NULL AND (new_key IS NULL OR old_key < new_key) THEN
        PERFORM standing_counts_add(old_key[1], old_key[2], old_key[3], old_key[4], -1);
        IF new_key IS NOT NULL THEN
            PERFORM standing_counts_add(new_key[1], new_key[2], new_key[3], new_key[4], 1);
        END IF;
    ELSE
        PERFORM standing_counts_add(new_key[1], new_key[2], new_key[3], new_key[4], 1);
        IF old_key IS NOT NULL THEN
            PERFORM standing_counts_add(old_key[1], old_key[2], old_key[3], old_key[4], -1);
        END IF;
    END IF;
    -- Points rows, lower points first.
    IF old_key IS NOT NULL AND new_key IS NOT NULL AND old_key[1] = new_key[1] THEN
        RETURN NULL;
    END IF;
    IF old_key IS NOT NULL AND (new_key IS NULL OR old_key[1] < new_key[1]) THEN
        PERFORM standing_points_add(old_key[1], -1);
        IF new_key IS NOT NULL THEN
            PERFORM standing_points_add(new_key[1], 1);
        END IF;
    ELSE
        PERFORM standing_points_add(new_key[1], 1);
        IF old_key IS NOT NULL THEN
            PERFORM standing_points_add(old_key[1], -1);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER standings_counts
    AFTER INSERT OR UPDATE OR DELETE ON standings
    FOR EACH ROW EXECUTE FUNCTION standings_maintain_counts();

-- Everything recomputed from the matches that count (the trigger fills the counts).
INSERT INTO standings (player_id, played, wins, draws, losses, goals_for, goals_against, points)
SELECT m.player_id, count(*),
       count(*) FILTER (WHERE m.outcome = 'win'),
       count(*) FILTER (WHERE m.outcome = 'draw'),
       count(*) FILTER (WHERE m.outcome = 'loss'),
       sum(m.player_score), sum(m.opponent_score),
       sum(match_points(m.outcome, m.difficulty))
FROM matches m JOIN players p ON p.id = m.player_id
WHERE m.mode = 'vs_computer' AND m.status <> 'unverified' AND p.closed_at IS NULL
GROUP BY m.player_id;

-- Rank = 1 + players strictly ahead of the key (p, w, gd, gf), from the counts.
CREATE FUNCTION standing_rank(p integer, w integer, gd integer, gf integer) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT 1
        + coalesce((SELECT sum(players) FROM standing_points_counts WHERE points > p), 0)
        + coalesce((SELECT sum(players) FROM standing_key_counts
                    WHERE (points, wins, goal_difference, goals_for) > (p, w, gd, gf)
                      AND points = p), 0)
$$;
