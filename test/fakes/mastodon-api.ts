// A loopback stand-in for one Mastodon instance's REST API, for the endpoints Tandem uses, as
// Mastodon documents and behaves (docs.joinmastodon.org, Mastodon 4.3):
// - Bearer tokens; an unknown or missing one is 401 {"error":"The access token is invalid"};
//   GET /api/v2/instance is public, as on a real instance, and so are a public status and an
//   account's public statuses to a request without an Authorization header (an invalid token is
//   still 401, as Doorkeeper answers);
// - POST /api/v2/media takes multipart form data (file, description, focus; thumbnail accepted
//   and ignored), checks the file's real type, size and description length, and answers 200 when
//   processed or 202 while processing;
//   GET /api/v1/media/:id answers 206 until it is processed;
// - POST /api/v1/statuses takes JSON, urlencoded or multipart bodies, validates them as
//   PostStatusService does (422 {"error":"Validation failed: …"}; 404 for an in_reply_to_id it
//   cannot find), keeps sensitive, spoiler_text and in_reply_to_id, and honours Idempotency-Key
//   per account for an hour (poll and scheduled_at are not modelled);
// - statuses are rendered to HTML as Mastodon's TextFormatter does: escaped, paragraphs and
//   line breaks, links, hashtags and mentions as <a>;
// - GET /api/v1/accounts/:id/statuses pages newest first with max_id/since_id/min_id and a Link
//   header (rel="next" only after a full page, as Mastodon does).
// Faults can be queued per account, like FakeX's.
import http from 'node:http';
import { LoopbackServer } from './loopback';

export interface FakeMastodonAccount {
  id: string;
  username: string;
  displayName: string;
  accessToken: string;
}

/** What /api/v2/instance reports under configuration; `descriptionLimit` only from Mastodon 4.4. */
export interface FakeInstanceConfig {
  maxCharacters: number;
  maxMediaAttachments: number;
  charactersReservedPerUrl: number;
  imageSizeLimit: number;
  supportedMimeTypes: string[];
  descriptionLimit?: number;
}

export interface FakeMedia {
  id: string;
  accountId: string;
  bytes: Buffer;
  /** The type the client declared for the file part. */
  mime: string;
  filename: string;
  description: string | null;
  /** The focal point from `focus` ("x,y", each -1.0 to 1.0), if one was given. */
  focus: { x: number; y: number } | null;
  /** Polls still to be answered 206 (processing). */
  pendingPolls: number;
  statusId: string | null;
}

export interface FakeStatus {
  id: string;
  accountId: string;
  text: string;
  language: string | null;
  visibility: string;
  sensitive: boolean;
  spoilerText: string;
  inReplyToId: string | null;
  mediaIds: string[];
  /** Epoch ms. */
  createdAt: number;
  idempotencyKey: string | null;
  favourites: number;
  reblogs: number;
  replies: number;
  /** The request as received, for tests that check what was sent. */
  contentType: string | undefined;
  body: unknown;
}

export interface Fault {
  /** The status to answer with; without one, the request is handled normally after `delayMs`. */
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Delay before answering (or handling), in ms. */
  delayMs?: number;
  /** Only for requests to this path (exact) or matching this pattern; default any request. */
  path?: string | RegExp;
}

export interface FakeRequest {
  method: string;
  path: string;
  search: string;
  username: string | null;
  status: number;
}

/** Mastodon's defaults (4.3): 500 characters, 4 images of 16 MB, URLs count 23. */
export const defaultInstanceConfig: FakeInstanceConfig = {
  maxCharacters: 500,
  maxMediaAttachments: 4,
  charactersReservedPerUrl: 23,
  imageSizeLimit: 16 * 1024 * 1024,
  supportedMimeTypes: [
    'image/jpeg', 'image/png', 'image/gif', 'image/heic', 'image/heif', 'image/webp', 'image/avif',
    'video/webm', 'video/mp4', 'video/quicktime', 'video/ogg',
    'audio/wave', 'audio/wav', 'audio/x-wav', 'audio/x-pn-wave', 'audio/vnd.wave', 'audio/ogg', 'audio/vorbis',
    'audio/mpeg', 'audio/mp3', 'audio/webm', 'audio/flac', 'audio/aac', 'audio/m4a', 'audio/x-m4a', 'audio/mp4',
    'audio/3gpp', 'video/x-ms-asf',
  ],
};

