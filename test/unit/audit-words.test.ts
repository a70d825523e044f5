// The audit trail in words (issue 14, item 4): what records staff read on screen and in the CSV,
// with the real catalogues, in both languages.
import i18next, { type TFunction } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import en from '../../src/renderer/src/i18n/en.json';
import fr from '../../src/renderer/src/i18n/fr.json';
import { auditActions } from '../../src/shared/audit-actions';
import type { AuditExport, RecordsExport } from '../../src/shared/contract';
import { actionsNamed, detailLines, personName, subjectText, type Describer } from '../../src/renderer/src/features/audit/describe';
import { recordsFile, trailCsv } from '../../src/renderer/src/features/audit/exportFiles';
import { csv } from '../../src/shared/csv';

const tr: Record<'en' | 'fr', TFunction> = {} as Record<'en' | 'fr', TFunction>;
beforeAll(async () => {
  for (const lang of ['en', 'fr'] as const) {
    const instance = i18next.createInstance();
    await instance.init({ resources: { en: { translation: en }, fr: { translation: fr } }, lng: lang, fallbackLng: false, interpolation: { escapeValue: false } });
    tr[lang] = instance.t;
  }
});

const pairId = '0b9c6f8e-8d1e-4c55-9d7f-1a2b3c4d5e6f';
const channelId = '7d0c9a1e-2b3c-4d5e-8f90-1a2b3c4d5e6f';
const subjects: Describer['subjects'] = {
  [pairId]: { kind: 'pair', en: 'The census starts today', fr: 'Le recensement commence aujourd’hui' },
  [channelId]: { kind: 'channel', name: 'Statistics Canada', nameFr: 'Statistique Canada', platform: 'bluesky' },
  'user:julie': { kind: 'person', username: 'julie', displayName: 'Julie Tremblay' },
};
const d = (lang: 'en' | 'fr'): Describer => ({ t: tr[lang], lang, people: { dchen: 'David Chen' }, subjects });

describe('audit events in words', () => {
  it('finds actions by the words of their name in the reader’s language', () => {
    expect(actionsNamed(tr.en, 'approved')).toContain('pair.approved');
    expect(actionsNamed(tr.fr, 'approuvée')).toContain('pair.approved');
    expect(actionsNamed(tr.fr, 'APPROUVEE')).toContain('pair.approved');
    expect(actionsNamed(tr.en, 'no such words at all')).toEqual([]);
    // Every action has a name in both languages (none falls back to its code).
    for (const action of auditActions) {
      expect(tr.en(`auditActions.${action}`)).not.toBe(`auditActions.${action}`);
      expect(tr.fr(`auditActions.${action}`)).not.toBe(`auditActions.${action}`);
    }
  });

  it('names people and Tandem’s own actors, and says subjects as what they are', () => {
    expect(personName(d('en'), 'dchen')).toBe('David Chen');
    expect(personName(d('fr'), 'system:publisher')).toBe('le module de publication de Tandem');
    expect(subjectText(d('en'), pairId)).toBe('the pair “The census starts today”');
    expect(subjectText(d('fr'), pairId)).toBe('la paire «\u00a0Le recensement commence aujourd’hui\u00a0»');
    expect(subjectText(d('fr'), channelId)).toBe('Statistique Canada — Bluesky');
    expect(subjectText(d('en'), 'user:julie')).toBe('Julie Tremblay');
    expect(subjectText(d('fr'), 'settings')).toBe('les paramètres de l’espace de travail');
  });

  it('says details in words: roles, account pairs, statuses, dates, yes and no', () => {
    const detail = { role: 'translator', channel: channelId, expiresAt: '2026-12-01T15:22:00.000Z', from: 'review', allowed: true, sessionsEnded: 2 };
    expect(detailLines(d('fr'), { detail })).toEqual([
      `Rôle\u00a0: ${tr.fr('roles.translator')}`,
      'Paire de comptes\u00a0: Statistique Canada — Bluesky',
      expect.stringMatching(/^Fin\u00a0: 1er décembre 2026 à \d{1,2} h 22$/),
      `De\u00a0: ${tr.fr('queue.status.review')}`,
      'Permis\u00a0: oui',
      'Sessions fermées\u00a0: 2',
    ]);
    expect(detailLines(d('en'), { detail: { reason: 'selfApproval' } })).toEqual(['Reason: approving one’s own pair']);
  });
});

