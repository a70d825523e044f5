// Stored images as every screen shows them: read back from main once per session, by id.
import { useEffect, useState } from 'react';
import type { MediaFile } from '../../../../shared/domain';
import { call } from '../api';

/** One image with its EN and FR file and alt text, as pairs and the composer hold them. */
export interface ShownMedia {
  en: MediaFile;
  fr: MediaFile;
  altEn: string;
  altFr: string;
}

// Object URLs for files shown in this session, by stored id: no second trip to main.
const previewUrls = new Map<string, string>();

/** Shows a file just picked from its own bytes: no trip back to main for it. */
export function rememberPickedFile(id: string, file: Blob): void {
  previewUrls.set(id, URL.createObjectURL(file));
}

/** A URL to show the stored file: the picked file's own, or its bytes read back from main. */
export function useMediaUrl(file: MediaFile): string | null {
  const [url, setUrl] = useState(() => previewUrls.get(file.id) ?? null);
  useEffect(() => {
    const known = previewUrls.get(file.id);
    if (known) {
      setUrl(known);
      return;
    }
    let live = true;
    call('media.read', { id: file.id }).then(
      ({ mime, data }) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const objectUrl = URL.createObjectURL(new Blob([bytes], { type: mime }));
        previewUrls.set(file.id, objectUrl);
        if (live) setUrl(objectUrl);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [file.id]);
  return url;
}

/** The image at `width` CSS pixels (96: a thumbnail), its height kept in proportion. */
export function Thumbnail({ file, alt, width = 96 }: { file: MediaFile; alt: string; width?: number }) {
  const url = useMediaUrl(file);
  const height = Math.round((width * file.height) / file.width);
  return url ? (
    <img className={width > 96 ? 'image-large' : 'thumb'} src={url} alt={alt} width={width} height={height} />
  ) : (
    <span className={width > 96 ? 'image-large' : 'thumb'} style={{ width, height }} />
  );
}