/** How long Mastodon remembers an Idempotency-Key (PostStatusService: 3,600 s). */
const IDEMPOTENCY_MS = 3_600_000;
const DEFAULT_PAGE = 20;

export class FakeMastodon extends LoopbackServer {
  readonly statuses: FakeStatus[] = [];
  readonly media: FakeMedia[] = [];
  readonly requests: FakeRequest[] = [];
  /** Every POST /api/v1/statuses that reached the fake with a valid token, whatever it answered. */
  statusRequests = 0;
  instance: FakeInstanceConfig = { ...defaultInstanceConfig, supportedMimeTypes: [...defaultInstanceConfig.supportedMimeTypes] };
  /**
   * For uploads from now on: how many GET /api/v1/media/:id polls answer 206 (still processing)
   * before the image is ready. Above 0, the upload itself answers 202. Infinity: never ready.
   */
  processingPolls = 0;
  /** Whether GET /api/v2/instance exists (Mastodon before 4.0 answers 404). */
  hasInstanceV2 = true;
  /**
   * Whether a repeated Idempotency-Key returns the first status. Off, a resend makes a second
   * status, so a test can count duplicates instead of having them hidden (the key is forgotten
   * after an hour anyway).
   */
  honoursIdempotencyKey = true;
  /**
   * The `url` the instance gives its statuses: its own page (Mastodon's default), none (allowed by
   * the API: `url` is nullable), or a page on another host.
   */
  statusUrl: 'own' | 'none' | 'elsewhere' = 'own';
  private readonly accounts = new Map<string, FakeMastodonAccount>();
  private readonly faults = new Map<string, Fault[]>();
  private readonly idempotency = new Map<string, { statusId: string; at: number }>();
  private sequence = 0;
  private accountCounter = 0;

  /** An account with a fresh random token. */
  addAccount(username: string, displayName = username): FakeMastodonAccount {
    this.accountCounter++;
    const account: FakeMastodonAccount = {
      id: String(109_000_000_000_000_000n + BigInt(this.accountCounter)),
      username,
      displayName,
      accessToken: `token-${this.accountCounter}-${Math.random().toString(36).slice(2)}`,
    };
    this.accounts.set(account.accessToken, account);
    return account;
  }

  /** Answer the next `times` requests made with this account's token with `fault`. */
  failNext(username: string, fault: Fault, times = 1): void {
    const queue = this.faults.get(username) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(username, queue);
  }

  statusesBy(username: string): FakeStatus[] {
    const account = [...this.accounts.values()].find((a) => a.username === username);
    return this.statuses.filter((s) => s.accountId === account?.id);
  }

  /** A status made without a request (as if posted from the web), `createdAt` as given. */
  seedStatus(account: FakeMastodonAccount, text: string, createdAt = Date.now()): FakeStatus {
    const status: FakeStatus = {
      id: this.snowflake(createdAt),
      accountId: account.id,
      text: text.trim(),
      language: null,
      visibility: 'public',
      sensitive: false,
      spoilerText: '',
      inReplyToId: null,
      mediaIds: [],
      createdAt,
      idempotencyKey: null,
      favourites: 0,
      reblogs: 0,
      replies: 0,
      contentType: undefined,
      body: undefined,
    };
    this.statuses.push(status);
    return status;
  }

  /** The status as Mastodon would return it (snake_case JSON), for tests. */
  renderStatus(status: FakeStatus): Record<string, unknown> {
    return this.statusJson(status);
  }



