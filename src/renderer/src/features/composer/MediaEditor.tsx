import { useEffect, useId, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { useTranslation } from '../../lib/translation';
import type { ErrorInfo, Lang, MediaFile } from '../../../../shared/domain';
import { countGraphemes } from '../../../../shared/limits';
import { maxUploadBytes } from '../../../../shared/contract';
import { call, toErrorInfo } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { rememberPickedFile, Thumbnail } from '../../lib/pair/media';
import { numberFormat } from '../../../../shared/dates';

/** One image as the composer holds it: its EN and FR file (the same by default) and alt text. */
export interface ComposerMedia {
  /** Stable across moves and edits, so React keeps each item's elements (and focus) as they are. */
  key: string;
  en: MediaFile;
  fr: MediaFile;
  altEn: string;
  altFr: string;
}

export const newMediaKey = () => crypto.randomUUID();

export const acceptedTypes = 'image/jpeg,image/png,image/gif,image/webp';

/** Reads a picked file and stores it in main; resolves to the stored file. */
async function uploadFile(file: File): Promise<MediaFile> {
  const data = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
  return call('media.upload', { data });
}

interface Props {
  media: ComposerMedia[];
  /** Given updates, not values: an upload that finishes later must not undo edits made meanwhile. */
  onChange: Dispatch<SetStateAction<ComposerMedia[]>>;
  /** While files are on their way: the composer holds its save buttons. */
  onUploading: (uploading: boolean) => void;
  /** The strictest limits among the selected accounts, for the alt text counters. */
  maxAltLength: number;
  maxImages: number;
  disabled?: boolean;
}

/** 850 KB, 1.2 MB; 850 ko, 1,2 Mo. */
function fileSize(bytes: number, language: string): string {
  const fr = language === 'fr';
  const format = numberFormat(language, { maximumFractionDigits: 1 });
  const nbsp = '\u00a0';
  if (bytes < 1024 * 1024) return `${format.format(Math.max(1, Math.round(bytes / 1024)))}${nbsp}${fr ? 'ko' : 'KB'}`;
  return `${format.format(bytes / 1024 / 1024)}${nbsp}${fr ? 'Mo' : 'MB'}`;
}

export function MediaEditor({ media, onChange, onUploading, maxAltLength, maxImages, disabled }: Props) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const list = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLInputElement>(null);
  // After a move or a removal, where keyboard focus goes (the same control, or the next item's).
  const [focusNext, setFocusNext] = useState<{ key: string | null; action: string } | null>(null);
  useEffect(() => {
    if (!focusNext) return;
    setFocusNext(null);
    const item = focusNext.key && list.current?.querySelector(`[data-media-key="${focusNext.key}"]`);
    const target =
      (item && (item.querySelector<HTMLButtonElement>(`[data-action="${focusNext.action}"]:not(:disabled)`) ?? item.querySelector<HTMLButtonElement>('button:not(:disabled)'))) ||
      input.current;
    target?.focus();
  }, [focusNext]);
  const [progress, setProgress] = useState<{ current: number; total: number } | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  async function upload(files: File[]): Promise<MediaFile[]> {
    setError(null);
    const stored: MediaFile[] = [];
    onUploading(true);
    try {
      for (const file of files) {
        // "Adding image 1 of 2…" while the first one is on its way.
        setProgress({ current: stored.length + 1, total: files.length });
        if (file.size > maxUploadBytes) {
          const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
          setError({ code: 'media.fileTooLarge', params: { name: file.name, size: mb(file.size), max: mb(maxUploadBytes) } });
          break;
        }
        const saved = await uploadFile(file);
        rememberPickedFile(saved.id, file);
        stored.push(saved);
      }
    } catch (caught) {
      setError(toErrorInfo(caught));
    } finally {
      setProgress(null);
      onUploading(false);
    }
    return stored;
  }

  async function add(files: File[]) {
    const stored = await upload(files);
    if (stored.length > 0) {
      onChange((current) => [...current, ...stored.map((file) => ({ key: newMediaKey(), en: file, fr: file, altEn: '', altFr: '' }))]);
    }
  }

  async function replaceFrench(key: string, files: File[]) {
    const [stored] = await upload(files.slice(0, 1));
    if (stored) onChange((current) => current.map((m) => (m.key === key ? { ...m, fr: stored } : m)));
  }

  const update = (key: string, patch: Partial<ComposerMedia>) => onChange((current) => current.map((m) => (m.key === key ? { ...m, ...patch } : m)));
  const move = (key: string, by: -1 | 1) => {
    onChange((current) => {
      const index = current.findIndex((m) => m.key === key);
      const next = [...current];
      const [item] = next.splice(index, 1);
      next.splice(Math.max(0, Math.min(next.length, index + by)), 0, item!);
      return next;
    });
    setFocusNext({ key, action: by < 0 ? 'up' : 'down' });
  };
  const remove = (key: string) => {
    const index = media.findIndex((m) => m.key === key);
    const after = media[index + 1] ?? media[index - 1];
    onChange((current) => current.filter((m) => m.key !== key));
    setFocusNext({ key: after?.key ?? null, action: 'remove' });
  };

  return (
    <fieldset className="media-editor" disabled={disabled} aria-describedby={`${id}-hint`}>
      <legend>{t('media.heading')}</legend>
      <p id={`${id}-hint`} className="hint">
        {t('media.hint', { count: maxImages })}
      </p>
      <ol className="media-list" ref={list}>
        {media.map((item, index) => (
          <li key={item.key} className="media-item" data-testid="media-item" data-media-key={item.key}>
            <div className="media-files">
              <Thumbnail file={item.en} alt={item.altEn} />
              {item.fr.id !== item.en.id && <Thumbnail file={item.fr} alt={item.altFr} />}
              <span className="muted">{t('media.size', { width: item.en.width, height: item.en.height, size: fileSize(item.en.bytes, i18n.language) })}</span>
            </div>
            <div className="two-columns">
              {(['en', 'fr'] as const).map((lang) => (
                <AltText
                  key={lang}
                  lang={lang}
                  position={index + 1}
                  value={lang === 'en' ? item.altEn : item.altFr}
                  max={maxAltLength}
                  onChange={(value) => update(item.key, lang === 'en' ? { altEn: value } : { altFr: value })}
                />
              ))}
            </div>
            <div className="actions">
              <FilePicker label={t(item.fr.id === item.en.id ? 'media.frenchImage' : 'media.replaceFrenchImage', { position: index + 1 })} onFiles={(files) => void replaceFrench(item.key, files)} />
              {item.fr.id !== item.en.id && (
                <button type="button" onClick={() => update(item.key, { fr: item.en })}>
                  {t('media.sameImage', { position: index + 1 })}
                </button>
              )}
              <button type="button" data-action="up" disabled={index === 0} onClick={() => move(item.key, -1)} aria-label={t('media.moveUp', { position: index + 1 })}>
                ↑
              </button>
              <button type="button" data-action="down" disabled={index === media.length - 1} onClick={() => move(item.key, 1)} aria-label={t('media.moveDown', { position: index + 1 })}>
                ↓
              </button>
              <button type="button" data-action="remove" onClick={() => remove(item.key)}>
                {t('media.remove', { position: index + 1 })}
              </button>
            </div>
          </li>
        ))}
      </ol>
      <label className="file-button">
        <input
          ref={input}
          type="file"
          accept={acceptedTypes}
          multiple
          className="visually-hidden"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length > 0) void add(files);
          }}
        />
        <span>{t('media.add')}</span>
      </label>
      <div role="status" className="status-line">
        {progress && t('media.uploading', { current: progress.current, total: progress.total })}
      </div>
      <ErrorMessage error={error} />
    </fieldset>
  );
}

function FilePicker({ label, onFiles }: { label: string; onFiles: (files: File[]) => void }) {
  return (
    <label className="file-button">
      <input
        type="file"
        accept={acceptedTypes}
        className="visually-hidden"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
      <span>{label}</span>
    </label>
  );
}

function AltText({ lang, position, value, max, onChange }: { lang: Lang; position: number; value: string; max: number; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const length = countGraphemes(value);
  const over = length > max;
  return (
    <div className="field">
      <label htmlFor={id}>{t(`media.alt.${lang}`, { position })}</label>
      <textarea
        id={id}
        lang={lang}
        rows={2}
        value={value}
        aria-describedby={`${id}-count`}
        aria-invalid={over || value.trim() === ''}
        onChange={(e) => onChange(e.target.value)}
      />
      <span id={`${id}-count`} className={over ? 'counter over' : 'counter'}>
        {t('composer.counter', { length, max })}
      </span>
    </div>
  );
}
