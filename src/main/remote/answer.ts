// A server's answer, read whole, as the desk reads every answer of a workspace: the parsed JSON,
// `undefined` when the body is not JSON (checked by the caller, never trusted), or `null` when the
// connection broke first or the body grew past what such an answer can be.
import type http from 'node:http';

export function readJsonAnswer(res: http.IncomingMessage, maxChars = Number.POSITIVE_INFINITY): Promise<unknown> {
  return new Promise((resolve) => {
    let text = '';
    let ended = false;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > maxChars) res.destroy();
    });
    res.on('end', () => {
      ended = true;
      try {
        resolve(JSON.parse(text) as unknown);
      } catch {
        resolve(undefined);
      }
    });
    res.on('error', () => undefined);
    res.on('close', () => {
      if (!ended) resolve(null);
    });
  });
}
