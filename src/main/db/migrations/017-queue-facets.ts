// The queue's counts per status under a person, a platform or an account pair, read from one index
// (issue 13, item 8). Before this, counting a person's pairs by status read every pair (its status
// from one index, its creator from its row, its authors from a set of tens of thousands): 80–130 ms
// at 100,000 pairs. `pair_facet` holds one row per pair and thing it can be filtered by — the
// people who created it or wrote or edited either language (`person:<username>`), its account
// pairs (`channel:<id>`) and their platforms (`platform:<platform>`) — with the pair's status, so
// those counts are a range of one index, whatever the number of pairs, and the filters themselves
// are one set each (db/queue.ts).
//
// Triggers keep it, so no write path can forget it: a pair's insert (its creator), a writer
// recorded (pair_author), an account pair added or removed (pair_channel), a pair's status changed
// (on PostgreSQL once per statement, for all the rows the publisher settles at once), a pair deleted.
// It is derived data: a desk moved into a workspace does not copy it (db/deskImport.ts), the
// workspace's own triggers make its rows as the pairs, writers and account pairs are copied in.
//
// (A person's facet, once there, stays: nobody stops having written a pair. A creator is never
// changed. A platform's facet goes with the pair's last account pair on that platform.)

const table = (strict: string, withoutRowid: string) => `
CREATE TABLE pair_facet (
  facet TEXT NOT NULL,
  status TEXT NOT NULL,
  pair_id TEXT NOT NULL,
  PRIMARY KEY (facet, status, pair_id)
)${strict}${withoutRowid};
CREATE INDEX pair_facet_pair ON pair_facet (pair_id);
`;

/** The facets of the pairs already there (the same statements on both engines but for the ignoring). */
const fill = (insert: string, ignore: string) => `
${insert} pair_facet (facet, status, pair_id) SELECT 'person:' || created_by, status, id FROM post_pair ${ignore};
${insert} pair_facet (facet, status, pair_id)
  SELECT DISTINCT 'person:' || a.username, p.status, p.id FROM pair_author a JOIN post_pair p ON p.id = a.pair_id ${ignore};
${insert} pair_facet (facet, status, pair_id)
  SELECT 'channel:' || pc.channel_id, p.status, p.id FROM pair_channel pc JOIN post_pair p ON p.id = pc.pair_id ${ignore};
${insert} pair_facet (facet, status, pair_id)
  SELECT DISTINCT 'platform:' || c.platform, p.status, p.id FROM pair_channel pc JOIN post_pair p ON p.id = pc.pair_id
  JOIN channel c ON c.id = pc.channel_id ${ignore};
`;

