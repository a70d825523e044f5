// What each platform turns into a link, a hashtag or a mention, found the way that platform finds
// them. The composer's previews highlight these, limits.ts counts Mastodon's links and mentions
// from them, and the adapters that build what they send (LinkedIn's hashtags) use them, so the
// preview, the counter and the post cannot disagree.
//
// Sources followed, platform by platform:
// - X: twitter-text 3.1.0 itself (extractEntitiesWithIndices), the library X publishes.
// - Bluesky: @atproto/api's own detectFacets (dist/rich-text/detection.js, util.js), the very
//   function the adapter's RichText.detectFacets runs. Imported, not copied: it needs only the
//   `tlds` list (16 kB), and it works in the renderer as in main.
// - Mastodon: its published Ruby source, rewritten as JavaScript regular expressions:
//   app/lib/extractor.rb (extract_entities_with_indices, URLs without a scheme not extracted),
//   config/initializers/twitter_regex.rb (its valid_url: more schemes, any non-space path,
//   non-ASCII query strings), app/models/account.rb (USERNAME_RE, MENTION_RE), app/models/tag.rb
//   (HASHTAG_RE) and app/validators/status_length_validator.rb (what counts, and as what).
// - Facebook and LinkedIn publish no rules: links with a scheme or starting www. (trailing
//   punctuation left out), and #Word hashtags exactly as linkedin.ts sends them as hashtags.
import * as twitterTextNs from 'twitter-text';
import type { UnicodeString } from '@atproto/api';
import { detectFacets } from '@atproto/api/dist/rich-text/detection.js';
import type { Platform } from './domain';

// twitter-text ships CommonJS and an ESM build whose only export is `default`;
// take whichever shape the bundler or Node handed us.
export const twitterText: typeof twitterTextNs =
  (twitterTextNs as unknown as { default?: typeof twitterTextNs }).default ?? twitterTextNs;

export type EntityKind = 'link' | 'hashtag' | 'mention';

/** One link, hashtag or mention, at UTF-16 offsets into the text (`text.slice(start, end)`). */
export interface Entity {
  kind: EntityKind;
  start: number;
  end: number;
  /** The characters the platform turns into the link, hashtag or mention. */
  text: string;
  /** What it points to: the URL (with its scheme), the tag without #, the handle without @. */
  value: string;
}

/** The links, hashtags and mentions `platform` makes of `text`, in order, none overlapping. */
export function entities(platform: Platform, text: string): Entity[] {
  switch (platform) {
    case 'x':
      return xEntities(text);
    case 'bluesky':
      return blueskyEntities(text);
    case 'mastodon':
      return withoutOverlaps([...mastodonUrls(text), ...mastodonHashtags(text), ...mastodonMentions(text), ...mastodonExtraUris(text)]);
    case 'facebook':
    case 'linkedin':
      return withoutOverlaps([...plainLinks(text), ...plainHashtags(text)]);
  }
}

const entity = (text: string, kind: EntityKind, start: number, end: number, value: string): Entity => ({
  kind,
  start,
  end,
  text: text.slice(start, end),
  value,
});

/**
 * Sorted by start; an entity starting inside the one kept before it is dropped, as twitter-text's
 * removeOverlappingEntities (which Mastodon's extractor also calls) and Bluesky's segments() do.
 */
