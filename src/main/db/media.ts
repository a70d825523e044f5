// Image files (media_blob, stored once by content: id is the sha256 of the bytes) and the images
// each pair has, in order (pair_media). The bytes are a BLOB on SQLite and a BYTEA on PostgreSQL;
// both hand them back as a Buffer.
import type { MediaFile, PairMedia } from '../../shared/domain';
import type { MediaUpload } from '../platforms/types';
import type { Sql } from './sql';

interface BlobRow {
  id: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
}

/** One image of a pair with both its files, as one row. */
export interface PairMediaRow {
  alt_en: string;
  alt_fr: string;
  en_id: string;
  en_mime: string;
  en_bytes: number;
  en_width: number;
  en_height: number;
  fr_id: string;
  fr_mime: string;
  fr_bytes: number;
  fr_width: number;
  fr_height: number;
}

interface UploadRow {
  mime: string;
  width: number;
  height: number;
  data: Buffer;
  alt: string;
}

export interface NewBlob extends MediaFile {
  data: Buffer;
  /** When it was uploaded (or uploaded again). */
  at: number;
}

/** An image of a pair as stored: its two files by id and the alt text, already trimmed. */
export interface PairMediaItem {
  en: string;
  fr: string;
  altEn: string;
  altFr: string;
}

const toFile = (row: BlobRow): MediaFile => ({
  id: row.id,
  mime: row.mime,
  bytes: row.bytes,
  width: row.width,
  height: row.height,
});

const fileOf = (row: PairMediaRow, side: 'en' | 'fr'): MediaFile => ({
  id: row[`${side}_id`],
  mime: row[`${side}_mime`],
  bytes: row[`${side}_bytes`],
  width: row[`${side}_width`],
  height: row[`${side}_height`],
});

/**
 * Stores a file; the same bytes uploaded again are kept once, their upload time renewed (so an
 * orphan re-uploaded is not swept from under the draft that now uses it).
 */
export async function saveBlob(sql: Sql, blob: NewBlob): Promise<void> {
  await sql.run(
    `INSERT INTO media_blob (id, mime, bytes, width, height, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at`,
    [blob.id, blob.mime, blob.bytes, blob.width, blob.height, blob.data, blob.at],
  );
}

/** A file's description, without its bytes. */
export async function getFile(sql: Sql, id: string): Promise<MediaFile | undefined> {
  const row = await sql.get<BlobRow>('SELECT id, mime, bytes, width, height FROM media_blob WHERE id = ?', [id]);
  return row && toFile(row);
}

/** A file's bytes. */
export async function blobData(sql: Sql, id: string): Promise<Buffer | undefined> {
  return sql.value<Buffer>('SELECT data FROM media_blob WHERE id = ?', [id]);
}

/** The pairs that show this file, on either language. */
export async function pairsUsing(sql: Sql, id: string): Promise<string[]> {
  const rows = await sql.all<{ pair_id: string }>(
    'SELECT DISTINCT pair_id FROM pair_media WHERE en_blob = ? OR fr_blob = ?',
    [id, id],
  );
  return rows.map((row) => row.pair_id);
}

/** Marks a file as in use now (an unsaved draft showing it), so the sweep leaves it alone. */
export async function touchBlob(sql: Sql, id: string, at: number): Promise<void> {
  await sql.run('UPDATE media_blob SET created_at = ? WHERE id = ?', [at, id]);
}

/** A pair's images in position order, both files of each: one query. */
export async function pairMedia(sql: Sql, pairId: string): Promise<PairMedia[]> {
  const rows = await sql.all<PairMediaRow>(
    `SELECT pm.alt_en, pm.alt_fr,
       e.id AS en_id, e.mime AS en_mime, e.bytes AS en_bytes, e.width AS en_width, e.height AS en_height,
       f.id AS fr_id, f.mime AS fr_mime, f.bytes AS fr_bytes, f.width AS fr_width, f.height AS fr_height
     FROM pair_media pm JOIN media_blob e ON e.id = pm.en_blob JOIN media_blob f ON f.id = pm.fr_blob
     WHERE pm.pair_id = ? ORDER BY pm.position`,
    [pairId],
  );
  return rows.map(pairMediaOf);
}

/** The image a row describes, with its file in each language. */
export function pairMediaOf(row: PairMediaRow): PairMedia {
  return { en: fileOf(row, 'en'), fr: fileOf(row, 'fr'), altEn: row.alt_en, altFr: row.alt_fr };
}

/** Replaces a pair's images with these, in this order; the caller's transaction holds the two together. */
export async function replacePairMedia(sql: Sql, pairId: string, media: readonly PairMediaItem[]): Promise<void> {
  await sql.run('DELETE FROM pair_media WHERE pair_id = ?', [pairId]);
  for (const [position, item] of media.entries()) {
    await sql.run(
      'INSERT INTO pair_media (pair_id, position, en_blob, fr_blob, alt_en, alt_fr) VALUES (?, ?, ?, ?, ?, ?)',
      [pairId, position, item.en, item.fr, item.altEn, item.altFr],
    );
  }
}

// One statement per language: the column names differ, not the parameters.
const uploadsSql = {
  en: `SELECT b.mime, b.width, b.height, b.data, pm.alt_en AS alt
       FROM pair_media pm JOIN media_blob b ON b.id = pm.en_blob WHERE pm.pair_id = ? ORDER BY pm.position`,
  fr: `SELECT b.mime, b.width, b.height, b.data, pm.alt_fr AS alt
       FROM pair_media pm JOIN media_blob b ON b.id = pm.fr_blob WHERE pm.pair_id = ? ORDER BY pm.position`,
};

/** One side of a pair's images with their bytes, in position order, as the adapters send them. */
export async function pairUploads(sql: Sql, pairId: string, lang: 'en' | 'fr'): Promise<MediaUpload[]> {
  const rows = await sql.all<UploadRow>(uploadsSql[lang], [pairId]);
  return rows.map((row) => ({
    bytes: new Uint8Array(row.data),
    mime: row.mime,
    alt: row.alt,
    width: row.width,
    height: row.height,
  }));
}

// Approval evidence lists the images approved as JSON text [{en, fr, altEn, altFr}]: SQLite reads
// it with json_each/json_extract, PostgreSQL casts it to json and takes each element's fields.
const sweepSql = {
  sqlite: `DELETE FROM media_blob WHERE created_at < ?
     AND NOT EXISTS (SELECT 1 FROM pair_media WHERE en_blob = media_blob.id OR fr_blob = media_blob.id)
     AND NOT EXISTS (SELECT 1 FROM approval, json_each(approval.media) AS item
       WHERE json_extract(item.value, '$.en') = media_blob.id OR json_extract(item.value, '$.fr') = media_blob.id)`,
  postgres: `DELETE FROM media_blob WHERE created_at < ?
     AND NOT EXISTS (SELECT 1 FROM pair_media WHERE en_blob = media_blob.id OR fr_blob = media_blob.id)
     AND NOT EXISTS (SELECT 1 FROM approval, json_array_elements(CAST(approval.media AS json)) AS item(value)
       WHERE item.value ->> 'en' = media_blob.id OR item.value ->> 'fr' = media_blob.id)`,
};

/**
 * Removes files uploaded (or last touched) before `before` that no pair uses and no approval
 * names as evidence; returns how many.
 */
export async function sweepOrphans(sql: Sql, before: number): Promise<number> {
  return sql.run(sweepSql, [before]);
}