  /** Mastodon's ids: milliseconds since the epoch shifted 16 bits, then a sequence. */
  private snowflake(at: number): string {
    this.sequence = (this.sequence + 1) & 0xffff;
    return String((BigInt(at) << 16n) | BigInt(this.sequence));
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const account = this.authenticate(req);

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname, search: url.search, username: account?.username ?? null, status });
      if (res.destroyed) return;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        ...(account ? rateLimitHeaders() : {}),
        ...headers,
      });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const error = (status: number, message: string, headers?: Record<string, string>) => send(status, { error: message }, headers);

    if (account) {
      const queue = this.faults.get(account.username) ?? [];
      const index = queue.findIndex((f) => matches(f.path, url.pathname));
      const fault = index >= 0 ? queue.splice(index, 1)[0] : undefined;
      if (fault) {
        if (fault.delayMs) await sleep(fault.delayMs);
        if (fault.status !== undefined) {
          return send(fault.status, fault.body ?? { error: 'Injected fault' }, fault.headers);
        }
      }
    }

    if (method === 'GET' && url.pathname === '/api/v2/instance') {
      if (!this.hasInstanceV2) return error(404, 'Not Found');
      return send(200, this.instanceJson());
    }

    // Public reads: a status, and an account's statuses, need no token (Mastodon 2.7), but a
    // token that is sent must be valid (authorize_if_got_token!).
    const timeline = /^\/api\/v1\/accounts\/([^/]+)\/statuses$/.exec(url.pathname);
    const single = /^\/api\/v1\/statuses\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && (timeline || single) && (account || req.headers.authorization === undefined)) {
      if (timeline) return this.listStatuses(url, timeline[1]!, account, send, error);
      const status = this.statuses.find((s) => s.id === single![1] && this.visibleTo(s, account));
      if (!status) return error(404, 'Record not found');
      return send(200, this.statusJson(status));
    }

    if (!account) {
      return error(401, 'The access token is invalid', {
        'www-authenticate': 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"',
      });
    }

    if (method === 'GET' && url.pathname === '/api/v1/accounts/verify_credentials') {
      return send(200, {
        ...this.accountJson(account),
        source: {
          privacy: 'public', sensitive: false, language: null, note: '', fields: [], follow_requests_count: 0,
          discoverable: true, hide_collections: false, indexable: false,
        },
        // A user without a role has the built-in "everyone" role.
        role: { id: '-99', name: '', color: '', permissions: '65536', highlighted: false },
      });
    }

    if (method === 'POST' && url.pathname === '/api/v2/media') return this.upload(req, raw, account, send, error);

    const mediaPath = /^\/api\/v1\/media\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && mediaPath) {
      // Mastodon looks only among the account's own media not yet attached to a status.
      const media = this.media.find((m) => m.id === mediaPath[1] && m.accountId === account.id && m.statusId === null);
      if (!media) return error(404, 'Record not found');
      if (media.pendingPolls > 0) {
        const processing = this.mediaJson(media);
        media.pendingPolls--;
        return send(206, processing);
      }
      return send(200, this.mediaJson(media));
    }

    if (method === 'POST' && url.pathname === '/api/v1/statuses') {
      this.statusRequests++;
      return this.createStatus(req, raw, account, send, error);
    }

    return error(404, 'Not Found');
  }

  /** Whether a status shows to this viewer (none: anonymous): its author sees all, others public and unlisted. */
  private visibleTo(status: FakeStatus, viewer: FakeMastodonAccount | undefined): boolean {
    return status.accountId === viewer?.id || status.visibility === 'public' || status.visibility === 'unlisted';
  }

  private authenticate(req: http.IncomingMessage): FakeMastodonAccount | undefined {
    const match = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '');
    return match ? this.accounts.get(match[1]!) : undefined;
  }

  private async upload(req: http.IncomingMessage, raw: Buffer, account: FakeMastodonAccount, send: Send, error: ErrorSend): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data')) return error(422, 'Validation failed: File can\'t be blank');
    let form: FormData;
    try {
      form = await new Request(this.url, { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    } catch {
      return error(400, 'Error occurred while parsing request parameters');
    }
    const file = form.get('file');
    if (!(file instanceof Blob)) return error(422, 'Validation failed: File can\'t be blank');
    const bytes = Buffer.from(await file.arrayBuffer());
    const declared = file.type;
    const description = form.get('description');
    const alt = typeof description === 'string' ? description : null;
    // focus: "x,y", each from -1.0 to 1.0; anything else is ignored, as Mastodon does.
    const focusParam = form.get('focus');
    const [fx, fy] = typeof focusParam === 'string' ? focusParam.split(',').map(Number) : [];
    const focus = fx !== undefined && fy !== undefined && [fx, fy].every((v) => Number.isFinite(v) && Math.abs(v) <= 1) ? { x: fx, y: fy } : null;

    // As Paperclip does: the contents decide the type, and must agree with the declared one.
    const sniffed = sniff(bytes);
    if (!sniffed || !this.instance.supportedMimeTypes.includes(sniffed)) {
      return error(422, 'Validation failed: File content type is invalid, File is invalid');
    }
    if (declared && declared !== 'application/octet-stream' && declared !== sniffed) {
      return error(422, 'Validation failed: File has contents that are not what they are reported to be');
    }
    if (bytes.length > this.instance.imageSizeLimit) {
      return error(422, `Validation failed: File file size must be less than ${Math.round(this.instance.imageSizeLimit / 1024 / 1024)} MB`);
    }
    const descriptionLimit = this.instance.descriptionLimit ?? 1_500;
    if (alt !== null && [...alt].length > descriptionLimit) {
      return error(422, `Validation failed: Description is too long (maximum is ${descriptionLimit} characters)`);
    }
    const media: FakeMedia = {
      id: this.snowflake(Date.now()),
      accountId: account.id,
      bytes,
      mime: declared,
      filename: file instanceof File ? file.name : 'blob',
      description: alt,
      focus,
      pendingPolls: this.processingPolls,
      statusId: null,
    };
    this.media.push(media);
    return send(media.pendingPolls > 0 ? 202 : 200, this.mediaJson(media));
  }

  private async createStatus(req: http.IncomingMessage, raw: Buffer, account: FakeMastodonAccount, send: Send, error: ErrorSend): Promise<void> {
    const contentType = req.headers['content-type'];
    const params = await readParams(contentType, raw, this.url);
    if (typeof params === 'string') return error(400, params);

    // The controller finds the status replied to first (set_thread): one it cannot find, or the
    // account may not see, is 404 before the service runs.
    const replyTo = params.in_reply_to_id === undefined || params.in_reply_to_id === null || params.in_reply_to_id === '' ? null : String(params.in_reply_to_id);
    const thread = replyTo === null ? undefined : this.statuses.find((s) => s.id === replyTo && this.visibleTo(s, account));
    if (replyTo !== null && !thread) return error(404, 'The post you are trying to reply to does not appear to exist.');

    // PostStatusService checks the key before anything else: a repeat is answered with the
    // status the first request made, whatever this request says.
    const key = header(req, 'idempotency-key');
    const remembered = key && this.honoursIdempotencyKey ? this.idempotency.get(`${account.id}:${key}`) : undefined;
    if (remembered && Date.now() - remembered.at < IDEMPOTENCY_MS) {
      const earlier = this.statuses.find((s) => s.id === remembered.statusId);
      if (earlier) return send(200, this.statusJson(earlier));
    }

    const text = typeof params.status === 'string' ? params.status.trim() : '';
    const mediaIds = params.media_ids === undefined ? [] : params.media_ids;
    if (!Array.isArray(mediaIds) || mediaIds.some((m) => typeof m !== 'string' && typeof m !== 'number')) {
      return error(422, 'Validation failed: Media ids is invalid');
    }
    const ids = mediaIds.map(String);
    if (ids.length > this.instance.maxMediaAttachments) {
      return error(422, `Cannot attach more than ${this.instance.maxMediaAttachments} files`);
    }
    const attached = ids.map((id) => this.media.find((m) => m.id === id && m.accountId === account.id && m.statusId === null));
    const missing = ids.filter((_, i) => !attached[i]);
    if (missing.length > 0) return error(422, `Media with ID(s) ${missing.join(', ')} was not found`);
    if (attached.some((m) => m!.pendingPolls > 0)) {
      return error(422, 'Cannot attach files that have not finished processing. Try again in a moment!');
    }
    if (text === '' && ids.length === 0) return error(422, "Validation failed: Text can't be blank");
    if (mastodonLength(text, this.instance.charactersReservedPerUrl) > this.instance.maxCharacters) {
      return error(422, `Validation failed: Text character limit of ${this.instance.maxCharacters} exceeded`);
    }
    const visibility = params.visibility ?? 'public';
    if (typeof visibility !== 'string' || !['public', 'unlisted', 'private', 'direct'].includes(visibility)) {
      return error(422, `'${String(visibility)}' is not a valid visibility`);
    }
    // Mastodon keeps a language it knows and otherwise drops it, without refusing the post.
    const language = typeof params.language === 'string' && /^[a-z]{2}$/.test(params.language) ? params.language : null;
    const spoilerText = typeof params.spoiler_text === 'string' ? params.spoiler_text : '';
    // Rails' boolean casting; a content warning makes the status sensitive (PostStatusService).
    const sensitive = railsBoolean(params.sensitive) || spoilerText !== '';

    const createdAt = Date.now();
    const status: FakeStatus = {
      id: this.snowflake(createdAt),
      accountId: account.id,
      text,
      language,
      visibility,
      sensitive,
      spoilerText,
      inReplyToId: thread?.id ?? null,
      mediaIds: ids,
      createdAt,
      idempotencyKey: key ?? null,
      favourites: 0,
      reblogs: 0,
      replies: 0,
      contentType,
      body: params,
    };
    for (const media of attached) media!.statusId = status.id;
    if (thread) thread.replies++;
    this.statuses.push(status);
    if (key) this.idempotency.set(`${account.id}:${key}`, { statusId: status.id, at: createdAt });
    return send(200, this.statusJson(status));
  }

  private listStatuses(url: URL, accountId: string, viewer: FakeMastodonAccount | undefined, send: Send, error: ErrorSend): void {
    const owner = [...this.accounts.values()].find((a) => a.id === accountId);
    if (!owner) return error(404, 'Record not found');
    const query = url.searchParams;
    // limit_param: the default unless given, never more than twice the default.
    const limit = query.has('limit') ? Math.max(1, Math.min(Math.abs(Number.parseInt(query.get('limit')!, 10) || 0), DEFAULT_PAGE * 2)) : DEFAULT_PAGE;
    const maxId = query.get('max_id');
    const sinceId = query.get('since_id');
    const minId = query.get('min_id');
    let mine = this.statuses
      .filter((s) => s.accountId === accountId && this.visibleTo(s, viewer))
      .filter((s) => (maxId ? BigInt(s.id) < BigInt(maxId) : true))
      .filter((s) => (sinceId ? BigInt(s.id) > BigInt(sinceId) : true))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    // min_id: the page just newer than it (oldest first, then shown newest first).
    if (minId) mine = mine.filter((s) => BigInt(s.id) > BigInt(minId)).slice(-limit);
    const page = mine.slice(0, limit);

    const headers: Record<string, string> = {};
    if (page.length > 0) {
      const keep = new URLSearchParams();
      for (const name of ['limit', 'only_media', 'exclude_replies', 'exclude_reblogs', 'pinned', 'tagged']) {
        const value = query.get(name);
        if (value !== null) keep.set(name, value);
      }
      const link = (extra: Record<string, string>) => {
        const params = new URLSearchParams(keep);
        for (const [k, v] of Object.entries(extra)) params.set(k, v);
        return `${this.url}/api/v1/accounts/${accountId}/statuses?${params}`;
      };
      const links: string[] = [];
      // As Mastodon's records_continue?: a next page only after a full one.
      if (page.length === limit) links.push(`<${link({ max_id: page.at(-1)!.id })}>; rel="next"`);
      links.push(`<${link({ min_id: page[0]!.id })}>; rel="prev"`);
      headers.link = links.join(', ');
    }
    return send(200, page.map((s) => this.statusJson(s)), headers);
  }

  private instanceJson(): Record<string, unknown> {
    const host = new URL(this.url).host;
    const c = this.instance;
    return {
      domain: host,
      title: 'Fake Mastodon',
      version: '4.3.0',
      source_url: 'https://github.com/mastodon/mastodon',
      description: 'A loopback stand-in for tests.',
      usage: { users: { active_month: this.accounts.size } },
      thumbnail: { url: `${this.url}/packs/media/images/preview.png` },
      languages: ['en', 'fr'],
      configuration: {
        urls: { streaming: this.url.replace(/^http/, 'ws') },
        vapid: { public_key: '' },
        accounts: { max_featured_tags: 10, max_pinned_statuses: 5 },
        statuses: {
          max_characters: c.maxCharacters,
          max_media_attachments: c.maxMediaAttachments,
          characters_reserved_per_url: c.charactersReservedPerUrl,
        },
        media_attachments: {
          supported_mime_types: c.supportedMimeTypes,
          ...(c.descriptionLimit !== undefined ? { description_limit: c.descriptionLimit } : {}),
          image_size_limit: c.imageSizeLimit,
          image_matrix_limit: 33_177_600,
          video_size_limit: 103_809_024,
          video_frame_rate_limit: 120,
          video_matrix_limit: 8_294_400,
        },
        polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2_629_746 },
        translation: { enabled: false },
      },
      registrations: { enabled: false, approval_required: false, message: null },
      api_versions: { mastodon: 2 },
      contact: { email: `admin@${new URL(this.url).hostname}`, account: null },
      rules: [],
    };
  }

  private accountJson(account: FakeMastodonAccount): Record<string, unknown> {
    return {
      id: account.id,
      username: account.username,
      acct: account.username,
      display_name: account.displayName,
      locked: false,
      bot: false,
      discoverable: true,
      group: false,
      created_at: '2023-01-01T00:00:00.000Z',
      note: '',
      url: `${this.url}/@${account.username}`,
      uri: `${this.url}/users/${account.username}`,
      avatar: `${this.url}/avatars/original/missing.png`,
      avatar_static: `${this.url}/avatars/original/missing.png`,
      header: `${this.url}/headers/original/missing.png`,
      header_static: `${this.url}/headers/original/missing.png`,
      followers_count: 0,
      following_count: 0,
      statuses_count: this.statuses.filter((s) => s.accountId === account.id).length,
      last_status_at: null,
      emojis: [],
      fields: [],
    };
  }

  private mediaJson(media: FakeMedia): Record<string, unknown> {
    const processed = media.pendingPolls === 0;
    const extension = media.mime.replace(/^image\//, '').replace('jpeg', 'jpg');
    const file = (style: string) => `${this.url}/system/media_attachments/files/${media.id}/${style}/${media.id}.${extension}`;
    const size = dimensions(media.bytes);
    return {
      id: media.id,
      type: 'image',
      url: processed ? file('original') : null,
      preview_url: file('small'),
      remote_url: null,
      preview_remote_url: null,
      text_url: null,
      meta: {
        ...(media.focus ? { focus: media.focus } : {}),
        ...(processed && size ? { original: { ...size, size: `${size.width}x${size.height}`, aspect: size.width / size.height } } : {}),
      },
      description: media.description,
      blurhash: processed ? 'UFBWY:8_0Jxv~qRjM{xu-;j[j[ayWBj[ayay' : null,
    };
  }

  private statusJson(status: FakeStatus): Record<string, unknown> {
    const account = [...this.accounts.values()].find((a) => a.id === status.accountId)!;
    return {
      id: status.id,
      created_at: new Date(status.createdAt).toISOString(),
      in_reply_to_id: status.inReplyToId,
      in_reply_to_account_id: status.inReplyToId === null ? null : (this.statuses.find((s) => s.id === status.inReplyToId)?.accountId ?? null),
      sensitive: status.sensitive,
      spoiler_text: status.spoilerText,
      visibility: status.visibility,
      language: status.language,
      uri: `${this.url}/users/${account.username}/statuses/${status.id}`,
      url:
        this.statusUrl === 'own'
          ? `${this.url}/@${account.username}/${status.id}`
          : this.statusUrl === 'none'
            ? null
            : `https://elsewhere.example/@${account.username}/${status.id}`,
      replies_count: status.replies,
      reblogs_count: status.reblogs,
      favourites_count: status.favourites,
      edited_at: null,
      favourited: false,
      reblogged: false,
      muted: false,
      bookmarked: false,
      pinned: false,
      content: this.render(status.text),
      filtered: [],
      reblog: null,
      application: { name: 'Tandem', website: null },
      account: this.accountJson(account),
      media_attachments: status.mediaIds.map((id) => this.mediaJson(this.media.find((m) => m.id === id)!)),
      // Not modelled: the rendered content carries them.
      mentions: [],
      tags: [],
      emojis: [],
      card: null,
      poll: null,
    };
  }

  /**
   * Mastodon's TextFormatter: text escaped; URLs, hashtags and mentions linked (a mention of a
   * remote account shown as @user); blank lines make paragraphs, single newlines <br />.
   */
  private render(text: string): string {
    let html = '';
    let cursor = 0;
    for (const match of text.matchAll(entityPattern)) {
      let token = match[0];
      const start = match.index;
      let trailing = '';
      if (/^https?:/.test(token)) {
        // The URL extractor leaves closing punctuation to the sentence.
        const cut = /[.,:;!?'")\]]+$/.exec(token);
        if (cut && !(cut[0].startsWith(')') && token.includes('('))) {
          trailing = cut[0];
          token = token.slice(0, -cut[0].length);
        }
      }
      html += escape(text.slice(cursor, start)) + this.link(token) + escape(trailing);
      cursor = start + match[0].length;
    }
    html += escape(text.slice(cursor));
    return html
      .replace(/\r\n?/g, '\n')
      .split(/\n{2,}/)
      .map((paragraph) => `<p>${paragraph.replace(/\n/g, '<br />')}</p>`)
      .join('');
  }

  private link(token: string): string {
    if (token.startsWith('#')) {
      const tag = token.slice(1);
      return `<a href="${this.url}/tags/${encodeURIComponent(tag.toLowerCase())}" class="mention hashtag" rel="tag">#<span>${escape(tag)}</span></a>`;
    }
    if (token.startsWith('@')) {
      const [, user, domain] = /^@(\w+)(?:@(.+))?$/.exec(token)!;
      const local = !domain && [...this.accounts.values()].some((a) => a.username.toLowerCase() === user!.toLowerCase());
      if (!domain && !local) return escape(token);
      const href = domain ? `https://${domain}/@${user}` : `${this.url}/@${user}`;
      return `<span class="h-card" translate="no"><a href="${escape(href)}" class="u-url mention">@<span>${escape(user!)}</span></a></span>`;
    }
    const [, prefix = '', rest = ''] = /^(https?:\/\/(?:www\.)?)(.*)$/.exec(token) ?? [];
    const shown = rest.slice(0, 30);
    return (
      `<a href="${escape(token)}" target="_blank" rel="nofollow noopener" translate="no">` +
      `<span class="invisible">${escape(prefix)}</span>` +
      `<span class="${rest.length > 30 ? 'ellipsis' : ''}">${escape(shown)}</span>` +
      `<span class="invisible">${escape(rest.slice(30))}</span></a>`
    );
  }
}

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;
type ErrorSend = (status: number, message: string, headers?: Record<string, string>) => void;

const entityPattern = /https?:\/\/[^\s<>"]+|(?<![\w/)=])#[\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*|(?<![\w/@])@\w+(?:@[\w.-]+\w)?/gu;

/** As StatusLengthValidator counts: each URL as the reserved length, a remote mention as @user, graphemes. */
export function mastodonLength(text: string, urlLength: number): number {
  const countable = text
    .replace(/https?:\/\/[^\s<>"]+/g, (url) => {
      const trailing = /[.,:;!?'"]+$/.exec(url)?.[0] ?? '';
      return 'x'.repeat(urlLength) + trailing;
    })
    .replace(/(?<![\w/])@(\w+)@[\w.-]+\w/g, '@$1');
  let count = 0;
  for (const _ of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(countable)) count++;
  return count;
}

/** ERB::Util.html_escape, as Rails escapes. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Status parameters from a JSON, urlencoded or multipart body, Rails style (`media_ids[]`). */
async function readParams(contentType: string | undefined, raw: Buffer, base: string): Promise<Record<string, unknown> | string> {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length === 0) return {};
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // Answered below, as Rails does.
    }
    return 'Error occurred while parsing request parameters';
  }
  let entries: [string, unknown][];
  if (type === 'application/x-www-form-urlencoded') {
    entries = [...new URLSearchParams(raw.toString('utf8'))];
  } else if (type === 'multipart/form-data') {
    try {
      const form = await new Request(base, { method: 'POST', headers: { 'content-type': contentType! }, body: raw }).formData();
      entries = [...form];
    } catch {
      return 'Error occurred while parsing request parameters';
    }
  } else {
    return {};
  }
  const params: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    if (name.endsWith('[]')) {
      const key = name.slice(0, -2);
      const list = Array.isArray(params[key]) ? (params[key] as unknown[]) : [];
      params[key] = [...list, value];
    } else {
      params[name] = value;
    }
  }
  return params;
}

