-- An event's categories, as phones have them (a JSON list of strings): the console's form does
-- not show them, so its edits keep them.
ALTER TABLE events ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