function withoutOverlaps(found: Entity[]): Entity[] {
  const kept: Entity[] = [];
  for (const item of [...found].sort((a, b) => a.start - b.start)) {
    const last = kept[kept.length - 1];
    if (!last || item.start >= last.end) kept.push(item);
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// X: twitter-text v3, links without a scheme included (X links canada.ca), cashtags as tags.

function xEntities(text: string): Entity[] {
  return twitterText.extractEntitiesWithIndices(text).map((found) => {
    const [start, end] = found.indices;
    if ('url' in found) return entity(text, 'link', start, end, /^[a-z][a-z0-9+.-]*:\/\//i.test(found.url) ? found.url : `https://${found.url}`);
    if ('hashtag' in found) return entity(text, 'hashtag', start, end, found.hashtag);
    if ('cashtag' in found) return entity(text, 'hashtag', start, end, `$${found.cashtag}`);
    const slug = 'listSlug' in found ? found.listSlug : '';
    return entity(text, 'mention', start, end, `${found.screenName}${slug}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Bluesky: @atproto/api's detectFacets, which the adapter's RichText.detectFacets calls.

function blueskyEntities(text: string): Entity[] {
  // detectFacets reads the text (`utf16`) and asks for UTF-8 offsets through
  // utf16IndexToUtf8Index; answering with the UTF-16 offset itself keeps every facet's
  // offsets in UTF-16. (The adapter sends real UTF-8 offsets; a test compares the two.)
  const source = { utf16: text, utf16IndexToUtf8Index: (index: number) => index } as unknown as UnicodeString;
  const found: Entity[] = [];
  for (const facet of detectFacets(source) ?? []) {
    const { byteStart: start, byteEnd: end } = facet.index;
    for (const feature of facet.features) {
      const f = feature as { $type?: string; uri?: string; did?: string; tag?: string };
      // A mention's `did` holds the handle until the adapter resolves it (a handle that does
      // not resolve is sent as plain text: the preview cannot know that offline).
      if (f.$type === 'app.bsky.richtext.facet#mention') found.push(entity(text, 'mention', start, end, f.did ?? ''));
      else if (f.$type === 'app.bsky.richtext.facet#tag') found.push(entity(text, 'hashtag', start, end, f.tag ?? ''));
      else if (f.uri !== undefined) found.push(entity(text, 'link', start, end, f.uri));
    }
  }
  return withoutOverlaps(found.filter((item) => item.start < item.end));
}

// ---------------------------------------------------------------------------------------------
// Mastodon, from its Ruby source (see the top of this file). Ruby's POSIX classes are Unicode
// there (Onigmo): [[:word:]] = Alphabetic, Mark, Decimal_Number, Connector_Punctuation;
// [[:alpha:]] = Alphabetic; [[:space:]] = White_Space.

const WORD = String.raw`\p{Alphabetic}\p{M}\p{Nd}\p{Pc}`;

// config/initializers/twitter_regex.rb, built on twitter-text's own valid_url_preceding_chars,
// valid_domain, valid_port_number and valid_url_balanced_parens (Mastodon runs the twitter-text
// 3.1 gem, the same release as the JavaScript library here). twitter-text's regexes are not
// Unicode-mode ones, so neither is this: \p{White_Space} is spelled out, and the non-BMP ranges
// of UCHARS are surrogate pairs.
const { regexen } = twitterText;
const WHITE_SPACE = String.raw`\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`;
const GENERAL_PATH_CHARS = String.raw`[^${WHITE_SPACE}<>()?]`;
// Mastodon defines valid_url_path_ending_chars before it redefines valid_url_balanced_parens,
// so the ending takes twitter-text's original balanced parentheses.
const PATH_ENDING_CHARS = String.raw`(?:[^${WHITE_SPACE}()?!*"'「」<>;:=,.$%\[\]~&|@]|(?:${regexen.validUrlBalancedParens.source}))`;
const BALANCED_PARENS = String.raw`\((?:${GENERAL_PATH_CHARS}+|(?:${GENERAL_PATH_CHARS}*\(${GENERAL_PATH_CHARS}+\)${GENERAL_PATH_CHARS}*))\)`;
/** UCHARS: U+00A0–U+10FFFD but surrogates, U+FDD0–FDEF, U+FFF0–FFFF, each plane's last two, U+E0000–E0FFF. */
const UCHARS_BMP = String.raw`\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF\uE000-\uF8FF`;
const UCHARS_ASTRAL = (() => {
  const full: string[] = [];
  const planeEnds: string[] = [];
  for (let plane = 1; plane <= 16; plane++) {
    const first = 0xd800 + (plane - 1) * 0x40 + (plane === 14 ? 4 : 0); // plane 14 from U+E1000
    const last = 0xd800 + plane * 0x40 - 1;
    full.push(`\\u${first.toString(16)}-\\u${(last - 1).toString(16)}`);
    planeEnds.push(`\\u${last.toString(16)}`);
  }
  return String.raw`[${full.join('')}][\uDC00-\uDFFF]|[${planeEnds.join('')}][\uDC00-\uDFFD]`;
})();
const QUERY_CHARS = String.raw`(?:[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@\^${UCHARS_BMP}]|${UCHARS_ASTRAL})`;
const QUERY_ENDING_CHARS = String.raw`(?:[a-z0-9_&=#/\-${UCHARS_BMP}]|${UCHARS_ASTRAL})`;
const URL_PATH = String.raw`(?:(?:${GENERAL_PATH_CHARS}*(?:${BALANCED_PARENS}${GENERAL_PATH_CHARS}*)*${PATH_ENDING_CHARS})|(?:${GENERAL_PATH_CHARS}+\/))`;
const QUERY = String.raw`\?${QUERY_CHARS}*${QUERY_ENDING_CHARS}`;
const PRECEDING = regexen.validUrlPrecedingChars.source;
const DOMAIN = regexen.validDomain.source;
const PORT = regexen.validPortNumber.source;
/** Groups: 1 before, 2 URL, 3 protocol, 4 domain. */
const mastodonUrl = new RegExp(
  String.raw`(${PRECEDING})(((?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini):\/\/)?(${DOMAIN})(?::(?:${PORT}))?(?:\/${URL_PATH}*)?(?:${QUERY})?)`,
  'gi',
);
/** twitter-text's MAX_URL_LENGTH, which its is_valid_domain checks with the domain in punycode. */
const MAX_URL_LENGTH = 4096;
const MAX_TCO_SLUG_LENGTH = 40;

/**
 * Twitter::TwitterText::Extractor#extract_urls_with_indices as Mastodon calls it
 * (extract_url_without_protocol: false): a URL needs its scheme; canada.ca alone stays text.
 */
function mastodonUrls(text: string): Entity[] {
  if (!text.includes(':')) return [];
  const found: Entity[] = [];
  for (const match of text.matchAll(mastodonUrl)) {
    const [, before = '', url = '', protocol, domain = ''] = match;
    if (!protocol) continue;
    const start = match.index + before.length;
    let value = url;
    const tco = regexen.validTcoUrl.exec(url);
    if (tco) {
      if ((tco[1] ?? '').length > MAX_TCO_SLUG_LENGTH) continue;
      value = tco[0];
    }
    if (!isValidDomain(value.length, domain)) continue;
    found.push(entity(text, 'link', start, start + value.length, value));
  }
  return found;
}

function isValidDomain(urlLength: number, domain: string): boolean {
  try {
    const ascii = new URL(`http://${domain}`).hostname;
    return urlLength + Math.max(0, ascii.length - domain.length) <= MAX_URL_LENGTH;
  } catch {
    // IDN::Idna.toASCII raising: Ruby's is_valid_domain answers false, so no link.
    return false;
  }
}

// app/models/account.rb: USERNAME_RE = /[a-z0-9_]+([.-]+[a-z0-9_]+)*/i and
// MENTION_RE = %r{(?<![=/[:word:]])@((#{USERNAME_RE})(?:@[[:word:]]+([.-]+[[:word:]]+)*)?)}.
// So @jean.tremblay@mastodon.social is one mention; courriel@canada.ca, x=@y and é@y are none.
const mentionPattern = new RegExp(
  String.raw`(?<![=/${WORD}])@((?:[a-z0-9_]+(?:[.\-]+[a-z0-9_]+)*)(?:@[${WORD}]+(?:[.\-]+[${WORD}]+)*)?)`,
  'giu',
);
/** Twitter::TwitterText::Regex[:end_mention_match]: not a mention if followed by @, a Latin accent or ://. */
const endMentionMatch = regexen.endMentionMatch;
/** Extractor::MAX_DOMAIN_LENGTH. */
const MAX_DOMAIN_LENGTH = 253;

/** Extractor#extract_mentions_or_lists_with_indices. `value` is user or user@domain. */
function mastodonMentions(text: string): Entity[] {
  if (!/[@＠]/.test(text)) return [];
  const found: Entity[] = [];
  for (const match of text.matchAll(mentionPattern)) {
    const screenName = match[1] ?? '';
    const end = match.index + match[0].length;
    if (endMentionMatch.test(text.slice(end))) continue;
    const domain = screenName.split('@')[1];
    if (domain !== undefined && domain.length > MAX_DOMAIN_LENGTH) continue;
    found.push(entity(text, 'mention', match.index, end, screenName));
  }
  return found;
}

// app/models/tag.rb: HASHTAG_SEPARATORS = "_\u00B7\u30FB\u200c", HASHTAG_NAME_PAT (a first
// sequence allowing separators inside, or a last one of word characters with a letter), and
// HASHTAG_RE = /(?<=^|[[:space:]])[#＃](#{HASHTAG_NAME_PAT})/ (Mastodon 4.5 and later; before
// it, a # after anything but = / ) or a letter or digit started a tag). #2026 has no letter, so
// it is no tag; #Québec with a combining accent is one whole tag (a mark is a word character).
const SEPARATORS = String.raw`_\u00B7\u30FB\u200C`;
const FIRST_SEQUENCE = String.raw`[${WORD}_][${WORD}${SEPARATORS}]*[\p{Alphabetic}${SEPARATORS}][${WORD}${SEPARATORS}]*[${WORD}_]`;
const LAST_SEQUENCE = String.raw`[${WORD}_]*[\p{Alphabetic}][${WORD}_]*`;
const hashtagPattern = new RegExp(String.raw`(?<=^|\p{White_Space})[#＃](${FIRST_SEQUENCE}|${LAST_SEQUENCE})`, 'gmu');

/** Extractor#extract_hashtags_with_indices: "#tophttps://…" is the tag #top. */
function mastodonHashtags(text: string): Entity[] {
  if (!/[#＃]/.test(text)) return [];
  const found: Entity[] = [];
  for (const match of text.matchAll(hashtagPattern)) {
    let name = match[1] ?? '';
    const end = match.index + match[0].length;
    if (text.startsWith('://', end)) {
      const trimmed = /^(.+)(https?)$/u.exec(name);
      if (trimmed) name = trimmed[1]!;
    }
    found.push(entity(text, 'hashtag', match.index, match.index + 1 + name.length, name));
  }
  return found;
}

// config/initializers/twitter_regex.rb valid_extended_uri: xmpp: and magnet: links.
const VALIDATE_NODEID = String.raw`(?:${regexen.validateUrlUnreserved.source}|${regexen.validateUrlPctEncoded.source}|[!$()*+,;=])`;
const VALIDATE_RESID = String.raw`(?:${regexen.validateUrlUnreserved.source}|${regexen.validateUrlPctEncoded.source}|${regexen.validateUrlSubDelims.source})`;
const extendedUri = new RegExp(
  String.raw`(${PRECEDING})(` +
    String.raw`(?:xmpp:(?:\/\/${VALIDATE_NODEID}+@${DOMAIN}\/)?(?:${VALIDATE_NODEID}+@)?(?:${DOMAIN})(?:\/${VALIDATE_RESID}+)?(?:${QUERY})?)` +
    String.raw`|(?:magnet:${QUERY}))`,
  'gi',
);

/** Extractor#extract_extra_uris_with_indices. */
function mastodonExtraUris(text: string): Entity[] {
  if (!text.includes(':')) return [];
  return [...text.matchAll(extendedUri)].map((match) => {
    const start = match.index + (match[1] ?? '').length;
    const uri = match[2] ?? '';
    return entity(text, 'link', start, start + uri.length, uri);
  });
}

/**
 * The text as StatusLengthValidator counts it: each URL (scheme required) as 23 "x", each
 * mention as @user (a remote @user@instance loses its instance), overlaps removed, everything
 * else as it is. Count its grapheme clusters (`each_grapheme_cluster.size`).
 */
export function mastodonCountableText(text: string, urlLength: number): string {
  let out = '';
  let from = 0;
  for (const item of withoutOverlaps([...mastodonUrls(text), ...mastodonMentions(text)])) {
    out += text.slice(from, item.start) + (item.kind === 'link' ? 'x'.repeat(urlLength) : `@${item.value.split('@')[0]}`);
    from = item.end;
  }
  return out + text.slice(from);
}

/**
 * The text as Mastodon shows it once posted, mentions of remote accounts shortened to @user:
 * what the Mastodon adapter looks for when it checks whether a post went out.
 */
export function mastodonShownText(text: string): string {
  let out = '';
  let from = 0;
  for (const item of mastodonMentions(text)) {
    out += text.slice(from, item.start) + `@${item.value.split('@')[0]}`;
    from = item.end;
  }
  return out + text.slice(from);
}

// ---------------------------------------------------------------------------------------------
// Facebook and LinkedIn: no published rules. Links as both link them: a scheme or www., up to
// the next space, without the punctuation that ends a sentence or closes a bracket opened
// before the link. Hashtags as linkedin.ts sends them.

const plainLink = /(?:https?:\/\/|(?<![\p{L}\p{M}\p{N}_.\/@-])www\.)\S+/giu;
const closing: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

function plainLinks(text: string): Entity[] {
  const found: Entity[] = [];
  for (const match of text.matchAll(plainLink)) {
    let url = match[0];
    for (;;) {
      const last = url[url.length - 1]!;
      const opener = closing[last];
      if (/[.,;:!?'"»”’›]/u.test(last) || (opener !== undefined && count(url, opener) < count(url, last))) url = url.slice(0, -1);
      else break;
    }
    if (!/[\p{L}\p{N}]/u.test(url.replace(/^(?:https?:\/\/|www\.)/i, ''))) continue;
    found.push(entity(text, 'link', match.index, match.index + url.length, /^www\./i.test(url) ? `https://${url}` : url));
  }
  return found;
}

const count = (text: string, char: string) => text.split(char).length - 1;

/**
 * #Word: # directly after a space, start or punctuation (not "C#", not "page#section", not
 * "&#39;"), then letters, marks, digits or underscores with at least one letter ("#2026" stays
 * text). Accented tags count, combining accents included. A # inside a link starts no tag.
 */
const plainHashtag = /(?<![\p{L}\p{M}\p{N}_/&#])#([\p{L}\p{M}\p{N}_]+)/gu;

function plainHashtags(text: string): Entity[] {
  const found: Entity[] = [];
  for (const match of text.matchAll(plainHashtag)) {
    const tag = match[1] ?? '';
    if (/\p{L}/u.test(tag)) found.push(entity(text, 'hashtag', match.index, match.index + match[0].length, tag));
  }
  return found;
}
