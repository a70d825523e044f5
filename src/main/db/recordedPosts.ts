// Which links are posts Tandem published: the only links off the platforms' own hosts (a
// Mastodon instance can be any host) that may open in the browser.
import type { Sql } from './sql';

export async function isRecordedPostUrl(sql: Sql, url: string): Promise<boolean> {
  return (await sql.value<number>('SELECT 1 FROM delivery WHERE remote_url = ? LIMIT 1', [url])) !== undefined;
}
