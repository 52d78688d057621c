-- A claimed daily post is recorded in the prompt history in the same statement (a trigger),
-- so claiming stays one atomic INSERT.
CREATE TRIGGER daily_posts_history AFTER INSERT ON daily_posts BEGIN
    INSERT INTO prompt_history (guild_id, prompt_key, shown_at)
    VALUES (new.guild_id, new.prompt_key, new.claimed_at);
END;
