import { Fragment, type ReactNode } from 'react';
import { useTranslation } from '../translation';
import type { Account, Channel, Lang } from '../../../../shared/domain';
import { entities, type Entity, type EntityKind } from '../../../../shared/entities';
import { measureMedia, measureText, sideMedia } from '../../../../shared/limits';
import { useErrorText } from '../format';
import { Thumbnail, type ShownMedia } from './media';

/**
 * How each side will look on each selected account, with that account's own limits counted as
 * its platform counts them: one card per platform and language.
 */
export function Previews({ channels, texts, media }: { channels: Channel[]; texts: Record<Lang, string>; media: ShownMedia[] }) {
  const { t } = useTranslation();
  if (channels.length === 0) return null;
  return (
    <section className="previews" aria-labelledby="previews-heading">
      <h2 id="previews-heading" className="checks-heading">
        {t('preview.heading')}
      </h2>
      <div className="preview-grid">
        {channels.map((channel) => (
          <Fragment key={channel.id}>
            {(['en', 'fr'] as const).map((lang) => (
              <PreviewCard key={lang} platform={channel.platform} account={channel[lang]} lang={lang} text={texts[lang]} media={media} />
            ))}
          </Fragment>
        ))}
      </div>
    </section>
  );
}

function PreviewCard({
  platform,
  account,
  lang,
  text,
  media,
}: {
  platform: Channel['platform'];
  account: Account;
  lang: Lang;
  text: string;
  media: ShownMedia[];
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const limits = account.limits;
  const measure = measureText(limits, lang, text);
  const problems = [
    ...(measure.error && measure.error.code !== 'text.empty' ? [measure.error] : []),
    ...measureMedia(limits, lang, sideMedia(media, lang)),
  ];
  const over = measure.length > measure.max;
  const label = t('preview.card', { platform: t(`platforms.${platform}`), handle: account.handle, lang: t(`lang.${lang}`) });
  return (
    <article className={`preview preview-${platform}`} aria-label={label} data-testid={`preview-${platform}-${lang}`} lang={lang}>
      <header className="preview-head">
        <strong>{t(`platforms.${platform}`)}</strong> <span className="muted">@{account.handle}</span> <span className="lang-tag">{lang.toUpperCase()}</span>
      </header>
      {text.trim() ? <RichText platform={platform} text={text} /> : <p className="pair-text muted">{t('preview.empty')}</p>}
      {media.length > 0 && (
        <div className="preview-media">
          {media.slice(0, limits.maxImages).map((m, i) => (
            <Thumbnail key={`${m[lang].id}-${i}`} file={m[lang]} alt={lang === 'en' ? m.altEn : m.altFr} />
          ))}
        </div>
      )}
      <footer>
        <span className={over ? 'counter over' : 'counter'} data-testid="preview-counter">
          {t('preview.counter', { length: measure.length, max: measure.max, images: media.length, maxImages: limits.maxImages })}
        </span>
        {problems.length > 0 && (
          <ul className="preview-problems">
            {problems.map((problem, i) => (
              <li key={i} className="delivery-error">
                {errorText({ ...problem, params: { ...problem.params, platform } })}
              </li>
            ))}
          </ul>
        )}
      </footer>
    </article>
  );
}

const kinds: readonly EntityKind[] = ['link', 'hashtag', 'mention'];

/**
 * The text with what this platform will link, tag and mention highlighted: found by the same
 * rules the platform (or, for Bluesky and LinkedIn, the adapter) applies, so the preview shows
 * no link the post will not have and misses none it will. Each one is named for screen readers,
 * and a legend under the text says which highlight is which.
 */
function RichText({ platform, text }: { platform: Channel['platform']; text: string }) {
  const { t, i18n } = useTranslation();
  const found = entities(platform, text);
  const parts: ReactNode[] = [];
  let from = 0;
  found.forEach((item: Entity, i) => {
    if (item.start > from) parts.push(<Fragment key={`t${i}`}>{text.slice(from, item.start)}</Fragment>);
    parts.push(
      <span key={`e${i}`} className={`preview-entity preview-${item.kind}`} data-entity={item.kind}>
        {item.text}
        <span className="visually-hidden" lang={i18n.resolvedLanguage}>
          {` (${t(`preview.entity.${item.kind}`)})`}
        </span>
      </span>,
    );
    from = item.end;
  });
  if (from < text.length) parts.push(<Fragment key="rest">{text.slice(from)}</Fragment>);
  const present = kinds.filter((kind) => found.some((item) => item.kind === kind));
  return (
    <>
      <p className="pair-text">{parts}</p>
      {present.length > 0 && (
        // Sighted readers' key to the highlights; screen readers hear each one named in the text.
        <p className="preview-legend muted" lang={i18n.resolvedLanguage} aria-hidden="true" data-testid="preview-legend">
          {t('preview.legend', { platform: t(`platforms.${platform}`) })}{' '}
          {present.map((kind, i) => (
            <Fragment key={kind}>
              {i > 0 && ' · '}
              <span className={`preview-entity preview-${kind}`}>{t(`preview.entity.${kind}`)}</span>
            </Fragment>
          ))}
        </p>
      )}
    </>
  );
}
