// The queue's filters, search and sort done by the database (issue 13, item 2), with indexes so a
// page stays fast at 100,000 pairs.
//
// `search_text` holds both texts folded for search: lower case, accents removed, runs of white
// space made one space, EN then a line break then FR (the break never matches: a search folds its
// own white space to spaces). Tandem writes it with each text (db/search.ts folds in JavaScript,
// the same on both engines). Pairs written before this version are folded here in SQL: French
// accented letters and the ligatures œ and æ, then ASCII lower case — what the JavaScript fold
// gives for French and English text; letters of other alphabets in old pairs may stay accented or
// upper case until the pair is next edited.
import { sqlFold } from '../search';

const indexes = `
-- A status filter, newest first (and oldest first: the same index read backwards).
CREATE INDEX post_pair_status ON post_pair (status, created_at, id);
-- The queue's time: when the pair is scheduled, else when it was created (sort 'scheduled', from/to).
CREATE INDEX post_pair_when ON post_pair ((coalesce(scheduled_at, created_at)), id);
-- A person's pairs: those they created, those they wrote.
CREATE INDEX post_pair_creator ON post_pair (created_by, created_at);
CREATE INDEX pair_author_person ON pair_author (username, pair_id);
-- An account pair's pairs (the filter, and who may see what).
CREATE INDEX pair_channel_channel ON pair_channel (channel_id, pair_id);
`;

const backfill = `UPDATE post_pair SET search_text = ${sqlFold('en_text')} || char(10) || ${sqlFold('fr_text')};`;

export const migration014 = {
  version: 14,
  name: 'queue',
  sql: `
ALTER TABLE post_pair ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
${backfill}
${indexes}`,
  postgres: `
ALTER TABLE post_pair ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
${backfill.replace('char(10)', 'chr(10)')}
${indexes}`,
};
