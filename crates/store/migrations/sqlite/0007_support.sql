-- The support menu (菜单式帮扶): offers a school publishes and the orders member schools place;
-- an accepted order is scheduled as an activity.
-- Kept column-for-column in step with migrations/postgres/0007_support.sql.

CREATE TABLE support_offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    times BIGINT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    open BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX support_offers_community ON support_offers (community_id);

CREATE TABLE support_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    offer_id BIGINT NOT NULL REFERENCES support_offers(id),
    school_id BIGINT NOT NULL REFERENCES schools(id),
    wanted_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    activity_id BIGINT REFERENCES activities(id),
    reply TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX support_orders_offer ON support_orders (offer_id);
CREATE INDEX support_orders_school ON support_orders (school_id);
