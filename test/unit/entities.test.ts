// What each platform links, tags and mentions, checked against the platform's own code where it
// can run here (twitter-text for X, @atproto/api's RichText for Bluesky) and against Mastodon's
// own specs (spec/models/account_spec.rb, spec/models/tag_spec.rb, spec/lib/extractor_spec.rb,
// spec/lib/text_formatter_spec.rb) for Mastodon, whose Ruby cannot run here.
import { RichText } from '@atproto/api';
import { describe, expect, it } from 'vitest';
import { entities, mastodonCountableText, mastodonShownText, twitterText, type Entity } from '../../src/shared/entities';
import { toLittleText } from '../../src/main/platforms/linkedin';

const found = (platform: Parameters<typeof entities>[0], text: string) => entities(platform, text).map((e) => [e.kind, e.text]);
const utf8 = (text: string, index: number) => new TextEncoder().encode(text.slice(0, index)).length;

// One table of texts, in English and in French, run through every platform.
const texts = [
  'Housing starts rose 4% in September #Housing #2026 https://www150.statcan.gc.ca/n1/daily-quotidien/251016/dq251016a-eng.htm.',
  'Les mises en chantier ont augmenté de 4\u00a0% en septembre #Logement #2026 https://www150.statcan.gc.ca/n1/daily-quotidien/251016/dq251016a-fra.htm.',
  'Write to courriel@canada.ca or see canada.ca/en/health (details at https://www.canada.ca/en/services.html) @statcan.bsky.social',
  'Écrivez à courriel@canada.ca ou voyez canada.ca/fr/sante (détails\u00a0: https://www.canada.ca/fr/services.html) @statcan-fr.bsky.social',
  '#Que\u0301bec et #Québec, @jean.tremblay@mastodon.social, x=@StatCan é@StatCan',
  'Recherche https://www.canada.ca/fr/recherche.html?q=santé&lang=fra et https://example.com/aGVsbG8= et gemini://gemini.circumlunar.space/docs/',
  '«\u00a0#Économie\u00a0» (https://fr.wikipedia.org/wiki/Québec_(ville)) 🇨🇦 $CAD www.canada.ca/fr.',
  'C# page#section &#39; https://example.com/page#Section #_x #a·b',
];

describe('X: twitter-text v3', () => {
  it('finds exactly what twitter-text extracts, links without a scheme included', () => {
    for (const text of texts) {
      const expected = twitterText.extractEntitiesWithIndices(text).map((e) => e.indices);
      expect(entities('x', text).map((e) => [e.start, e.end]), text).toEqual(expected);
    }
  });

  it('links canada.ca/fr/sante, not courriel@canada.ca; #2026 is no hashtag, #Québec is one in both spellings', () => {
    expect(found('x', texts[3]!)).toEqual([
      ['link', 'canada.ca/fr/sante'],
      ['link', 'https://www.canada.ca/fr/services.html'],
      // An X username has no dash or dot: @statcan is the mention, the rest is text.
      ['mention', '@statcan'],
    ]);
    expect(found('x', texts[1]!).map(([kind, text]) => `${kind} ${text}`)).toEqual([
      'hashtag #Logement',
      'link https://www150.statcan.gc.ca/n1/daily-quotidien/251016/dq251016a-fra.htm',
    ]);
    expect(found('x', '#Que\u0301bec #Québec')).toEqual([
      ['hashtag', '#Que\u0301bec'],
      ['hashtag', '#Québec'],
    ]);
  });
});

describe('Bluesky: @atproto/api detectFacets, as the adapter sends it', () => {
  it('finds exactly the facets RichText detects, at the same UTF-8 offsets', () => {
    for (const text of texts) {
      const rt = new RichText({ text });
      rt.detectFacetsWithoutResolution();
      const expected = (rt.facets ?? []).map((facet) => {
        const feature = facet.features[0] as { $type: string; uri?: string; did?: string; tag?: string };
        return [facet.index.byteStart, facet.index.byteEnd, feature.uri ?? feature.did ?? feature.tag];
      });
      const mine = entities('bluesky', text).map((e: Entity) => [utf8(text, e.start), utf8(text, e.end), e.value]);
      expect(mine, text).toEqual(expected);
    }
  });

  it('highlights canada.ca/fr/sante and handles, not an e-mail address, #2026 or a closing parenthesis', () => {
    expect(found('bluesky', texts[3]!)).toEqual([
      ['link', 'canada.ca/fr/sante'],
      ['link', 'https://www.canada.ca/fr/services.html'],
      ['mention', '@statcan-fr.bsky.social'],
    ]);
    expect(entities('bluesky', texts[2]!)[0]?.value).toBe('https://canada.ca/en/health');
    expect(found('bluesky', 'Année #2026 et #2026Ensemble')).toEqual([['hashtag', '#2026Ensemble']]);
  });

  it('takes #Québec whole, written with a combining accent or not, as it is (no normalization)', () => {
    expect(entities('bluesky', '#Que\u0301bec #Québec').map((e) => e.value)).toEqual(['Que\u0301bec', 'Québec']);
  });
});

