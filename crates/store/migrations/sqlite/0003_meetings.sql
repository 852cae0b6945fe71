-- Joint meetings (联席会议) of a community and their decisions with owners, due dates and follow-up.
-- Kept column-for-column in step with migrations/postgres/0003_meetings.sql.

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    attendees TEXT NOT NULL DEFAULT '',
    agenda TEXT NOT NULL DEFAULT '',
    minutes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX meetings_community ON meetings (community_id);

CREATE TABLE meeting_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    content TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due_on TEXT,
    status TEXT NOT NULL,
    follow_up TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id);