/** ActiveModel::Type::Boolean: absent and blank are nil (false here); these strings are false; the rest true. */
function railsBoolean(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (typeof value === 'boolean') return value;
  return !['0', 'f', 'false', 'off'].includes(String(value).toLowerCase());
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function matches(path: Fault['path'], pathname: string): boolean {
  if (path === undefined) return true;
  return typeof path === 'string' ? path === pathname : path.test(pathname);
}

/** Mastodon's rate-limit headers; the reset is an ISO date. */
function rateLimitHeaders(): Record<string, string> {
  return {
    'x-ratelimit-limit': '300',
    'x-ratelimit-remaining': '299',
    'x-ratelimit-reset': new Date(Math.ceil(Date.now() / 300_000) * 300_000).toISOString(),
  };
}

/** The type the bytes really are, by their magic numbers. */
function sniff(bytes: Buffer): string | null {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const head = bytes.subarray(0, 12).toString('latin1');
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'image/gif';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/** Width and height of a PNG or GIF, for the attachment's meta. */
function dimensions(bytes: Buffer): { width: number; height: number } | null {
  if (sniff(bytes) === 'image/png' && bytes.length >= 24) return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  if (sniff(bytes) === 'image/gif' && bytes.length >= 10) return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Credentials for the adapter, for one of the fake's accounts. */
export function credentialsOf(fake: FakeMastodon, account: FakeMastodonAccount) {
  return { platform: 'mastodon' as const, instance: fake.url, accessToken: account.accessToken };
}