export const migration017 = {
  version: 17,
  name: 'queue-facets',
  sql: `
${table(' STRICT', ', WITHOUT ROWID')}
${fill('INSERT OR IGNORE INTO', '')}
CREATE TRIGGER pair_facet_pair_inserted AFTER INSERT ON post_pair BEGIN
  INSERT OR IGNORE INTO pair_facet (facet, status, pair_id) VALUES ('person:' || NEW.created_by, NEW.status, NEW.id);
END;
CREATE TRIGGER pair_facet_status AFTER UPDATE OF status ON post_pair WHEN OLD.status <> NEW.status BEGIN
  UPDATE pair_facet SET status = NEW.status WHERE pair_id = NEW.id;
END;
CREATE TRIGGER pair_facet_pair_deleted AFTER DELETE ON post_pair BEGIN
  DELETE FROM pair_facet WHERE pair_id = OLD.id;
END;
CREATE TRIGGER pair_facet_writer AFTER INSERT ON pair_author BEGIN
  INSERT OR IGNORE INTO pair_facet (facet, status, pair_id)
    SELECT 'person:' || NEW.username, status, id FROM post_pair WHERE id = NEW.pair_id;
END;
CREATE TRIGGER pair_facet_channel_added AFTER INSERT ON pair_channel BEGIN
  INSERT OR IGNORE INTO pair_facet (facet, status, pair_id)
    SELECT 'channel:' || NEW.channel_id, status, id FROM post_pair WHERE id = NEW.pair_id;
  INSERT OR IGNORE INTO pair_facet (facet, status, pair_id)
    SELECT 'platform:' || c.platform, p.status, p.id FROM post_pair p, channel c WHERE p.id = NEW.pair_id AND c.id = NEW.channel_id;
END;
CREATE TRIGGER pair_facet_channel_removed AFTER DELETE ON pair_channel BEGIN
  DELETE FROM pair_facet WHERE pair_id = OLD.pair_id AND facet = 'channel:' || OLD.channel_id;
  DELETE FROM pair_facet WHERE pair_id = OLD.pair_id AND facet = 'platform:' || (SELECT platform FROM channel WHERE id = OLD.channel_id)
    AND NOT EXISTS (SELECT 1 FROM pair_channel pc JOIN channel c ON c.id = pc.channel_id
      WHERE pc.pair_id = OLD.pair_id AND c.platform = (SELECT platform FROM channel WHERE id = OLD.channel_id));
END;
`,
  postgres: `
${table('', '')}
${fill('INSERT INTO', 'ON CONFLICT DO NOTHING')}
CREATE FUNCTION pair_facet_pair_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pair_facet (facet, status, pair_id) SELECT 'person:' || created_by, status, id FROM inserted ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER pair_facet_pair_inserted AFTER INSERT ON post_pair REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION pair_facet_pair_inserted();
-- Once per statement: the publisher settles a batch of pairs in one UPDATE. (A trigger with
-- transition tables cannot name columns, so it runs for every update and joins on what changed.)
CREATE FUNCTION pair_facet_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pair_facet f SET status = n.status FROM changed n WHERE f.pair_id = n.id AND f.status <> n.status;
  RETURN NULL;
END $$;
CREATE TRIGGER pair_facet_status AFTER UPDATE ON post_pair REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION pair_facet_status();
CREATE FUNCTION pair_facet_pair_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM pair_facet WHERE pair_id = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER pair_facet_pair_deleted AFTER DELETE ON post_pair FOR EACH ROW EXECUTE FUNCTION pair_facet_pair_deleted();
CREATE FUNCTION pair_facet_writer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pair_facet (facet, status, pair_id)
    SELECT 'person:' || NEW.username, status, id FROM post_pair WHERE id = NEW.pair_id ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER pair_facet_writer AFTER INSERT ON pair_author FOR EACH ROW EXECUTE FUNCTION pair_facet_writer();
CREATE FUNCTION pair_facet_channel_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO pair_facet (facet, status, pair_id)
    SELECT 'channel:' || NEW.channel_id, status, id FROM post_pair WHERE id = NEW.pair_id ON CONFLICT DO NOTHING;
  INSERT INTO pair_facet (facet, status, pair_id)
    SELECT 'platform:' || c.platform, p.status, p.id FROM post_pair p, channel c WHERE p.id = NEW.pair_id AND c.id = NEW.channel_id
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER pair_facet_channel_added AFTER INSERT ON pair_channel FOR EACH ROW EXECUTE FUNCTION pair_facet_channel_added();
CREATE FUNCTION pair_facet_channel_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone TEXT := (SELECT platform FROM channel WHERE id = OLD.channel_id);
BEGIN
  DELETE FROM pair_facet WHERE pair_id = OLD.pair_id AND facet = 'channel:' || OLD.channel_id;
  IF NOT EXISTS (SELECT 1 FROM pair_channel pc JOIN channel c ON c.id = pc.channel_id WHERE pc.pair_id = OLD.pair_id AND c.platform = gone) THEN
    DELETE FROM pair_facet WHERE pair_id = OLD.pair_id AND facet = 'platform:' || gone;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER pair_facet_channel_removed AFTER DELETE ON pair_channel FOR EACH ROW EXECUTE FUNCTION pair_facet_channel_removed();
`,
};
