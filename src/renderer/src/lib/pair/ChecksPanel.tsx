import { useTranslation } from '../translation';
import type { Lang } from '../../../../shared/domain';
import { runChecks, type CheckSettings, type Finding, type MediaAlt } from '../../../../shared/checks';
import { piiAddressKinds, type PiiKind } from '../../../../shared/pii';
import { allowedRoles, isGrantActive } from '../../../../shared/permissions';
import { call } from '../api';
import { ErrorMessage } from '../ErrorMessage';
import { useUser } from '../session';
import { useAction } from '../useAction';

/** The content checks for the texts as typed, in the user's language, with one-click fixes. */
export function ChecksPanel({
  texts,
  media = [],
  settings,
  onFix,
  pairId,
}: {
  texts: Record<Lang, string>;
  media?: readonly MediaAlt[];
  settings: CheckSettings;
  onFix: (lang: Lang, text: string) => void;
  /** The pair being edited, if saved: shown to the administrator beside a request to allow a number. */
  pairId?: string;
}) {
  const { t } = useTranslation();
  const user = useUser();
  // Whoever drafts or translates, on any account pair, may ask (main checks it again).
  const now = Date.now();
  const mayAsk = user.grants.some(
    (g) => isGrantActive(g, now) && [...allowedRoles['pair.create'], ...allowedRoles['pair.edit']].includes(g.role),
  );
  const message = useFindingText();
  if (!texts.en.trim() && !texts.fr.trim() && media.length === 0) return null;
  const findings = runChecks(texts, settings, media);
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
              {finding.check === 'pii' && mayAsk && (
                <AskToAllow kind={finding.params['kind'] as PiiKind} match={String(finding.params['match'])} pairId={pairId} />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A finding in the person's language: the composer's checks panel and the review screen say it alike. */
export function useFindingText(): (finding: Finding) => string {
  const { t } = useTranslation();
  return (f) => {
    const params: Record<string, string | number> = { ...f.params };
    if (f.lang) params['lang'] = t(`lang.${f.lang}`);
    for (const key of ['detected', 'pageLang'] as const) {
      const value = params[key];
      if (value === 'en' || value === 'fr') params[key] = t(`lang.${value}`);
    }
    if (typeof params['kind'] === 'string') params['kind'] = t(`checks.piiKinds.${params['kind']}`);
    return t(`checks.messages.${f.check}`, params);
  };
}

/** "This is a public number": asks an administrator to put the flagged text on the allow-list. */
function AskToAllow({ kind, match, pairId }: { kind: PiiKind; match: string; pairId: string | undefined }) {
  const { t } = useTranslation();
  const { busy, error, done, run } = useAction();
  const label = kind === 'email' ? 'email' : piiAddressKinds.has(kind) ? 'address' : 'number';
  if (done) return <span role="status"> {done}</span>;
  return (
    <>
      {' '}
      <button
        type="button"
        className="link-button"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            await call('pii.requestAllow', pairId ? { match, kind, pairId } : { match, kind });
            return t('checks.requestAllow.sent');
          })
        }
      >
        {t(`checks.requestAllow.${label}`)}
      </button>
      <ErrorMessage error={error} />
    </>
  );
}