describe('exports', () => {
  const trail: AuditExport = {
    exportedAt: '2026-12-02T12:00:00.000Z',
    exportedBy: 'admin',
    from: '2026-12-01T05:00:00.000Z',
    to: null,
    people: { dchen: 'David Chen' },
    subjects,
    events: [{ seq: 7, at: '2026-12-02T02:22:00.000Z', actor: 'dchen', action: 'pair.approved', subject: pairId, detail: { version: 3 }, hash: 'abc' }],
  };

  it('writes the trail with headers in the reader’s language, each time local with its offset and in UTC', () => {
    const file = trailCsv(tr.fr, 'fr', trail);
    expect(file.filename).toBe('tandem-audit-2026-12-01.csv');
    const [head, row] = file.content.replace('\uFEFF', '').split('\r\n');
    expect(head).toBe(
      'Événement,Heure locale,Heure UTC,Personne,Nom d’utilisateur,Action,Code de l’action,Objet,Identifiant de l’objet,Détails,Empreinte d’intégrité',
    );
    expect(row).toContain('2026-12-02 02:22:00 UTC');
    expect(row).toMatch(/,2026-12-0[12] \d\d:22:00 [+-]\d\d:\d\d,/);
    expect(row).toContain('David Chen,dchen,');
    expect(row).toContain('la paire «\u00a0Le recensement commence aujourd’hui\u00a0»');
    expect(row).toContain('Version\u00a0: 3');
  });

  it('writes published records with French headers and people by name', () => {
    const records: RecordsExport = {
      exportedAt: '2026-12-02T12:00:00.000Z',
      exportedBy: 'admin',
      from: null,
      to: null,
      people: { dchen: 'David Chen', julie: 'Julie Tremblay' },
      records: [
        {
          pairId, status: 'published', channels: 'Statistics Canada', enText: 'Hi', frText: 'Salut', enAltText: '', frAltText: '',
          enPosts: 'https://x/1', frPosts: 'https://x/2', enSentAt: '2026-12-02T02:22:00.000Z', frSentAt: '2026-12-02T02:22:00.004Z',
          scheduledAt: '2026-12-02T02:22:00.000Z', draftedBy: 'julie', translatedBy: '', enWrittenBy: 'julie', frWrittenBy: 'julie',
          approvedBy: 'dchen', approvedAt: '2026-12-01T20:00:00.000Z', approvalComment: '=cmd', approvedVersion: 2, publishedBy: 'dchen', approvalAuditHash: 'h',
        },
      ],
    };
    const file = recordsFile(tr.fr, records, 'csv');
    const [head, row] = file.content.replace('\uFEFF', '').split('\r\n');
    expect(head!.split(',').slice(0, 4)).toEqual(['Identifiant de la paire', 'État', 'Paires de comptes', 'Texte anglais']);
    expect(head).toContain('Échéance (UTC)');
    expect(row).toContain('Julie Tremblay');
    expect(row).toContain('David Chen');
    // A comment that a spreadsheet would run as a formula is kept as text.
    expect(row).toContain(",'=cmd,");
    expect(recordsFile(tr.en, records, 'json').content).toContain('"approvedBy": "dchen"');
  });

  it('quotes cells as RFC 4180 says', () => {
    expect(csv([['a,b', 'say "hi"', 'two\nlines']])).toBe('\uFEFF"a,b","say ""hi""","two\nlines"\r\n');
  });
});
