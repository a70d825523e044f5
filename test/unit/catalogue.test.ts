// Every user-visible string exists in both languages, with the same placeholders, and the
// French follows French typography.
import { describe, expect, it } from 'vitest';
import en from '../../src/renderer/src/i18n/en.json';
import fr from '../../src/renderer/src/i18n/fr.json';
import { errorCodes, roles } from '../../src/shared/domain';
import { actions } from '../../src/shared/permissions';
import { checkIds, piiKindNames } from '../../src/shared/checks';
import { auditActions, auditProblemKinds } from '../../src/shared/audit-actions';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const enKeys = flatten(en as Tree);
const frKeys = flatten(fr as Tree);
const placeholders = (text: string) => [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]).sort();
const has = (catalogue: Map<string, string>, key: string) =>
  catalogue.has(key) || [...catalogue.keys()].some((k) => k.startsWith(`${key}_`));

describe('catalogues', () => {
  it('have the same keys in en and fr', () => {
    expect([...frKeys.keys()].sort()).toEqual([...enKeys.keys()].sort());
  });

  it('use the same placeholders in both languages', () => {
    for (const [key, text] of enKeys) expect(placeholders(frKeys.get(key) ?? ''), key).toEqual(placeholders(text));
  });

  it('have no empty string', () => {
    for (const [key, text] of [...enKeys, ...frKeys]) expect(text.trim(), key).not.toBe('');
  });

  it('translate every error code main can return', () => {
    for (const code of errorCodes) {
      expect(has(enKeys, `errors.${code}`), code).toBe(true);
      expect(has(frKeys, `errors.${code}`), code).toBe(true);
    }
  });

  it('name every role and every action a refusal can mention', () => {
    for (const role of roles) expect(has(frKeys, `roles.${role}`) && has(enKeys, `roles.${role}`), role).toBe(true);
    for (const action of actions) {
      expect(has(frKeys, `actions.${action}`) && has(enKeys, `actions.${action}`), action).toBe(true);
    }
  });

  it('name and explain every content check, and every kind of personal information', () => {
    for (const check of checkIds) {
      for (const key of [`checks.names.${check}`, `checks.messages.${check}`]) {
        expect(has(enKeys, key) && has(frKeys, key), key).toBe(true);
      }
    }
    for (const kind of piiKindNames) expect(has(frKeys, `checks.piiKinds.${kind}`) && has(enKeys, `checks.piiKinds.${kind}`), kind).toBe(true);
  });

  it('name every pair and delivery status', () => {
    for (const s of ['draft', 'translation', 'review', 'approved', 'scheduled', 'publishing', 'published', 'partial', 'held', 'failed', 'cancelled']) {
      expect(has(frKeys, `queue.status.${s}`), s).toBe(true);
    }
    for (const s of ['pending', 'sending', 'checking', 'retrying', 'held', 'sent', 'failed', 'cancelled']) {
      expect(has(frKeys, `queue.delivery.${s}`), s).toBe(true);
    }
  });
});

describe('French typography (Government of Canada style)', () => {
  // Placeholders, addresses and code tokens (OAuth scopes such as read:accounts) are not prose.
  const prose = (text: string) =>
    text
      .replace(/{{[^}]*}}/g, 'X')
      .replace(/https?:\/\/\S+/g, '')
      .replace(/\b[a-z_]+:[a-z_]+\b/g, 'X');

  it('puts a no-break space before a colon and inside « »', () => {
    for (const [key, text] of frKeys) {
      const stripped = prose(text);
      for (const match of stripped.matchAll(/(.):(?!\d)/g)) expect(match[1], `${key}: "${text}"`).toBe('\u00a0');
      for (const match of stripped.matchAll(/«(.)/g)) expect(match[1], key).toBe('\u00a0');
      for (const match of stripped.matchAll(/(.)»/g)) expect(match[1], key).toBe('\u00a0');
    }
  });

  it('puts nothing (or a narrow no-break space) before ; ! ?, never a full space', () => {
    for (const [key, text] of frKeys) {
      for (const match of prose(text).matchAll(/(.)([;!?])/g)) {
        if (/[;!?]/.test(match[1]!)) continue; // !!! or ?!: only the first mark counts
        expect(match[1], `${key}: "${text}"`).not.toMatch(/[ \u00a0]/);
      }
    }
  });

  it('puts a no-break space before % and $ after a number', () => {
    for (const [key, text] of frKeys) {
      for (const match of prose(text).matchAll(/(\d|X)(\s?)([%$])/g)) expect(match[2], `${key}: "${text}"`).toBe('\u00a0');
    }
  });

  it('uses typographic apostrophes, not straight ones', () => {
    for (const [key, text] of frKeys) expect(text, key).not.toContain("'");
  });
});

describe('audit trail', () => {
  it('names, in both languages, every action the audit log accepts', () => {
    for (const action of auditActions) {
      expect(has(enKeys, `auditActions.${action}`) && has(frKeys, `auditActions.${action}`), action).toBe(true);
    }
  });

  it('explains, in both languages, every problem the integrity check can find', () => {
    for (const kind of auditProblemKinds) {
      expect(has(enKeys, `audit.problems.${kind}`) && has(frKeys, `audit.problems.${kind}`), kind).toBe(true);
    }
  });
});
