-- Accounts only a wallet's key can create, and sessions a player can end.
--
-- Until now an account could be registered for any address with no proof ("guest"), and the
-- key holder who proved it later inherited the guest's name and history. From here on an
-- account is created by a signature only. Accounts that never proved their address are
-- closed: they keep their rows (nothing is deleted), but lose the address and the name (kept
-- in former_* for the record), so the key holder signs up afresh with a name of their own,
-- and whoever held the guest account can no longer use it.

ALTER TABLE players
    ADD COLUMN closed_at timestamptz,
    ADD COLUMN former_username text,
    ADD COLUMN former_wallet_address text,
    ALTER COLUMN username DROP NOT NULL,
    ALTER COLUMN wallet_address DROP NOT NULL;

UPDATE players
SET closed_at = now(),
    former_username = username,
    former_wallet_address = wallet_address,
    username = NULL,
    wallet_address = NULL
WHERE verified_at IS NULL;

ALTER TABLE players
    -- An open account has a name, an address, and proved the address when it was created.
    ADD CONSTRAINT players_open_accounts_are_proven CHECK (
        closed_at IS NOT NULL
        OR (username IS NOT NULL AND wallet_address IS NOT NULL AND verified_at IS NOT NULL)),
    ADD CONSTRAINT players_closed_accounts_hold_nothing CHECK (
        closed_at IS NULL OR (username IS NULL AND wallet_address IS NULL));

-- Closed accounts leave the leaderboard and lose any open match (no forfeit is stored: the
-- account can no longer play).
DELETE FROM standings WHERE player_id IN (SELECT id FROM players WHERE closed_at IS NOT NULL);
DELETE FROM match_tickets WHERE player_id IN (SELECT id FROM players WHERE closed_at IS NOT NULL);

-- Challenges are no longer stored when issued (they are signed by the server instead: asking
-- for one costs the database nothing, and no number of them can lock the owner out). Only
-- their use is recorded, until they expire, so that each is used once.
DROP TABLE wallet_challenges;

CREATE TABLE used_challenges (
    id          uuid        PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);

CREATE INDEX used_challenges_expires_idx ON used_challenges (expires_at);

-- A signed-in session: a token names one, and is refused once the session has ended.
-- Tokens issued before this migration name none, so everyone signs in once more.
CREATE TABLE sessions (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    player_id   uuid        NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    CONSTRAINT sessions_expire_after_creation CHECK (expires_at > created_at)
);

CREATE INDEX sessions_player_idx ON sessions (player_id) WHERE ended_at IS NULL;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
