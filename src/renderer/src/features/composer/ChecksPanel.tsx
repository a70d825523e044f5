import { useTranslation } from 'react-i18next';
import type { Lang } from '../../../../shared/domain';
import { runChecks, type CheckSettings, type Finding, type MediaAlt } from '../../../../shared/checks';

/** The content checks for the texts as typed, in the user's language, with one-click fixes. */
export function ChecksPanel({
  texts,
  media = [],
  settings,
  onFix,
}: {
  texts: Record<Lang, string>;
  media?: readonly MediaAlt[];
  settings: CheckSettings;
  onFix: (lang: Lang, text: string) => void;
}) {
  const { t } = useTranslation();
  if (!texts.en.trim() && !texts.fr.trim() && media.length === 0) return null;
  const findings = runChecks(texts, settings, media);
  const message = (f: Finding) => {
    const params: Record<string, string | number> = { ...f.params };
    if (f.lang) params['lang'] = t(`lang.${f.lang}`);
    for (const key of ['detected', 'pageLang'] as const) {
      const value = params[key];
      if (value === 'en' || value === 'fr') params[key] = t(`lang.${value}`);
    }
    if (typeof params['kind'] === 'string') params['kind'] = t(`checks.piiKinds.${params['kind']}`);
    return t(`checks.messages.${f.check}`, params);
  };
  return (
    <section className="checks" aria-labelledby="checks-heading" data-testid="checks">
      <h2 id="checks-heading" className="checks-heading">
        {t('checks.heading')}
      </h2>
      {findings.length === 0 ? (
        <p className="muted">{t('checks.clean')}</p>
      ) : (
        <ul>
          {findings.map((finding, index) => (
            <li key={`${finding.check}-${finding.lang}-${index}`} data-check={finding.check} data-severity={finding.severity}>
              <span className={`badge badge-${finding.severity === 'block' ? 'failed' : 'partial'}`}>
                {t(`checks.severity.${finding.severity}`)}
              </span>{' '}
              {message(finding)}
              {finding.fix !== undefined && finding.lang && (
                <>
                  {' '}
                  <button type="button" className="link-button" onClick={() => onFix(finding.lang!, finding.fix!)}>
                    {t('checks.fix')}
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