describe('Mastodon: its own patterns', () => {
  // spec/models/account_spec.rb, MENTION_RE.
  it.each([
    ['Hello to @alice from me', 'alice'],
    ['@alice Hey how are you?', 'alice'],
    ['@alice@example.com', 'alice@example.com'],
    ['Hello @alice@example.com.', 'alice@example.com'],
    ['.@alice I want everybody to see this', 'alice'],
    ['Bonjour @jean.tremblay@mastodon.social !', 'jean.tremblay@mastodon.social'],
    ['Merci @marie-eve_l@social.example.ca.', 'marie-eve_l@social.example.ca'],
  ])('mentions in %j: %s', (text, screenName) => {
    expect(entities('mastodon', text).filter((e) => e.kind === 'mention').map((e) => e.value)).toEqual([screenName]);
  });

  it.each([
    'Drop me an e-mail at alice@example.com',
    'Écrivez à courriel@canada.ca',
    'Check this out https://medium.com/@alice/some-article#.abcdef123',
    'x=@StatCan',
    'é@StatCan',
    'e\u0301@StatCan',
    '@screen_name@',
  ])('no mention in %j', (text) => {
    expect(entities('mastodon', text).filter((e) => e.kind === 'mention')).toEqual([]);
  });

  // spec/models/tag_spec.rb, HASHTAG_RE.
  it.each([
    ['test\u00a0#foo', '#foo'],
    ['this is #ａｅｓｔｈｅｔｉｃ', '#ａｅｓｔｈｅｔｉｃ'],
    ['this is ＃ｆｏｏ', '＃ｆｏｏ'],
    ['hello #3d', '#3d'],
    ['hello #l33ts35k', '#l33ts35k'],
    ['hello #world2016', '#world2016'],
    ['hello #_test', '#_test'],
    ['hello #test_', '#test_'],
    ['hello #one·two·three', '#one·two·three'],
    ['testing #ぼっち・ざ・ろっく', '#ぼっち・ざ・ろっく'],
    ['just add #نرم\u200cافزار and', '#نرم\u200cافزار'],
    ['hello #one·two·three·', '#one·two·three'],
    ['Hello toß #ruby', '#ruby'],
    ['Hello #rubyOnRails', '#rubyOnRails'],
    ['#hashtaghttp://', '#hashtag'],
    ['#Que\u0301bec', '#Que\u0301bec'],
    ['Bienvenue au #Québec.', '#Québec'],
  ])('hashtag in %j: %s', (text, tag) => {
    expect(entities('mastodon', text).filter((e) => e.kind === 'hashtag').map((e) => e.text)).toEqual([tag]);
  });

  it.each([
    'https://en.wikipedia.org/wiki/Ghostbusters_(song)#Lawsuit',
    'https://gcc.gnu.org/bugzilla/show_bug.cgi?id=111895#c4',
    'https://example.org/testé#foo',
    'https://en.wikipedia.org/wiki/Google_LLC_v._Oracle_America,_Inc.#Decision',
    'hello #·one·two·three',
    'hello #0123456',
    'Année #2026',
    '«\u00a0x#Économie\u00a0»',
  ])('no hashtag in %j', (text) => {
    expect(entities('mastodon', text).filter((e) => e.kind === 'hashtag')).toEqual([]);
  });

  // spec/lib/text_formatter_spec.rb: what becomes a link.
  it.each([
    ['http://www.mcmansionhell.com/post/156408871451/50-states-of-mcmansion-hell-scottsdale-arizona. ', 'http://www.mcmansionhell.com/post/156408871451/50-states-of-mcmansion-hell-scottsdale-arizona'],
    ['(http://google.com/)', 'http://google.com/'],
    ['http://www.google.com!', 'http://www.google.com'],
    ["http://www.google.com'", 'http://www.google.com'],
    ['http://www.google.com>', 'http://www.google.com'],
    ['http://example.gay', 'http://example.gay'],
    ['https://nic.みんな/', 'https://nic.みんな/'],
    ['https://www.ruby-toolbox.com/search?utf8=✓&q=autolink', 'https://www.ruby-toolbox.com/search?utf8=✓&q=autolink'],
    ['https://www.ruby-toolbox.com/search?utf8=✓', 'https://www.ruby-toolbox.com/search?utf8=✓'],
    ['https://en.wikipedia.org/wiki/Diaspora_(software)', 'https://en.wikipedia.org/wiki/Diaspora_(software)'],
    ['"https://example.com/"', 'https://example.com/'],
    ['<https://example.com/>', 'https://example.com/'],
    ['https://ja.wikipedia.org/wiki/日本', 'https://ja.wikipedia.org/wiki/日本'],
    ['https://example.com/\u3000abc123', 'https://example.com/'],
    ['「[https://example.org/」', 'https://example.org/'],
    ['http://example.com/b<del>b</del>', 'http://example.com/b'],
    ['xmpp:user@instance.com', 'xmpp:user@instance.com'],
    ['please join xmpp:muc@instance.com?join right now', 'xmpp:muc@instance.com?join'],
    ['magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a', 'magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a'],
    // The cases: a French query string, gemini://, a path ending in = (Mastodon's path
    // may not end with =; a query string may).
    ['Recherche https://www.canada.ca/fr/recherche.html?q=santé.', 'https://www.canada.ca/fr/recherche.html?q=santé'],
    ['gemini://gemini.circumlunar.space/docs/', 'gemini://gemini.circumlunar.space/docs/'],
    ['https://example.com/aGVsbG8=', 'https://example.com/aGVsbG8'],
    ['https://example.com/?token=', 'https://example.com/?token='],
  ])('link in %j: %s', (text, url) => {
    expect(entities('mastodon', text).filter((e) => e.kind === 'link').map((e) => e.text)).toEqual([url]);
  });

  it.each(['http://www\\.google\\.com', 'canada.ca/fr/sante', 'www.canada.ca', 'courriel@canada.ca'])('no link in %j (a scheme is needed)', (text) => {
    expect(entities('mastodon', text).filter((e) => e.kind === 'link')).toEqual([]);
  });

  it('counts as StatusLengthValidator: a URL as 23 x, a remote mention as @user', () => {
    expect(mastodonCountableText(`${'a'.repeat(476)} http://${'b'.repeat(30)}.com/example`, 23)).toBe(`${'a'.repeat(476)} ${'x'.repeat(23)}`);
    expect(mastodonCountableText(`${'a'.repeat(475)} @alice@${'b'.repeat(30)}.com`, 23)).toBe(`${'a'.repeat(475)} @alice`);
    expect(mastodonCountableText('Merci @jean.tremblay@mastodon.social et courriel@canada.ca', 23)).toBe('Merci @jean.tremblay et courriel@canada.ca');
  });

  it('shows a remote mention as @user once posted, e-mail addresses untouched', () => {
    expect(mastodonShownText('Merci @jean.tremblay@mastodon.social, écrivez à courriel@canada.ca')).toBe(
      'Merci @jean.tremblay, écrivez à courriel@canada.ca',
    );
  });
});

