-- The session that made the user's latest own change (a hash of its sign-in token): it stays
-- signed in when the session version moves on, even if the request that made the change never
-- finished. NULL after an admin's change: then every session ends.
ALTER TABLE users ADD COLUMN kept_session TEXT;
