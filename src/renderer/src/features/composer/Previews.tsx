import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Channel, Lang } from '../../../../shared/domain';
import { measureMedia, measureText, sideMedia } from '../../../../shared/limits';
import { useErrorText } from '../../lib/format';
import { Thumbnail, type ComposerMedia } from './MediaEditor';

/**
 * How each side will look on each selected account, with that account's own limits counted as
 * its platform counts them: one card per platform and language.
 */
export function Previews({ channels, texts, media }: { channels: Channel[]; texts: Record<Lang, string>; media: ComposerMedia[] }) {
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
  media: ComposerMedia[];
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
      <p className="pair-text">{text.trim() ? <RichText text={text} /> : <span className="muted">{t('preview.empty')}</span>}</p>
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

/** Links, hashtags and mentions shown as the platforms show them. */
function RichText({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s]+|[#@][\p{L}\p{N}_.@-]*[\p{L}\p{N}_])/u);
  return (
    <>
      {parts.map((part, i) => (i % 2 === 1 ? <span key={i} className="preview-entity">{part}</span> : <Fragment key={i}>{part}</Fragment>))}
    </>
  );
}
