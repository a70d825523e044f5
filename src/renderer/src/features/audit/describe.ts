// An audit event in words, in the reader's language (issue 14, item 4): who by name, the subject
// as what it is, each detail with its name and its value said as the app says it elsewhere.
import type { TFunction } from 'i18next';
import type { AuditSubject } from '../../../../shared/contract';
import { auditActions } from '../../../../shared/audit-actions';
import type { AuditEntry, Lang } from '../../../../shared/domain';
import { formatDateTime, numberFormat } from '../../../../shared/dates';
import { fold } from '../../../../shared/fold';

export interface Describer {
  t: TFunction;
  lang: Lang;
  people: Record<string, string>;
  subjects: Record<string, AuditSubject>;
}

/** An action's name in the reader's language ("Pair approved"; « Paire approuvée »). */
export function actionName(t: TFunction, action: string): string {
  return t(`auditActions.${action}`, { defaultValue: action });
}

/** The actions whose name (or code) holds the typed words, in the reader's language. */
export function actionsNamed(t: TFunction, typed: string): (typeof auditActions)[number][] {
  const wanted = fold(typed);
  return auditActions.filter((action) => fold(actionName(t, action)).includes(wanted) || action.toLowerCase().startsWith(wanted));
}

/** A person by name ("Marie Lavoie"); the system's own actors (the publisher) by what they are. */
export function personName(d: Describer, actor: string): string {
  return d.people[actor] ?? d.t(`audit.actors.${actor.replace(':', '_')}`, { defaultValue: actor });
}

const shorten = (text: string) => (text.length > 80 ? `${text.slice(0, 79)}…` : text);

/** The subject as what it is: a pair by its text in the reader's language, an account pair by its name… */
export function subjectText(d: Describer, subject: string): string {
  const { t, lang } = d;
  const found = d.subjects[subject];
  if (!found) {
    const known = /^(audit|settings|database|accounts|sign-in|pair:new)$/.exec(subject);
    return known ? t(`audit.subjects.${known[1]}`) : subject;
  }
  switch (found.kind) {
    case 'pair': {
      const text = (lang === 'fr' ? found.fr : found.en).trim() || (lang === 'fr' ? found.en : found.fr).trim();
      return text ? t('audit.subjectPair', { text: shorten(text) }) : t('audit.subjectPairEmpty');
    }
    case 'channel':
      return t('accounts.channelName', { name: lang === 'fr' ? found.nameFr : found.name, platform: t(`platforms.${found.platform}`) });
    case 'account':
      return t('audit.subjectAccount', { handle: found.handle, platform: t(`platforms.${found.platform}`), lang: t(`lang.${found.lang}`) });
    case 'person':
      return found.displayName;
    case 'grant':
      return t('audit.subjectGrant', { role: t(`roles.${found.role}`), name: found.displayName });
  }
}

const isoMoment = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** One detail's value in words. */
function valueText(d: Describer, key: string, value: unknown): string {
  const { t, lang } = d;
  if (value === null || value === undefined || value === '') return t('audit.none');
  if (Array.isArray(value)) return value.length === 0 ? t('audit.none') : value.map((v) => valueText(d, key, v)).join(', ');
  if (typeof value === 'boolean') return t(value ? 'audit.yes' : 'audit.no');
  if (typeof value === 'number') return numberFormat(lang).format(value);
  if (typeof value !== 'string') return JSON.stringify(value);
  if (isoMoment.test(value)) return formatDateTime(value, lang);
  switch (key) {
    case 'action':
      return value.startsWith('pair.') || value.includes('.') ? t(`actions.${value}`, { defaultValue: actionName(t, value) }) : value;
    case 'role':
      return t(`roles.${value}`, { defaultValue: value });
    case 'reason':
      return t(`audit.reasons.${value}`, { defaultValue: value });
    case 'lang':
    case 'languages':
      return t(`lang.${value}`, { defaultValue: value });
    case 'from':
    case 'to':
    case 'status':
      return t(`queue.status.${value}`, { defaultValue: value });
    case 'channel':
    case 'channels':
    case 'source':
      return d.subjects[value] ? subjectText(d, value) : value;
    case 'checks':
    case 'check':
      return t(`checks.names.${value}`, { defaultValue: value });
    case 'error':
      return t(`audit.errorCode`, { code: value });
    case 'format':
      return t(`audit.formats.${value}`, { defaultValue: value });
    default:
      return value;
  }
}

/** Each detail of the event as "Name: value", in the reader's language. */
export function detailLines(d: Describer, event: Pick<AuditEntry, 'detail'>): string[] {
  return Object.entries(event.detail).map(([key, value]) =>
    d.t('audit.detailLine', { name: d.t(`audit.details.${key}`, { defaultValue: key }), value: valueText(d, key, value) }),
  );
}