describe('LinkedIn and Facebook', () => {
  it('link URLs with a scheme or www., without the punctuation after them', () => {
    for (const platform of ['linkedin', 'facebook'] as const) {
      expect(found(platform, texts[6]!)).toEqual([
        ['hashtag', '#Économie'],
        ['link', 'https://fr.wikipedia.org/wiki/Québec_(ville)'],
        ['link', 'www.canada.ca/fr'],
      ]);
      expect(found(platform, texts[3]!)).toEqual([['link', 'https://www.canada.ca/fr/services.html']]);
    }
  });

  it('make #Word a hashtag but not C#, page#section, &#39;, #2026 or a # inside a link', () => {
    expect(found('linkedin', texts[7]!)).toEqual([
      ['link', 'https://example.com/page#Section'],
      ['hashtag', '#_x'],
      ['hashtag', '#a'],
    ]);
    expect(found('linkedin', '#2026 #Que\u0301bec')).toEqual([['hashtag', '#Que\u0301bec']]);
  });

  it('sends as LinkedIn hashtags exactly the hashtags the preview shows', () => {
    for (const text of texts) {
      const tags = entities('linkedin', text).filter((e) => e.kind === 'hashtag');
      expect([...toLittleText(text).matchAll(/\{hashtag\|\\#\|((?:\\.|[^}\\])*)\}/g)].length, text).toBe(tags.length);
    }
  });
});

describe('every platform', () => {
  it('gives offsets into the text, in order, none overlapping', () => {
    for (const platform of ['x', 'bluesky', 'mastodon', 'facebook', 'linkedin'] as const) {
      for (const text of texts) {
        let end = 0;
        for (const e of entities(platform, text)) {
          expect(e.start, `${platform}: ${text}`).toBeGreaterThanOrEqual(end);
          expect(text.slice(e.start, e.end)).toBe(e.text);
          end = e.end;
        }
      }
    }
  });
});
