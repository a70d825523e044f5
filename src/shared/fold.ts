// How Tandem compares words people type with words it holds, everywhere (the queue's search, the
// audit trail's names and actions): both sides folded the same way.

/** Lower case, without accents (é → e, Ç → c, œ → oe), every run of white space one space, trimmed. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/œ/giu, 'oe')
    .replace(/æ/giu, 'ae')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}
